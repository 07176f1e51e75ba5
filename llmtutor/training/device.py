"""Which device trains the model: a GPU when there is one, the CPU otherwise."""

from __future__ import annotations

import os

import torch

DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


class DeviceError(ValueError):
    """The device asked for is unknown or not available here. The message is one line."""


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def choose_device(name: str) -> torch.device:
    """The device called `name`: "auto" → CUDA if available, then MPS (Apple GPU), then CPU;
    "cpu", "cuda", "mps" → that one, or DeviceError when it is not available on this machine."""
    wanted = name.strip().lower()
    if wanted == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if wanted == "cpu":
        return torch.device("cpu")
    if wanted == "cuda":
        if not torch.cuda.is_available():
            why = "torch built without CUDA" if torch.version.cuda is None else "no GPU found"
            raise DeviceError(
                f"CUDA was asked for but is not available on this machine ({why}); "
                "use --device cpu or auto"
            )
        return torch.device("cuda")
    if wanted == "mps":
        if not _mps_available():
            raise DeviceError(
                "MPS (Apple GPU) was asked for but is not available on this machine "
                "(it needs Apple silicon, macOS 12.3+ and a torch built with MPS); "
                "use --device cpu or auto"
            )
        return torch.device("mps")
    raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_NAMES)}")


def describe(device: torch.device) -> str:
    """A short line for the screen: "CPU (2 threads)", "CUDA: NVIDIA H100 80GB HBM3", …"""
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "MPS: Apple GPU"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_threads(spare: int = 1) -> int:
    """Threads for torch on the CPU: every core but `spare`, at least one, or
    LLMTUTOR_TORCH_THREADS when it is set. The app keeps one core spare for its interface
    (on 2 cores, two torch threads beside one busy process were measured to collapse to
    about 1 step/s, where one thread kept its ~150 steps/s); `train --plain` has no interface
    and spares none (spare=0)."""
    chosen = os.environ.get("LLMTUTOR_TORCH_THREADS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return max(1, cores() - spare)
