"""Weight decay two ways on one parameter: L2-regularised Adam against AdamW.

Weight decay pulls every weight toward 0. Adam can get it in two ways (Loshchilov and
Hutter, 2019, "Decoupled Weight Decay Regularization"):

L2 (torch.optim.Adam(weight_decay=λ)): the loss gets a term λ·w²/2, whose gradient λ·w joins
the gradient before Adam sees it, so it goes through m and v and is divided by √v̂ like
any gradient:

    g' = g + λ·w
    m = β1·m + (1 − β1)·g'          v = β2·v + (1 − β2)·g'²
    m̂ = m ÷ (1 − β1^t)              v̂ = v ÷ (1 − β2^t)
    u = lr·m̂ ÷ (√v̂ + ε)             w = w − u

Decoupled (torch.optim.AdamW(weight_decay=λ)): m and v see the gradient alone (they are
plain Adam's), and the weight is shrunk beside Adam's update, by an amount m̂ and √v̂ never
touch:

    d = lr·λ·w                       (of the weight before the step)
    w = w − u − d

Every quantity of the learner's run is defined once, as an `Expr`, for both. Two
scenarios of k steps show how differently the two pull toward 0: a weight with no gradient
at all, and a busy one whose large gradients alternate, +5, −5, … (plain Adam barely moves
it: its momentum cancels). AdamW with no gradient has a closed form, w₀·(1 − lr·λ)^k, and
it is written out; the other runs are taken step by step here (`run`) and recorded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from llmtutor.engine import adam
from llmtutor.engine.adam import sub
from llmtutor.engine.expr import Expr, call, sqrt
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace


def _adam_input(name: str) -> InputSpec:
    """The Adam lesson's own input: the same default, rule and meaning."""
    return next(spec for spec in adam.INPUTS if spec.name == name)


INPUTS = (
    *(_adam_input(name) for name in ("gradients", "beta1", "beta2", "lr", "eps", "w0")),
    InputSpec(
        "weight_decay",
        0.1,
        "how strongly each step pulls the weight toward 0",
        symbol="λ",
        minimum=0,
        maximum=100,
    ),
    InputSpec(
        "scenario_steps",
        100,
        "steps in the two scenarios (no gradient; gradients of +5, −5, …)",
        symbol="k",
        kind="int",
        minimum=1,
        maximum=1000,
    ),
)

BUSY_GRADIENT = adam.BIG  # the busy weight's gradients, +5, −5, …: the Adam lesson's ±5
SMALLER = 100  # the idle weight is run again with λ this many times smaller
NEAR_LR = adam.NEAR_LR  # |u| ≥ 0.999·lr reads "about lr"
AGREE = 1e-3  # two idle runs within 0.1% of each other end "at the same place"

# -- facts ----------------------------------------------------------------------------------

RUN_LENGTH = Fact(
    "run_length",
    "how many gradients the learner gave: one (no step 2), two, or more",
    ("one", "two", "more"),
)
L2_FIRST = Fact(
    "l2_first",
    "L2's first update against plain Adam's: the same to the digits shown, different in"
    " size, turned to the other sign by λw₀, made by λw₀ alone (g₁ = 0), or 0 (g'₁ = 0)",
    ("same", "differs", "turned", "from_decay", "zero"),
)
DECAY_FIRST = Fact(
    "decay_first",
    "which way AdamW's first decay d₁ = lr·λ·w₀ moves w: down (w₀ > 0), up (w₀ < 0), or"
    " not at all (d₁ = 0)",
    ("down", "up", "none"),
)
PULLS = Fact(
    "pulls",
    "which decay moved w further from plain Adam's over the run, in size: AdamW's, L2's,"
    " the same to the digits shown, or not a finite number",
    ("adamw_more", "l2_more", "same", "not_finite"),
)
IDLE_FIRST = Fact(
    "idle_first",
    "L2's first step for a weight with no gradient: about lr in size, below lr (ε is not"
    " tiny next to λ|w₀|), or none (λw₀ = 0)",
    ("lr", "below_lr", "none"),
)
IDLE = Fact(
    "idle",
    "after k steps with no gradient, which weight ended nearer 0: L2's, AdamW's, the same"
    " to the digits shown, neither moved (λw₀ = 0), or not a finite number",
    ("l2_nearer", "adamw_nearer", "same", "none", "not_finite"),
)
IDLE_LAMBDA = Fact(
    "idle_lambda",
    f"whether L2's weight with no gradient ends within {fmt(AGREE * 100)}% of the same"
    f" place with λ ÷ {SMALLER} ('free'), or not ('depends'); 'none' when λw₀ = 0",
    ("free", "depends", "none"),
)
BUSY = Fact(
    "busy",
    f"for a weight whose gradients alternate ±{fmt(BUSY_GRADIENT)}, which decay shifted where w"
    " ends"
    " (against plain Adam's) more in size: L2's less, L2's more, the same to the digits"
    " shown, no decay (λ = 0), or not a finite number",
    ("l2_less", "l2_more", "same", "none", "not_finite"),
)
FACTS = (RUN_LENGTH, L2_FIRST, DECAY_FIRST, PULLS, IDLE_FIRST, IDLE, IDLE_LAMBDA, BUSY)


