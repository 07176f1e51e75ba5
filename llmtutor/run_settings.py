"""The settings of a training run that a learner may change, checked without importing torch
(the command line and the training screen share them)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from llmtutor.safe_text import excerpt

OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_STEPS = 100_000
MAX_SEED = 2**64 - 1  # torch.manual_seed takes 0 to 0xffff_ffff_ffff_ffff (and negatives)


@dataclass(frozen=True)
class RunSettings:
    steps: int = 500
    lr: float = 1e-3
    seed: int = 42
    optimizer: str = "adam"
    device: str = "auto"

    def label(self) -> str:
        """How a run is named on the chart's legend."""
        return f"{self.optimizer}, lr {self.lr:g}, seed {self.seed}"

    def with_text(self, **texts: str) -> RunSettings:
        """These settings with fields replaced from typed text; ValueError says what is wrong."""
        values: dict[str, object] = {}
        for name, text in texts.items():
            text = text.strip()
            if name in ("steps", "seed"):
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
                values[name] = number
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
        return replace(self, **values)  # type: ignore[arg-type]

    def other_optimizer(self) -> RunSettings:
        return replace(self, optimizer="sgd" if self.optimizer == "adam" else "adam")
