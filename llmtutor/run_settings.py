"""The settings of a training run that a learner may change, checked without importing torch
(the command line and the training screen share them)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from llmtutor.engine.live_run import LAYERS  # the article's depth
from llmtutor.safe_text import excerpt

OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
SCHEDULES = ("constant", "cosine")  # a constant rate, or linear warmup then cosine decay
MAX_LAYERS = 16
YES, NO = ("yes", "on", "true"), ("no", "off", "false")  # how a switch may be typed
MAX_STEPS = 100_000
MAX_SEED = 2**64 - 1  # torch.manual_seed takes 0 to 0xffff_ffff_ffff_ffff (and negatives)


@dataclass(frozen=True)
class RunSettings:
    steps: int = 500
    lr: float = 1e-3
    seed: int = 42
    optimizer: str = "adam"
    device: str = "auto"
    # The experiments (each off by default: the article's run)
    layers: int = LAYERS  # transformer layers
    residual: bool = True  # the skip connections around attention and feed-forward
    schedule: str = "constant"  # "cosine": linear warmup, then cosine decay to lr_min
    warmup: int = 0  # steps of linear warmup (cosine only)
    lr_min: float = 0.0  # where cosine decay ends (cosine only)
    bias_correction: bool = True  # Adam's m̂ and v̂; off: m and v used as they are

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """Why these settings do not go together, or None."""
        if not 1 <= self.layers <= MAX_LAYERS:
            return f"layers must be between 1 and {MAX_LAYERS}"
        if self.schedule not in SCHEDULES:
            return f"schedule must be one of {', '.join(SCHEDULES)}"
        if self.warmup < 0 or self.warmup >= self.steps:
            return f"warmup must be 0 or more and less than the steps ({self.steps})"
        if not (math.isfinite(self.lr_min) and 0 <= self.lr_min <= self.lr):
            return f"lr-min must be between 0 and the learning rate ({self.lr:g})"
        if self.schedule == "constant" and (self.warmup or self.lr_min):
            return "warmup and lr-min shape the cosine schedule: add --schedule cosine"
        return None

    def label(self) -> str:
        """How a run is named in full (the settings line, train --plain's heading): its
        optimizer, rate and seed, then each experiment that differs from the article's run."""
        return ", ".join([f"{self.optimizer}, lr {self.lr:g}, seed {self.seed}", *self._changes()])

    def _changes(self) -> list[str]:
        """The experiments these settings make, each in a few words."""
        parts = []
        if self.layers != LAYERS:
            parts.append(f"{self.layers} layers")
        if not self.residual:
            parts.append("no residual")
        if self.schedule == "cosine":
            parts.append(f"cosine (warmup {self.warmup}, lr-min {self.lr_min:g})")
        if not self.bias_correction and self.optimizer == "adam":
            parts.append("no bias correction")
        return parts

    def legend(self, steps: bool = True) -> str:
        """How a run is named on a chart's legend, short enough for 80 columns: only what
        differs from the article's run ("sgd, lr 0.5", "8 layers, no residual"), or "the
        article's run". The device is left out: it changes speed, not the curve; so are the
        steps with `steps=False` (runs of one length, compared)."""
        article = RunSettings()
        parts = []
        if (self.optimizer, self.lr) != (article.optimizer, article.lr):
            parts.append(f"{self.optimizer}, lr {self.lr:g}")
        if steps and self.steps != article.steps:
            parts.append(f"{self.steps} steps")
        if self.seed != article.seed:
            parts.append(f"seed {self.seed}")
        parts += self._changes()
        return ", ".join(parts) or "the article's run"

    def with_text(self, **texts: str) -> RunSettings:
        """These settings with fields replaced from typed text; ValueError says what is wrong."""
        values: dict[str, object] = {}
        for name, text in texts.items():
            text = text.strip()
            if name in ("steps", "seed", "layers", "warmup"):
                try:
                    number = int(text.replace("_", "").replace(",", ""))
                except ValueError:
                    raise ValueError(
                        f"{name} must be a whole number, not {excerpt(text)}"
                    ) from None
                if name == "steps" and not 1 <= number <= MAX_STEPS:
                    raise ValueError(f"steps must be between 1 and {MAX_STEPS:,}")
                if name == "seed" and not 0 <= number <= MAX_SEED:
                    raise ValueError(f"seed must be between 0 and {MAX_SEED} (torch's range)")
                if name == "layers" and not 1 <= number <= MAX_LAYERS:
                    raise ValueError(f"layers must be between 1 and {MAX_LAYERS}")
                if name == "warmup" and number < 0:
                    raise ValueError("warmup must be 0 or more")
                values[name] = number
            elif name == "lr_min":
                try:
                    floor = float(text)
                except ValueError:
                    raise ValueError(f"lr-min must be a number, not {excerpt(text)}") from None
                if not math.isfinite(floor) or floor < 0:
                    raise ValueError("lr-min must be a finite number, 0 or more")
                values[name] = floor
            elif name in ("residual", "bias_correction"):
                answer = text.lower()
                if answer not in YES + NO:
                    label = name.replace("_", " ")
                    raise ValueError(f"{label} must be yes or no, not {excerpt(text)}")
                values[name] = answer in YES
            elif name == "schedule":
                if text.lower() not in SCHEDULES:
                    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}")
                values[name] = text.lower()
            elif name == "lr":
                try:
                    rate = float(text)
                except ValueError:
                    raise ValueError(f"lr must be a number, not {excerpt(text)}") from None
                if not math.isfinite(rate) or rate <= 0:
                    raise ValueError("lr must be a finite number greater than 0")
                values[name] = rate
            elif name == "optimizer":
                if text.lower() not in OPTIMIZERS:
                    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
                values[name] = text.lower()
            elif name == "device":
                if text.lower() not in DEVICES:
                    raise ValueError(f"device must be one of {', '.join(DEVICES)}")
                values[name] = text.lower()
            else:
                raise ValueError(f"unknown setting {excerpt(name)}")
        return replace(self, **values)  # type: ignore[arg-type]  # ValueError: see problem()

    def other_optimizer(self) -> RunSettings:
        return replace(self, optimizer="sgd" if self.optimizer == "adam" else "adam")


PANELS = ("weight", "health")  # what the training screen's right panel shows first


@dataclass(frozen=True)
class Experiment:
    """Runs a lesson offers to test one of its claims: trained one after another on the
    training screen, each kept on the chart and labelled by what differs."""

    title: str  # e.g. "Eight layers, with and without residual connections"
    text: str  # Markdown shown before the first run starts
    runs: tuple[RunSettings, ...]  # at least one
    panel: str = "weight"  # "health": the gradient-health panel is shown from the start

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("an experiment needs at least one run")
        if self.panel not in PANELS:
            raise ValueError(f"panel must be one of {', '.join(PANELS)}")
