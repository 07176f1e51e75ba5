"""Training a tiny transformer for real, with torch. Nothing here knows about the interface.

Importing this package imports torch (seconds). The app never imports it: its training
screen trains in a process of its own (llmtutor.training_process), which does, and reads the
events it sends as plain data (llmtutor.run_types, re-exported here).
"""

from llmtutor.training.data import TEXT, VOCAB, VOCAB_SIZE, decode, encode, get_batch
from llmtutor.training.device import DeviceError, choose_device, default_threads, describe
from llmtutor.training.loop import (
    Diverged,
    Event,
    Finished,
    Guess,
    Paused,
    Progress,
    Reading,
    Sample,
    Setup,
    Started,
    WatchedParameter,
    build,
    generate,
    predict,
    read,
    train,
)
from llmtutor.training.model import TinyTransformer, TrainConfig, config_for

__all__ = [
    "TEXT",
    "VOCAB",
    "VOCAB_SIZE",
    "DeviceError",
    "Diverged",
    "Event",
    "Finished",
    "Guess",
    "Paused",
    "Progress",
    "Reading",
    "Sample",
    "Setup",
    "Started",
    "TinyTransformer",
    "TrainConfig",
    "WatchedParameter",
    "build",
    "choose_device",
    "config_for",
    "decode",
    "default_threads",
    "describe",
    "encode",
    "generate",
    "get_batch",
    "predict",
    "read",
    "train",
]