def run_length(n: int) -> str:
    return "one" if n == 1 else "two" if n == 2 else "more"


def l2_first(g: float, g_l2: float, u_l2: float, u_adam: float) -> str:
    if g_l2 == 0:
        return "zero"
    if g == 0:
        return "from_decay"
    if (g_l2 > 0) != (g > 0):
        return "turned"
    return "same" if fmt(u_l2) == fmt(u_adam) else "differs"


def decay_first(decay: float) -> str:
    return "down" if decay > 0 else "up" if decay < 0 else "none"


def compare(first: float, second: float, names: tuple[str, str]) -> str:
    """names[0] when |first| > |second|, names[1] when smaller; 'same' when they read alike,
    'not_finite' when either is ±∞ or nan."""
    if not (math.isfinite(first) and math.isfinite(second)):
        return "not_finite"
    if fmt(abs(first)) == fmt(abs(second)):
        return "same"
    return names[0] if abs(first) > abs(second) else names[1]


def idle_first(decay_term: float, update: float, lr: float) -> str:
    if decay_term == 0:
        return "none"
    return "lr" if abs(update) >= NEAR_LR * lr else "below_lr"


def idle(decay_term: float, w_l2: float, w_adamw: float) -> str:
    if decay_term == 0:
        return "none"
    nearer = compare(w_adamw, w_l2, ("l2_nearer", "adamw_nearer"))
    return nearer


def idle_lambda(decay_term: float, w: float, w_small: float) -> str:
    if decay_term == 0:
        return "none"
    if not (math.isfinite(w) and math.isfinite(w_small)):
        return "depends"
    scale = max(abs(w), abs(w_small))
    return "free" if abs(w - w_small) <= AGREE * scale else "depends"


def busy(weight_decay: float, shift_l2: float, shift_adamw: float) -> str:
    if weight_decay == 0:
        return "none"
    return compare(shift_l2, shift_adamw, ("l2_more", "l2_less"))


# -- runs of many steps, step by step -------------------------------------------------------


def run(
    gradients: Sequence[float],
    w0: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled: bool,
) -> list[float]:
    """w after each step of Adam with weight decay: L2 (the decay joins the gradient) or
    decoupled (AdamW: w shrinks by lr·λ·w beside the update). Plain floats, for the
    scenarios whose every step is not shown; the learner's own run is in `compute`."""
    w, m, v = w0, 0.0, 0.0
    path = []
    for t, g in enumerate(gradients, start=1):
        grad = g if decoupled else g + weight_decay * w
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        update = lr * m_hat / (math.sqrt(v_hat) + eps)
        decay = lr * weight_decay * w if decoupled else 0.0
        w = w - update - decay
        path.append(w)
    return path


# -- the computation ------------------------------------------------------------------------


