"""Adam on a single parameter, one step at a time (Kingma and Ba, 2015).

For each step t = 1, 2, … with gradient g:

    m = β1·m + (1 − β1)·g          momentum: a running average of gradients
    v = β2·v + (1 − β2)·g²         a running average of squared gradients
    m̂ = m ÷ (1 − β1^t)             bias correction (m and v start at 0)
    v̂ = v ÷ (1 − β2^t)
    u = lr·m̂ ÷ (√v̂ + ε)            the update
    w = w − u

Every quantity is defined once, as an `Expr`. The three gradient patterns of the article
(±5 alternating, a steady 5, a steady 0.01) are worked out in closed form: k steps of a
steady g leave m = (1 − β1^k)·g and v = (1 − β2^k)·g²; k steps alternating +g, −g, …
leave m = g_k·(1 − β1)·(1 − (−β1)^k) ÷ (1 + β1), where g_k is the last gradient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from llmtutor.engine import facts
from llmtutor.engine.expr import Expr, call, num, sqrt
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

INPUTS = (
    InputSpec(
        "gradients",
        (0.5, 0.3, 0.4, -0.2),
        "the parameter's gradient at each step",
        symbol="g",
        kind="floats",
        min_items=1,
        max_items=50,
    ),
    InputSpec("beta1", 0.9, "how much momentum history to keep", symbol="β1", minimum=0, below=1),
    InputSpec(
        "beta2", 0.999, "how slowly the squared average moves", symbol="β2", minimum=0, below=1
    ),
    InputSpec("lr", 0.01, "learning rate", positive=True),
    InputSpec("eps", 1e-8, "keeps the division safe when v̂ is 0", symbol="ε", positive=True),
    InputSpec("w0", 1.0, "the parameter before the first step", symbol="w₀"),
    InputSpec(
        "scenario_steps",
        10,
        "steps in each of the three gradient patterns",
        symbol="k",
        kind="int",
        minimum=1,
        maximum=10_000,
    ),
    InputSpec("params", 8e9, "parameters in the model", symbol="P", positive=True),
    InputSpec("bytes_per", 4, "bytes to store one number", symbol="bytes", positive=True),
)

BIG = 5.0  # a parameter whose gradients are large (the source's attention example)
SMALL = 0.01  # and one whose gradients are small
WALKTHROUGH = 4  # steps the article works through one by one, each a step of the lesson
NEAR_LR = 0.999  # |u| ≥ 0.999·lr reads "about lr"
SIMILAR = 2.0  # updates within a factor of 2 of each other in size are "similar"
FADED = 1.01  # a correction that multiplies m by under 1.01 has all but gone
CANCELLED = 0.1  # momentum under 10% of the gradient's size has cancelled
STEADY_LR = 0.99  # a steady gradient's update of at least 0.99·lr comes out "at lr"
LABELLED = 8  # runs up to this long have each point of the chart of updates labelled

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(index: int) -> str:
    """A step number as a subscript: 12 -> '₁₂'."""
    return str(index).translate(_SUBSCRIPTS)


# -- facts ----------------------------------------------------------------------------------

RUN_LENGTH = Fact(
    "run_length",
    "how many gradients the learner gave: one per step of Adam",
    ("one", "two", "three", "four", "five", "more"),
)
# How step t's gradient meets the momentum built before it (steps 2 to 4 of the walkthrough).
MEETINGS = (
    "absent",  # the run has fewer than t steps
    "no_gradient",  # g_t = 0: m and v are only scaled by β1 and β2
    "first",  # m_(t−1) = 0: no momentum yet, m_t takes g_t's sign
    "agrees",  # g_t has the momentum's sign
    "flips_held",  # g_t turns against the momentum and the gradient before it; m keeps its sign
    "flips_turned",  # … and m_t loses its sign
    "against_held",  # g_t is against the momentum, as the gradient before it was; m holds
    "against_turned",  # … and m_t loses its sign
)
STEP_FACTS = {
    t: Fact(
        f"step_{t}",
        f"how gradient g{sub(t)} meets the momentum m{sub(t - 1)} built before it",
        MEETINGS,
    )
    for t in range(2, WALKTHROUGH + 1)
}
FIRST_UPDATE = Fact(
    "first_update",
    "the first update against lr: about lr in size (ε is tiny next to |g₁|), below it, or 0"
    " (g₁ is 0)",
    ("lr", "below_lr", "zero"),
)
UPDATE_SIZES = Fact(
    "update_sizes",
    f"whether every update's size is within a factor of {fmt(SIMILAR)} of every other's"
    " (or all are 0)",
    ("single", "zero", "similar", "varied"),
)
CORRECTION = Fact(
    "correction",
    "how long bias correction matters: not at all (β1 = 0), fading by step 100, or lasting",
    ("none", "fades", "lasts"),
)
ALTERNATING = Fact(
    "alternating",
    f"how much of ±{fmt(BIG)} is left in m̂ after k alternating steps: under 10%, part, all",
    ("cancels", "partly", "none"),
)
STEADY = Fact(
    "steady",
    f"whether a steady {fmt(BIG)} and a steady {fmt(SMALL)} both move w by about lr",
    ("both_lr", "small_shrunk", "both_shrunk"),
)
FACTS = (
    RUN_LENGTH,
    *STEP_FACTS.values(),
    FIRST_UPDATE,
    UPDATE_SIZES,
    CORRECTION,
    ALTERNATING,
    STEADY,
)


def run_length(n: int) -> str:
    return ("one", "two", "three", "four", "five")[n - 1] if n <= WALKTHROUGH + 1 else "more"


def meeting(g: float, g_before: float, m_before: float, m: float) -> str:
    """How a gradient `g` meets the momentum `m_before` (the gradient before it was
    `g_before`), given the momentum `m` after it."""
    if g == 0:
        return "no_gradient"
    if m_before == 0:
        return "first"
    if facts.sign(g) == facts.sign(m_before):
        return "agrees"
    flipped = facts.sign(g_before) == facts.sign(m_before)
    held = facts.sign(m) == facts.sign(m_before)
    return ("flips_" if flipped else "against_") + ("held" if held else "turned")


def first_update(g: float, update: float, lr: float) -> str:
    if g == 0:
        return "zero"
    return "lr" if abs(update) >= NEAR_LR * lr else "below_lr"


def update_sizes(updates: Sequence[float]) -> str:
    if len(updates) == 1:
        return "single"
    sizes = [abs(u) for u in updates]
    if max(sizes) == 0:
        return "zero"
    return "similar" if 0 < max(sizes) <= SIMILAR * min(sizes) else "varied"


def correction(beta1: float, boost_at_100: float) -> str:
    if beta1 == 0:
        return "none"
    return "fades" if boost_at_100 < FADED else "lasts"


def alternating(mhat: float, size: float) -> str:
    left = abs(mhat) / size
    return "cancels" if left < CANCELLED else "none" if left >= 1 - 1e-9 else "partly"


def steady(big_ratio: float, small_ratio: float) -> str:
    if small_ratio >= STEADY_LR:
        return "both_lr"
    return "small_shrunk" if big_ratio >= STEADY_LR else "both_shrunk"


# -- the computation ------------------------------------------------------------------------


def compute(
    gradients: Sequence[float] = (0.5, 0.3, 0.4, -0.2),
    beta1: float = 0.9,
    beta2: float = 0.999,
    lr: float = 0.01,
    eps: float = 1e-8,
    w0: float = 1.0,
    scenario_steps: int = 10,
    params: float = 8e9,
    bytes_per: float = 4,
) -> Trace:
    grads = tuple(float(g) for g in gradients)
    t = Trace()
    n = len(grads)
    # The list input is shown as its length; the gradients themselves are g_1, g_2, ….
    t.input("gradients", n, "n", note="g = " + ", ".join(fmt(g) for g in grads))
    beta1_ = t.input("beta1", beta1, "β1")
    beta2_ = t.input("beta2", beta2, "β2")
    lr_ = t.input("lr", lr)
    eps_ = t.input("eps", eps, "ε")
    w_ = t.input("w0", w0, "w₀", note="where the parameter starts")
    k_ = t.input("scenario_steps", scenario_steps, "k")
    params_ = t.input("params", params, "P")
    bytes_ = t.input("bytes_per", bytes_per, "bytes")
    t.fact(RUN_LENGTH, run_length(n))

    # The walkthrough: the four steps of Adam, at every step t. m and v start at 0.
    m_ = t.constant("m_0", "m₀", 0.0, note="momentum starts at 0")
    v_ = t.constant("v_0", "v₀", 0.0, note="the squared average starts at 0")
    g_refs: list[Expr] = []
    u_refs: list[Expr] = []
    first: dict[str, Expr] = {}
    for step, g in enumerate(grads, start=1):
        k = sub(step)
        m_before = m_.value
        g_ = t.input(f"g_{step}", g, f"g{k}")
        m_ = t.define(f"m_{step}", f"m{k}", beta1_ * m_ + (1 - beta1_) * g_)
        v_ = t.define(f"v_{step}", f"v{k}", beta2_ * v_ + (1 - beta2_) * g_**2)
        mhat_ = t.define(f"mhat_{step}", f"m̂{k}", m_ / (1 - beta1_**step))
        vhat_ = t.define(f"vhat_{step}", f"v̂{k}", v_ / (1 - beta2_**step))
        update = lr_ * mhat_ / (sqrt(vhat_) + eps_)
        u_ = t.define(f"update_{step}", f"u{k}", update, note=_moves(update.value))
        w_ = t.define(f"w_{step}", f"w{k}", w_ - u_)
        if step == 1:
            first = {"m": m_, "v": v_, "vhat": vhat_, "update": u_}
        if step in STEP_FACTS:
            g_before = g_refs[-1].value
            t.fact(STEP_FACTS[step], meeting(g, g_before, m_before, m_.value))
        g_refs.append(g_)
        u_refs.append(u_)
    for step in range(n + 1, WALKTHROUGH + 1):
        t.fact(STEP_FACTS[step], "absent")
    updates = [u.value for u in u_refs]
    t.fact(FIRST_UPDATE, first_update(grads[0], updates[0], lr))
    t.fact(UPDATE_SIZES, update_sizes(updates))

    # The range of the gradients and of the updates.
    t.define("lowest_g", "min g", call("min", *g_refs))
    t.define("highest_g", "max g", call("max", *g_refs))
    t.define("lowest_update", "min u", call("min", *u_refs))
    t.define("highest_update", "max u", call("max", *u_refs))

    # Bias correction: without it the first update would be too small.
    uncorrected = t.define(
        "update_1_uncorrected",
        "u₁ (raw m₁)",
        lr_ * first["m"] / (sqrt(first["vhat"]) + eps_),
        note="momentum left uncorrected",
    )
    t.define(
        "correction_ratio",
        "u₁ ÷ u₁(raw)",
        first["update"] / uncorrected,
        note="= 1 ÷ (1 − β1): the correction's boost at step 1",
    )
    t.define(
        "update_1_raw",
        "u₁ (raw m, v)",
        lr_ * first["m"] / (sqrt(first["v"]) + eps_),
        note="m₁ and v₁ both left uncorrected",
    )
    t.define("boost1_1", "1÷(1−β1)", 1 / (1 - beta1_), note="the correction's factor at step 1")
    boosts = {}
    for at in (10, 100):
        t.define(f"bias1_{at}", f"1−β1^{at}", 1 - beta1_**at)
        boosts[at] = t.define(
            f"boost1_{at}",
            f"1÷(1−β1^{at})",
            1 / (1 - beta1_**at),
            note=f"the correction's factor at step {at}",
        )
    t.fact(CORRECTION, correction(beta1, boosts[100].value))

    # Three gradient patterns, each for k steps, in closed form (see the module's docstring).
    big = t.constant("big_grad", "g big", BIG, note="a large steady gradient")
    small = t.constant("small_grad", "g small", SMALL, note="a small steady gradient")
    t.define("grad_spread", "g big ÷ g small", big / small)
    alt = f"±{fmt(BIG)}"
    last = t.define(
        "alt_last",
        "g_k",
        (-1) ** (k_ - 1) * big,
        note=f"the last of +{fmt(BIG)}, −{fmt(BIG)}, +{fmt(BIG)}, …",
    )
    patterns = (
        ("alt", alt, last * (1 - beta1_) * (1 - (-beta1_) ** k_) / (1 + beta1_), big),
        ("steady5", fmt(BIG), (1 - beta1_**k_) * big, big),
        ("steady001", fmt(SMALL), (1 - beta1_**k_) * small, small),
    )
    ratios = {}
    for name, label, momentum, size in patterns:
        kind = "alternating" if name == "alt" else "steady"
        m_k = t.define(f"{name}_m", f"m[{label}]", momentum, note=f"after k {kind} steps")
        v_k = t.define(f"{name}_v", f"v[{label}]", (1 - beta2_**k_) * size**2)
        mhat_ = t.define(f"{name}_mhat", f"m̂[{label}]", m_k / (1 - beta1_**k_))
        vhat_ = t.define(f"{name}_vhat", f"v̂[{label}]", v_k / (1 - beta2_**k_))
        u_ = t.define(f"{name}_update", f"u[{label}]", lr_ * mhat_ / (sqrt(vhat_) + eps_))
        ratios[name] = t.define(f"{name}_ratio", f"u[{label}]÷lr", u_ / lr_)
    t.fact(ALTERNATING, alternating(t.value("alt_mhat"), BIG))
    t.fact(STEADY, steady(ratios["steady5"].value, ratios["steady001"].value))

    # Memory: SGD keeps the parameters; Adam keeps the parameters, m and v.
    t.define("sgd_gb", "SGD GB", params_ * bytes_ / num(10) ** 9)
    t.define(
        "adam_gb",
        "Adam GB",
        3 * params_ * bytes_ / num(10) ** 9,
        note="the parameter, m and v: three numbers each",
    )

    steps = range(1, n + 1)
    xs = tuple(float(s) for s in steps)
    # Each point is labelled with its gradient while the labels fit beside one another.
    labels = tuple(f"g = {fmt(g)}" for g in grads)
    marks = tuple(zip(xs, updates, labels, strict=True)) if n <= LABELLED else ()
    t.add_series(
        Series(
            "updates",
            "Adam's update at each step",
            xs,
            tuple(updates),
            x_label="step t",
            y_label="update u",
            marks=marks,
        )
    )
    t.add_series(
        Series(
            "w_path",
            "The parameter after each step",
            (0.0, *xs),
            (w0, *(t.value(f"w_{s}") for s in steps)),
            x_label="step t",
            y_label="w",
        )
    )
    return t


def _moves(update: float) -> str:
    if math.isnan(update):
        return ""
    if update > 0:
        return "w moves down"
    if update < 0:
        return "w moves up"
    return "w stays"
