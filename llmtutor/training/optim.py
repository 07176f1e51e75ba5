"""Adam without bias correction: m and v, which start at 0, used as they are.

    m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,   w ← w − lr·m ÷ (√v + ε)

torch.optim.Adam always corrects (m̂ = m ÷ (1 − β1^t), v̂ = v ÷ (1 − β2^t)); this is the
same optimizer with those two divisions left out. Its state uses Adam's names (exp_avg,
exp_avg_sq), so whatever reads Adam's m and v reads these.

What the experiment shows is subtler than the article's sentence. The article compares m
alone: at step 1, m is (1 − β1)·g, ten times too small with β1 = 0.9. But v is uncorrected
too: (1 − β2)·g², a thousand times too small with β2 = 0.999, so √v is about 32 times too
small, and the update m ÷ √v comes out about 3.2 times *larger* than Adam's (6.5 times at
step 10, still 1.6 times at step 500). Leaving out only m's correction would give the
article's ten-times-smaller first update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch


class UncorrectedAdam(torch.optim.Optimizer):
    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                p.addcdiv_(m, v.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
