"""What a training run is asked and what it tells, as plain data: its settings (TrainConfig),
its events (Started, Progress, …, Finished), a model's reading of a prompt, and the text's
character vocabulary. The half of llmtutor.training that needs no torch: the interface
unpickles the events its training process sends (llmtutor.training_process) without ever
importing torch. llmtutor.training re-exports all of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmtutor.engine.live_run import LAYERS, PARAGRAPH, PROMPT, REPEATS, SAMPLE_EVERY, WIDTH
from llmtutor.run_settings import OPTIMIZERS, SCHEDULES

# --- the text and its characters -----------------------------------------------------------

TEXT = PARAGRAPH * REPEATS  # repeated so there is enough to sample from; the model memorises it

VOCAB: tuple[str, ...] = tuple(sorted(set(TEXT)))  # (' ', '.', 'a', 'b', …): 28 characters
VOCAB_SIZE = len(VOCAB)
CHAR_IDS = {char: i for i, char in enumerate(VOCAB)}  # character → its token id


def unknown_characters(text: str) -> list[str]:
    """The characters of `text` that are not in the vocabulary (in order, without repeats)."""
    return list(dict.fromkeys(char for char in text if char not in CHAR_IDS))


# --- a run's settings ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    # the run
    steps: int = 500  # optimizer steps (one batch each)
    batch_size: int = 16  # sequences per batch
    seq_len: int = 32  # characters per sequence: the context the model learns from
    lr: float = 1e-3  # learning rate: the peak of a schedule (constant in the source)
    seed: int = 42  # seeds the weights and the batches: same seed, same run
    optimizer: str = "adam"  # "adam" (the source's) or "sgd" (plain, no momentum)
    schedule: str = "constant"  # or "cosine": linear warmup, then cosine decay to lr_min
    warmup: int = 0  # steps of linear warmup (cosine only)
    lr_min: float = 0.0  # where the cosine decay ends
    bias_correction: bool = True  # Adam's m̂, v̂; False: m and v as they are (an experiment)
    # the model
    d_model: int = WIDTH  # width of every token's vector
    n_heads: int = 2  # attention heads per layer (d_model must divide by it)
    n_layers: int = LAYERS  # transformer layers
    residual: bool = True  # False: each layer without its two skip connections
    d_ff: int = 128  # hidden width of each layer's feed-forward network
    max_len: int = 128  # positions the position embedding knows
    # where and how it reports
    device: str = "auto"  # "auto" (CUDA, then MPS, then CPU), "cpu", "cuda" or "mps"
    report_every: int = 10  # a Progress event every this many steps (and at the first and last)
    sample_every: int = SAMPLE_EVERY  # a Sample (greedy text) every this many steps; 0 for none
    generate_len: int = 80  # characters generated after the prompt
    prompt: str = PROMPT  # where generated text starts
    watch: tuple[str, int] | None = ("head.weight", 0)  # (parameter name, flat index) or None

    def __post_init__(self) -> None:
        problems = []
        if self.steps < 0:
            problems.append("steps must be 0 or more")
        for name in ("batch_size", "seq_len", "d_model", "n_heads", "n_layers", "d_ff"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if self.max_len < self.seq_len:
            problems.append(f"seq_len ({self.seq_len}) cannot exceed max_len ({self.max_len})")
        if self.n_heads >= 1 and self.d_model % self.n_heads:
            problems.append(f"d_model ({self.d_model}) must divide by n_heads ({self.n_heads})")
        if not self.lr > 0:
            problems.append("lr must be positive")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule must be one of {', '.join(SCHEDULES)}")
        elif self.schedule == "cosine" and not 0 <= self.warmup < max(self.steps, 1):
            problems.append("warmup must be 0 or more and less than steps")
        if not 0 <= self.lr_min <= self.lr:
            problems.append("lr_min must be between 0 and lr")
        if self.report_every < 1:
            problems.append("report_every must be at least 1")
        if self.sample_every < 0 or self.generate_len < 0:
            problems.append("sample_every and generate_len cannot be negative")
        if not self.prompt:
            problems.append("prompt cannot be empty")
        elif missing := unknown_characters(self.prompt):
            problems.append(f"prompt has characters the model never saw: {''.join(missing)!r}")
        if problems:
            raise ValueError("; ".join(problems))


# --- events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchedParameter:
    """One scalar weight followed through a step (only on reported steps)."""

    name: str  # the parameter, e.g. "head.weight"
    index: int  # flat index into it
    value: float  # after this step's update
    grad: float  # its gradient this step
    m: float | None  # Adam's exp_avg (running mean of gradients) after the step; None for SGD
    v: float | None  # Adam's exp_avg_sq (running mean of squared gradients); None for SGD
    update: float  # value before − value after the step


@dataclass(frozen=True)
class Started:
    device_description: str  # e.g. "CPU (2 threads)"
    parameters: int  # how many numbers the model learns
    config: TrainConfig


@dataclass(frozen=True)
class Progress:
    step: int  # 0-based: the step just taken
    total: int  # config.steps
    loss: float  # this step's batch loss (before its update)
    perplexity: float  # e^loss
    lr: float  # learning rate used
    tokens_per_s: float  # training speed since the previous report
    elapsed_s: float  # training time so far (pauses and samples excluded)
    watch: WatchedParameter | None
    # Gradient health: the gradient's norm over each part of the model, input side first
    # ("embeddings", "block 1", …, "head"), and the step's update relative to the weights,
    # ‖w_after − w_before‖ ÷ ‖w_before‖ over every weight.
    grad_norms: tuple[tuple[str, float], ...] = ()
    update_ratio: float | None = None


@dataclass(frozen=True)
class Sample:
    step: int  # generated after this step's update
    text: str  # greedy, prompt included
    loss: float = math.nan  # this step's batch loss (before its update), as Progress reports it


@dataclass(frozen=True)
class Paused:
    """The loop has stopped between steps and waits: nothing touches the model until it goes
    on, so the model may be read (predictions) until the pause is cleared."""

    steps_done: int


@dataclass(frozen=True)
class Diverged:
    step: int  # the reported step where the loss was first seen not finite
    loss: float  # nan or inf


@dataclass(frozen=True)
class Finished:
    steps_done: int
    final_loss: float  # the last step's loss (nan if no step ran)
    text: str  # greedy text from the prompt ("" after divergence)
    elapsed_s: float  # training time (pauses and samples excluded)
    stopped_early: bool  # ended before config.steps: the stop event, or divergence


Event = Started | Progress | Sample | Paused | Diverged | Finished


# --- a model's reading of a prompt ---------------------------------------------------------


@dataclass(frozen=True)
class Guess:
    """One candidate next character: its probability, and the loss it would cost."""

    char: str
    probability: float  # softmax(logits ÷ temperature) for this character
    loss: float  # −ln p: the cross-entropy if this character came next


@dataclass(frozen=True)
class Reading:
    """What a model makes of a prompt: its likeliest next characters, and what it writes after
    the prompt, greedy and drawn at the temperature (both with the prompt in front)."""

    guesses: tuple[Guess, ...]
    greedy: str
    sampled: str