def compute(
    gradients: Sequence[float] = (0.5, 0.3, 0.4, -0.2),
    beta1: float = 0.9,
    beta2: float = 0.999,
    lr: float = 0.01,
    eps: float = 1e-8,
    w0: float = 1.0,
    weight_decay: float = 0.1,
    scenario_steps: int = 100,
) -> Trace:
    grads = tuple(float(g) for g in gradients)
    n = len(grads)
    t = Trace()
    t.input("gradients", n, "n", note="g = " + ", ".join(fmt(g) for g in grads))
    beta1_ = t.input("beta1", beta1, "β1")
    beta2_ = t.input("beta2", beta2, "β2")
    lr_ = t.input("lr", lr)
    eps_ = t.input("eps", eps, "ε")
    w0_ = t.input("w0", w0, "w₀", note="where the parameter starts, on every path")
    lam = t.input("weight_decay", weight_decay, "λ")
    k_ = t.input("scenario_steps", scenario_steps, "k")
    t.fact(RUN_LENGTH, run_length(n))

    m0 = t.constant("m_0", "m₀", 0.0, note="both paths' momentum starts at 0")
    v0 = t.constant("v_0", "v₀", 0.0, note="both paths' squared average starts at 0")
    g_refs = [t.input(f"g_{step}", g, f"g{sub(step)}") for step, g in enumerate(grads, 1)]

    # L2: λ·w joins the gradient, then Adam as it is.
    m_, v_, w_ = m0, v0, w0_
    l2_updates: list[Expr] = []
    l2_path: list[Expr] = []
    for step, g_ in enumerate(g_refs, start=1):
        i = sub(step)
        g2 = t.define(f"l2_g_{step}", f"g'{i}", g_ + lam * w_, note="the gradient with λw added")
        m_ = t.define(f"l2_m_{step}", f"m{i}[L2]", beta1_ * m_ + (1 - beta1_) * g2)
        v_ = t.define(f"l2_v_{step}", f"v{i}[L2]", beta2_ * v_ + (1 - beta2_) * g2**2)
        mhat = t.define(f"l2_mhat_{step}", f"m̂{i}[L2]", m_ / (1 - beta1_**step))
        vhat = t.define(f"l2_vhat_{step}", f"v̂{i}[L2]", v_ / (1 - beta2_**step))
        u_ = t.define(f"l2_update_{step}", f"u{i}[L2]", lr_ * mhat / (sqrt(vhat) + eps_))
        w_ = t.define(f"l2_w_{step}", f"w{i}[L2]", w_ - u_)
        l2_updates.append(u_)
        l2_path.append(w_)

    # AdamW: m and v of the gradient alone (plain Adam's), and the decay beside the update.
    m_, v_, w_, plain = m0, v0, w0_, w0_
    updates: list[Expr] = []
    decays: list[Expr] = []
    adamw_path: list[Expr] = []
    adam_path: list[Expr] = []
    for step, g_ in enumerate(g_refs, start=1):
        i = sub(step)
        m_ = t.define(f"adamw_m_{step}", f"m{i}[AdamW]", beta1_ * m_ + (1 - beta1_) * g_)
        v_ = t.define(f"adamw_v_{step}", f"v{i}[AdamW]", beta2_ * v_ + (1 - beta2_) * g_**2)
        mhat = t.define(f"adamw_mhat_{step}", f"m̂{i}[AdamW]", m_ / (1 - beta1_**step))
        vhat = t.define(f"adamw_vhat_{step}", f"v̂{i}[AdamW]", v_ / (1 - beta2_**step))
        u_ = t.define(
            f"adamw_update_{step}",
            f"u{i}[AdamW]",
            lr_ * mhat / (sqrt(vhat) + eps_),
            note="plain Adam's update",
        )
        d_ = t.define(
            f"adamw_decay_{step}",
            f"d{i}[AdamW]",
            lr_ * lam * w_,
            note="the decay, of the weight before the step",
        )
        w_ = t.define(f"adamw_w_{step}", f"w{i}[AdamW]", w_ - u_ - d_)
        plain = t.define(
            f"adam_w_{step}", f"w{i}[Adam]", plain - u_, note="plain Adam: no decay at all"
        )
        updates.append(u_)
        decays.append(d_)
        adamw_path.append(w_)
        adam_path.append(plain)

    g1, u1_l2, u1 = grads[0], l2_updates[0].value, updates[0].value
    t.fact(L2_FIRST, l2_first(g1, t.value("l2_g_1"), u1_l2, u1))
    t.fact(DECAY_FIRST, decay_first(decays[0].value))

    # How far each decay moved w, against plain Adam's path, by the end of the run.
    last = sub(n)
    l2_pull = t.define("l2_pull", "Δw[L2]", plain - l2_path[-1], note=f"w{last}[Adam] less L2's")
    adamw_pull = t.define(
        "adamw_pull", "Δw[AdamW]", plain - adamw_path[-1], note=f"w{last}[Adam] less AdamW's"
    )
    t.define(
        "decay_sum",
        "Σd[AdamW]",
        call("sum", *decays),
        note="every decay of the run: AdamW's updates are Adam's, so this is Δw[AdamW]",
    )
    t.fact(PULLS, compare(adamw_pull.value, l2_pull.value, ("adamw_more", "l2_more")))

    # A weight with no gradient, k steps: only the decay moves it. (Plain Adam leaves it at
    # w₀: m stays 0, and so does its update.)
    count = scenario_steps
    decay_term = lam * w0_
    idle_u = t.define(
        "idle_l2_update_1",
        "u₁[L2,g=0]",
        lr_ * decay_term / (sqrt(decay_term**2) + eps_),
        note="g' = λw₀: m̂₁ = λw₀ and v̂₁ = (λw₀)²",
    )
    t.define("idle_adamw_decay_1", "d₁[AdamW,g=0]", lr_ * lam * w0_, note="its update is 0")
    settings = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}
    zeros = [0.0] * count
    idle_l2_path = run(zeros, w0, weight_decay=weight_decay, decoupled=False, **settings)
    idle_l2 = t.constant(
        "idle_l2_w", "wₖ[L2,g=0]", idle_l2_path[-1], note="k steps of L2 with g = 0, run here"
    )
    idle_adamw = t.define(
        "idle_adamw_w",
        "wₖ[AdamW,g=0]",
        w0_ * (1 - lr_ * lam) ** k_,
        note="each step multiplies w by 1 − lr·λ",
    )
    t.define("idle_l2_shift", "Δw[L2,g=0]", w0_ - idle_l2, note="w₀ less where L2 ends")
    t.define("idle_adamw_shift", "Δw[AdamW,g=0]", w0_ - idle_adamw, note="w₀ less where AdamW ends")
    # The same weight with λ a hundred times smaller.
    small = t.define("small_decay", "λ′", lam / SMALLER, note=f"λ ÷ {SMALLER}")
    idle_small = t.constant(
        "idle_l2_w_small",
        "wₖ[L2,λ′]",
        run(zeros, w0, weight_decay=small.value, decoupled=False, **settings)[-1],
        note="k steps of L2 with g = 0 and λ′, run here",
    )
    t.define("idle_adamw_w_small", "wₖ[AdamW,λ′]", w0_ * (1 - lr_ * small) ** k_)
    t.fact(IDLE_FIRST, idle_first(decay_term.value, idle_u.value, lr))
    t.fact(IDLE, idle(decay_term.value, idle_l2.value, idle_adamw.value))
    t.fact(IDLE_LAMBDA, idle_lambda(decay_term.value, idle_l2.value, idle_small.value))

    # A weight whose large gradients alternate, +G, −G, …, k steps: plain Adam barely moves
    # it (its momentum cancels), so what moves it is the decay.
    t.constant("busy_grad", "G", BUSY_GRADIENT, note="the gradients are +G, −G, +G, …")
    alternating = [BUSY_GRADIENT if s % 2 == 0 else -BUSY_GRADIENT for s in range(count)]
    busy_w = {
        name: t.constant(
            f"busy_{name}_w",
            f"wₖ[{label},±G]",
            run(alternating, w0, weight_decay=decay, decoupled=decoupled, **settings)[-1],
            note=f"{label}, k steps of +G, −G, …, run here",
        )
        for name, label, decay, decoupled in (
            ("adam", "Adam", 0.0, False),
            ("l2", "L2", weight_decay, False),
            ("adamw", "AdamW", weight_decay, True),
        )
    }
    shift_l2 = t.define("busy_l2_shift", "Δw[L2,±G]", busy_w["adam"] - busy_w["l2"])
    shift_adamw = t.define("busy_adamw_shift", "Δw[AdamW,±G]", busy_w["adam"] - busy_w["adamw"])
    t.fact(BUSY, busy(weight_decay, shift_l2.value, shift_adamw.value))

    # The charts: w on each path, from w₀.
    xs = tuple(float(s) for s in range(n + 1))
    for name, title, path in (
        ("w_adam", "Adam", adam_path),
        ("w_l2", "Adam with L2", l2_path),
        ("w_adamw", "AdamW", adamw_path),
    ):
        t.add_series(
            Series(
                name,
                title,
                xs,
                (w0, *(w.value for w in path)),
                x_label="step t",
                y_label="w",
            )
        )
    idle_xs = tuple(float(s) for s in range(count + 1))
    idle_adamw_path = run(zeros, w0, weight_decay=weight_decay, decoupled=True, **settings)
    for name, title, values in (
        ("idle_l2", "L2, no gradient", idle_l2_path),
        ("idle_adamw", "AdamW, no gradient", idle_adamw_path),
    ):
        t.add_series(Series(name, title, idle_xs, (w0, *values), x_label="step", y_label="w"))
    return t
