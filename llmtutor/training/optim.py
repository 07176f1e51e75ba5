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


class LeanAdam(torch.optim.Adam):
    """torch's fused Adam (`Adam(fused=True)`), stepped with less Python: the same kernel on
    the same lists, so the same numbers to the last bit.

    On a model this small, Adam's step spends most of its time around its kernel (about
    0.3 ms a step on this project's CPU, against 0.07 ms): every step it regroups the weights
    and their state, and adds 1 to each weight's step count one 0-d tensor at a time. This
    keeps the lists between steps, and keeps the step counts as views into one tensor, added
    to once. Each weight still has its own `state[p]["step"]`, so the state reads and saves
    as Adam's. Whatever the lean step does not cover (a closure, a weight without a gradient,
    more than one group, options it does not pass on, state loaded from elsewhere) takes
    Adam's own step, which these step counts serve as well.
    """

    # torch wraps these two in torch._disable_dynamo, whose first call imports the compiler
    # (torch._dynamo, with sympy: about 1.3 s here, more than importing torch takes again).
    # Nothing compiles this optimizer, so it calls the functions they wrap, as they are.
    add_param_group = getattr(
        torch.optim.Optimizer.add_param_group, "__wrapped__", torch.optim.Optimizer.add_param_group
    )
    zero_grad = getattr(
        torch.optim.Optimizer.zero_grad, "__wrapped__", torch.optim.Optimizer.zero_grad
    )

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3) -> None:
        super().__init__(params, lr=lr, fused=True)
        self._lists: tuple[list[torch.Tensor], ...] | None = None  # params, m, v, steps

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._lists = None

    def _covered(self) -> bool:
        """Whether the lean step does what Adam's would with these settings."""
        if len(self.param_groups) != 1:
            return False
        group = self.param_groups[0]
        off = ("amsgrad", "maximize", "capturable", "differentiable", "decoupled_weight_decay")
        tensors = [group["lr"], *group["betas"], group["eps"], group["weight_decay"]]
        return not any(group[key] for key in off) and not any(
            isinstance(value, torch.Tensor) for value in tensors
        )

    def _prepare(self, params: list[torch.Tensor]) -> tuple[list[torch.Tensor], ...] | None:
        """Adam's state for every weight, the step counts in one tensor; None if some weight
        has state already (then Adam's own step, always)."""
        if any(self.state[p] for p in params):
            return None
        counts = torch.zeros(len(params), dtype=torch.float32, device=params[0].device)
        for i, p in enumerate(params):
            self.state[p].update(
                step=counts[i],  # a 0-d view: Adam's float32 step count for fused
                exp_avg=torch.zeros_like(p, memory_format=torch.preserve_format),
                exp_avg_sq=torch.zeros_like(p, memory_format=torch.preserve_format),
            )
        m = [self.state[p]["exp_avg"] for p in params]
        v = [self.state[p]["exp_avg_sq"] for p in params]
        return params, m, v, [self.state[p]["step"] for p in params], [counts]

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        if closure is not None or not self._covered():
            return super().step(closure)
        group = self.param_groups[0]
        grads = [p.grad for p in group["params"]]
        if any(g is None for g in grads):
            return super().step()
        lists = self._lists
        if lists is None or (lists and lists[0] is not group["params"]):
            lists = self._lists = self._prepare(group["params"]) or ()
        if not lists:
            return super().step()
        params, m, v, steps, (counts,) = lists
        counts.add_(1)
        torch._fused_adam_(
            params,
            grads,
            m,
            v,
            [],  # max_exp_avg_sqs: amsgrad only
            steps,
            amsgrad=False,
            lr=group["lr"],
            beta1=group["betas"][0],
            beta2=group["betas"][1],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=False,
            grad_scale=None,
            found_inf=None,
        )
        return None
