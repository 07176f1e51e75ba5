"""The maths behind the exercises: for each, the values a learner's function must return,
in the order the maths computes them, and the values known mistakes would give instead.

An exercise asks the learner to write one function (`forward_backward(x, w1, w2, w3,
target)`, say). For any input set, `compute` returns a `Check`: a trace whose checked
quantities are the names the function returns (`h`, `a`, … `dL_dw1`), each defined once as
an `Expr`, so its formula, its formula with numbers and its value come from one definition,
as in the lessons. Beside each checked quantity the check keeps the known mistakes that
would produce a different value at that point: the same quantity defined the wrong way from
the same (right) operands, such as dL/dy = 2(target − y) for a flipped sign. The first
value a learner gets wrong has right operands (every earlier value was right), so a learner
value equal to a mistake's value names that mistake.

Every exercise has the article's inputs (or, where the article gives none, the lesson's)
and draws random input sets from a seeded `random.Random`, so a check is the same every
time. No UI, no torch: the training-step exercise's expected losses come from the numpy
bigram loop the training-step lesson uses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmtutor.engine.expr import Expr, call, exp, lift, ln, num, ref, sqrt, total
from llmtutor.engine.schedule import PI, Schedule, steps
from llmtutor.engine.trace import Trace

InputSet = dict[str, Any]  # an exercise's arguments by name: numbers, lists of numbers


class Check(Trace):
    """A trace of an exercise's right values, with the known mistakes beside each checked
    one. `checked` lists the names the learner's function returns, in the maths' order."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: list[str] = []
        self.mistakes: dict[str, list[tuple[str, Expr]]] = {}
        self.topics: dict[str, str] = {}  # each checked name's hint: `losses[2]` → "losses"

    def given(self, name: str, value: float, symbol: str | None = None) -> Expr:
        """Record an argument of the learner's function (kept apart from the returned
        names: adam_step takes m and returns the new m)."""
        return self.input(f"given {name}", value, symbol or name)

    def expect(
        self,
        name: str,
        symbol: str,
        definition: Expr,
        mistakes: Mapping[str, Expr] | None = None,
        topic: str = "",
    ) -> Expr:
        """Record a value the learner must return, and what each mistake would give there.
        `topic` names the hint that helps with it (default: the name before any `[`)."""
        quantity = self.define(name, symbol, definition)
        self.checked.append(name)
        self.topics[name] = topic or name.partition("[")[0]
        self.mistakes[name] = list((mistakes or {}).items())
        return quantity


@dataclass(frozen=True)
class ExerciseMath:
    """One exercise's maths: the function the learner writes and how to check it."""

    name: str
    function: str  # the function's name in the learner's file
    parameters: tuple[str, ...]  # its arguments, in order
    returns: str  # "dict": one call returns every checked name; "number": one per call
    mistakes: tuple[str, ...]  # the ids of the mistakes `compute` can recognise
    article: tuple[InputSet, ...]  # the article's (or the lesson's) input sets, first
    draw: Callable[[random.Random], InputSet]  # a random input set
    compute: Callable[[InputSet], Check]
    # "number" exercises: the arguments of each call of one input set, one per checked name
    calls: Callable[[InputSet], list[InputSet]] | None = None
    # values checked beyond the calls' returns, per input set (the table train_step leaves)
    extra_values: int = 0
    driver: str = "calls"  # how the learner's function is called (see llmtutor.sandbox)
    topics: tuple[str, ...] = ()  # the topics of its checked values (each has a hint), in order
    notes: dict[str, str] = field(default_factory=dict)  # where the inputs come from

    def input_sets(self, count: int, seed: int = 0) -> list[InputSet]:
        """The article's input sets, then `count` random ones (the same for a given seed)."""
        rng = random.Random(seed)
        return [*self.article, *(self.draw(rng) for _ in range(count))]

    def request(self, sets: list[InputSet]) -> dict[str, Any]:
        """What the learner's function is called with, for every input set in turn (see
        `llmtutor.sandbox`): keyword arguments, or the training runs of train_step."""
        if self.driver == "train_step":
            return {"runs": [training_run(inputs) for inputs in sets]}
        return {"calls": [call for inputs in sets for call in self.arguments(inputs)]}

    def arguments(self, inputs: InputSet) -> list[InputSet]:
        """The keyword arguments of each call to the learner's function for `inputs`."""
        if self.calls is not None:
            return self.calls(inputs)
        return [{name: inputs[name] for name in self.parameters}]


def _uniform(rng: random.Random, low: float, high: float, digits: int = 2) -> float:
    """A random number written with few digits, as a learner would type it; never -0."""
    return round(rng.uniform(low, high), digits) + 0.0


def _nonzero(rng: random.Random, low: float, high: float) -> float:
    value = 0.0
    while value == 0:
        value = _uniform(rng, low, high)
    return value


# -- loss -----------------------------------------------------------------------------------

# The loss lesson's sentence, "The cat sat on the mat": the probabilities the model gave the
# correct tokens "sat", "on", "the" (made up for the lesson) and "mat" (the article's 0.233).
SENTENCE = (0.6, 0.8, 0.9, 0.233)


def _loss(inputs: InputSet) -> Check:
    c = Check()
    probs = [
        c.given(f"p_correct[{i}]", p, f"p{_sub(i)}") for i, p in enumerate(inputs["p_correct"])
    ]
    losses = [
        c.expect(
            f"losses[{i}]",
            f"L{_sub(i)}",
            -ln(p),
            {
                "log10": -call("log10", p),
                "log2": -call("log2", p),
                "sign": ln(p),
                "no_log": 1 - p,
            },
        )
        for i, p in enumerate(probs)
    ]
    n = len(losses)
    mean_loss = c.expect(
        "mean_loss",
        "mean L",
        total(losses) / n,
        {"sum_not_mean": total(losses), "mean_of_p": -ln(total(probs) / n)},
    )
    c.expect(
        "perplexity",
        "PPL",
        exp(mean_loss),
        {
            "perplexity_base_2": num(2) ** mean_loss,
            "perplexity_base_10": num(10) ** mean_loss,
            "perplexity_sign": exp(-mean_loss),
            "perplexity_of_sum": exp(total(losses)),
        },
    )
    return c


def _draw_loss(rng: random.Random) -> InputSet:
    return {"p_correct": [_uniform(rng, 0.01, 1.0, 3) for _ in range(rng.randint(1, 6))]}


# -- backprop -------------------------------------------------------------------------------

TOY = {"x": 2.0, "w1": 0.5, "w2": -0.3, "w3": 1.2, "target": 1.0}  # the article's network


def _forward_backward(c: Check, inputs: InputSet) -> dict[str, Expr]:
    x, w1, w2, w3, target = (c.given(name, inputs[name]) for name in TOY)
    h = c.expect("h", "h", x * w1, {"wrong_weight": x * w2})
    a = c.expect("a", "a", h * w2, {"wrong_weight": h * w3})
    y = c.expect("y", "y", a * w3, {"wrong_weight": a * w1})
    c.expect("L", "L", (y - target) ** 2, {"no_square": y - target, "sign": target - y})
    dl_dy = c.expect(
        "dL_dy",
        "dL/dy",
        2 * (y - target),
        {"sign": 2 * (target - y), "no_factor_2": y - target, "both": target - y},
    )

    # Each gradient is the one closer to the loss times a local derivative. The slips: the
    # wrong local derivative, the gradient from the loss dropped (the chain), the local
    # derivative dropped (the gradient passed on as it arrived).
    def step(upstream: Expr, local: Expr, wrong: Expr) -> tuple[Expr, dict[str, Expr]]:
        slips = {"wrong_local": upstream * wrong, "chain_dropped": local, "local_dropped": upstream}
        return upstream * local, slips

    dl_dw3 = c.expect("dL_dw3", "dL/dw3", *step(dl_dy, a, w3))
    dl_da = c.expect("dL_da", "dL/da", *step(dl_dy, w3, a))
    dl_dw2 = c.expect("dL_dw2", "dL/dw2", *step(dl_da, h, w2))
    dl_dh = c.expect("dL_dh", "dL/dh", *step(dl_da, w2, h))
    dl_dw1 = c.expect("dL_dw1", "dL/dw1", *step(dl_dh, x, w1))
    return {"w1": w1, "w2": w2, "w3": w3, "dL_dw1": dl_dw1, "dL_dw2": dl_dw2, "dL_dw3": dl_dw3}


def _backprop(inputs: InputSet) -> Check:
    c = Check()
    _forward_backward(c, inputs)
    return c


def _draw_toy(rng: random.Random) -> InputSet:
    return {name: _nonzero(rng, -2.0, 2.0) for name in TOY}


# -- gradient descent -----------------------------------------------------------------------

# The article's network after its backward pass: its weights, their gradients, lr = 0.1.
GD_ARTICLE = {
    "w1": 0.5,
    "w2": -0.3,
    "w3": 1.2,
    "dL_dw1": 1.9584,
    "dL_dw2": -3.264,
    "dL_dw3": 0.816,
    "lr": 0.1,
}


def _gd_step(inputs: InputSet) -> Check:
    c = Check()
    lr = c.given("lr", inputs["lr"])
    for i in (1, 2, 3):
        w = c.given(f"w{i}", inputs[f"w{i}"])
        g = c.given(f"dL_dw{i}", inputs[f"dL_dw{i}"], f"dL/dw{i}")
        c.expect(
            f"w{i}_new",
            f"w{i}'",
            w - lr * g,
            {"sign": w + lr * g, "no_lr": w - g, "lr_divides": w - g / lr},
        )
    return c


def _draw_gd(rng: random.Random) -> InputSet:
    inputs = {f"w{i}": _nonzero(rng, -2.0, 2.0) for i in (1, 2, 3)}
    inputs.update({f"dL_dw{i}": _nonzero(rng, -3.0, 3.0) for i in (1, 2, 3)})
    inputs["lr"] = rng.choice((0.001, 0.01, 0.05, 0.1, 0.3, 0.5))
    return inputs


# -- adam -----------------------------------------------------------------------------------

ADAM_GRADIENTS = (0.5, 0.3, 0.4, -0.2)  # the article's four steps
ADAM_SETTINGS = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _adam(inputs: InputSet) -> Check:
    c = Check()
    w, g = c.given("w", inputs["w"]), c.given("g", inputs["g"])
    m, v = c.given("m", inputs["m"], "m_prev"), c.given("v", inputs["v"], "v_prev")
    t = c.given("t", inputs["t"])
    lr, beta1, beta2, eps = (
        c.given(name, inputs[name], symbol)
        for name, symbol in (("lr", "lr"), ("beta1", "β1"), ("beta2", "β2"), ("eps", "ε"))
    )
    m_new = c.expect(
        "m",
        "m",
        beta1 * m + (1 - beta1) * g,
        {
            "swapped_betas": beta2 * m + (1 - beta2) * g,
            "blend_reversed": (1 - beta1) * m + beta1 * g,
        },
    )
    v_new = c.expect(
        "v",
        "v",
        beta2 * v + (1 - beta2) * g**2,
        {
            "v_from_g": beta2 * v + (1 - beta2) * g,
            "swapped_betas": beta1 * v + (1 - beta1) * g**2,
            "blend_reversed": (1 - beta2) * v + beta2 * g**2,
        },
    )
    m_hat = c.expect(
        "m_hat",
        "m̂",
        m_new / (1 - beta1**t),
        {
            "no_bias_correction": m_new,
            "t_from_0": m_new / (1 - beta1 ** (t + 1)),
            "t_minus_1": m_new / (1 - beta1 ** (t - 1)),
            "swapped_betas": m_new / (1 - beta2**t),
        },
    )
    v_hat = c.expect(
        "v_hat",
        "v̂",
        v_new / (1 - beta2**t),
        {
            "no_bias_correction": v_new,
            "t_from_0": v_new / (1 - beta2 ** (t + 1)),
            "t_minus_1": v_new / (1 - beta2 ** (t - 1)),
            "swapped_betas": v_new / (1 - beta1**t),
        },
    )
    update = c.expect(
        "update",
        "u",
        lr * m_hat / (sqrt(v_hat) + eps),
        {
            "eps_inside": lr * m_hat / sqrt(v_hat + eps),
            "no_sqrt": lr * m_hat / (v_hat + eps),
            "no_bias_correction": lr * m_new / (sqrt(v_new) + eps),
        },
    )
    c.expect("w", "w'", w - update, {"sign": w + update})
    return c


def _adam_walkthrough() -> tuple[InputSet, ...]:
    """The article's four steps from w = 1, m = v = 0, each starting where the last ended."""
    sets: list[InputSet] = []
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate(ADAM_GRADIENTS, start=1):
        inputs = {"w": w, "g": g, "m": m, "v": v, "t": t, **ADAM_SETTINGS}
        sets.append(inputs)
        after = _adam(inputs)
        w, m, v = after.value("w"), after.value("m"), after.value("v")
    return tuple(sets)


def _draw_adam(rng: random.Random) -> InputSet:
    return {
        "w": _uniform(rng, -2.0, 2.0),
        "g": _nonzero(rng, -1.0, 1.0),
        "m": _uniform(rng, -0.5, 0.5),
        "v": _uniform(rng, 0.0, 0.5, 3),
        "t": rng.randint(1, 20),
        "lr": rng.choice((0.001, 0.01, 0.1)),
        "beta1": rng.choice((0.5, 0.8, 0.9, 0.95)),
        "beta2": rng.choice((0.9, 0.99, 0.999)),
        # ε large enough, now and then, that putting it inside the square root shows
        "eps": rng.choice((1e-8, 1e-3, 0.1, 0.5)),
    }


# -- adamw ----------------------------------------------------------------------------------

ADAMW_DECAY = 0.1  # the AdamW lesson's λ


def _adamw(inputs: InputSet) -> Check:
    c = Check()
    w, g = c.given("w", inputs["w"]), c.given("g", inputs["g"])
    m, v = c.given("m", inputs["m"], "m_prev"), c.given("v", inputs["v"], "v_prev")
    t = c.given("t", inputs["t"])
    lr, beta1, beta2, eps, lam = (
        c.given(name, inputs[name], symbol)
        for name, symbol in (
            ("lr", "lr"),
            ("beta1", "β1"),
            ("beta2", "β2"),
            ("eps", "ε"),
            ("weight_decay", "λ"),
        )
    )
    m_new = c.expect(
        "m",
        "m",
        beta1 * m + (1 - beta1) * g,
        {"l2_in_gradient": beta1 * m + (1 - beta1) * (g + lam * w)},
    )
    v_new = c.expect(
        "v",
        "v",
        beta2 * v + (1 - beta2) * g**2,
        {"l2_in_gradient": beta2 * v + (1 - beta2) * (g + lam * w) ** 2},
    )
    m_hat = c.expect("m_hat", "m̂", m_new / (1 - beta1**t), {"no_bias_correction": m_new})
    v_hat = c.expect("v_hat", "v̂", v_new / (1 - beta2**t), {"no_bias_correction": v_new})
    update = c.expect(
        "update",
        "u",
        lr * m_hat / (sqrt(v_hat) + eps),
        {
            "decay_in_update": lr * (m_hat + lam * w) / (sqrt(v_hat) + eps),
            "no_bias_correction": lr * m_new / (sqrt(v_new) + eps),
        },
    )
    decay = c.expect(
        "decay",
        "d",
        lr * lam * w,
        {
            "decay_without_lr": lam * w,
            "decay_scaled": lr * lam * w / (sqrt(v_hat) + eps),
            "decay_after_update": lr * lam * (w - update),
        },
    )
    c.expect(
        "w",
        "w'",
        w - update - decay,
        {"decay_not_applied": w - update, "decay_sign": w - update + decay},
    )
    return c


def _adamw_walkthrough() -> tuple[InputSet, ...]:
    """The AdamW lesson's four steps: the Adam lesson's gradients from w = 1, m = v = 0,
    with λ = 0.1, each step starting where the last ended."""
    sets: list[InputSet] = []
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate(ADAM_GRADIENTS, start=1):
        inputs = {"w": w, "g": g, "m": m, "v": v, "t": t, **ADAM_SETTINGS}
        inputs["weight_decay"] = ADAMW_DECAY
        sets.append(inputs)
        after = _adamw(inputs)
        w, m, v = after.value("w"), after.value("m"), after.value("v")
    return tuple(sets)


def _draw_adamw(rng: random.Random) -> InputSet:
    inputs = _draw_adam(rng)
    inputs["w"] = _nonzero(rng, -2.0, 2.0)  # a weight of 0 has nothing to decay
    # lr and λ large enough, now and then, that a decay with a slip shows in the digits
    inputs["lr"] = rng.choice((0.001, 0.01, 0.1, 0.5))
    inputs["weight_decay"] = rng.choice((0.01, 0.1, 0.5, 2.0))
    return inputs


# -- autograd -------------------------------------------------------------------------------

# What the recorded operations do, by kind: the engine's autograd lesson's kinds.
GRAPH_OPERATIONS: dict[str, Callable[..., float]] = {
    "mul": lambda a, b: a * b,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "pow": lambda a: a**2,  # the square: the exponent 2 is a constant, not a tensor
}
AUTOGRAD_MISTAKES = (
    *("seed_zero", "overwrite", "no_incoming"),
    *("pow_no_2", "mul_own_factor", "sub_sign"),
)


def graph_set(
    nodes: list[tuple[str, str, tuple[str, ...]]],
    leaves: Mapping[str, float],
    requires_grad: tuple[str, ...],
) -> InputSet:
    """An input set of the autograd exercise: the nodes (name, kind, inputs) in the order
    the forward pass ran them, every tensor's value (the forward pass run here) and the
    leaves created with requires_grad=True."""
    values = dict(leaves)
    for name, op, operands in nodes:
        values[name] = GRAPH_OPERATIONS[op](*(values[operand] for operand in operands))
    return {
        "nodes": [{"name": n, "op": op, "inputs": list(operands)} for n, op, operands in nodes],
        "values": values,
        "requires_grad": list(requires_grad),
    }


def _local(
    op: str, operands: list[str], slot: int, given: Mapping[str, Expr]
) -> tuple[Expr, dict[str, Expr]]:
    """The local derivative of an operation with respect to its operand at `slot`, and
    what each mistake takes it to be."""
    if op == "mul":
        other, own = given[operands[1 - slot]], given[operands[slot]]
        return other, {"mul_own_factor": own}
    if op == "add":
        return num(1), {}
    if op == "sub":
        return (num(1), {}) if slot == 0 else (num(-1), {"sub_sign": num(1)})
    x = given[operands[0]]
    return 2 * x, {"pow_no_2": x}


def _sum(parts: list[Expr]) -> Expr:
    result = parts[0]
    for part in parts[1:]:
        result = result + part
    return result


def _autograd(inputs: InputSet) -> Check:
    c = Check()
    values: dict[str, float] = inputs["values"]
    given = {name: c.given(name, value) for name, value in values.items()}
    needs = set(inputs["requires_grad"])
    recorded = []
    for node in inputs["nodes"]:
        if any(operand in needs for operand in node["inputs"]):
            needs.add(node["name"])
            recorded.append(node)
    # Each tensor's share from each node that read it, in the order backward() reaches them:
    # the right one, and what each mistake makes of it.
    shares: dict[str, list[dict[str, Expr]]] = {}

    def expect(name: str, topic: str, right: Expr, mistakes: dict[str, Expr]) -> Expr:
        return c.expect(name, f"dL/d{name}", right, mistakes, topic)

    def gathered(name: str) -> tuple[Expr, dict[str, Expr]]:
        parts = shares[name]
        mistakes: dict[str, Expr] = {}
        if len(parts) > 1:
            mistakes["overwrite"] = parts[-1]["right"]  # only the last share kept
        for mistake in AUTOGRAD_MISTAKES:
            if any(mistake in part for part in parts):
                mistakes[mistake] = _sum([part.get(mistake, part["right"]) for part in parts])
        return _sum([part["right"] for part in parts]), mistakes

    for node in reversed(recorded):
        name = node["name"]
        if node is recorded[-1]:  # the loss: backward() starts with dL/dL = 1
            grad = expect(name, "loss", num(1), {"seed_zero": num(0)})
        else:
            grad = expect(name, "node", *gathered(name))
        for slot, operand in enumerate(node["inputs"]):
            if operand not in needs:
                continue  # a tensor that needs no gradient gets none
            local, wrong = _local(node["op"], node["inputs"], slot, given)
            part = {"right": grad * local, "no_incoming": local}
            part.update({mistake: grad * value for mistake, value in wrong.items()})
            shares.setdefault(operand, []).append(part)
    for leaf in inputs["requires_grad"]:
        if leaf in shares:  # a leaf no operation read gets no gradient
            expect(leaf, "leaf", *gathered(leaf))
    return c


def _autograd_article() -> tuple[InputSet, ...]:
    """The autograd lesson's two graphs with its inputs: the toy network, and the variant
    in which x feeds two branches (x requires a gradient there)."""
    from llmtutor.engine.autograd import GRAPH, SHARED_GRAPH, WEIGHTS

    toy = [(n.name, n.op, n.inputs) for n in GRAPH]
    shared = [(n.name, n.op, n.inputs) for n in SHARED_GRAPH]
    return (graph_set(toy, TOY, WEIGHTS), graph_set(shared, TOY, ("x", *WEIGHTS)))


def _draw_graph(rng: random.Random) -> InputSet:
    """The lesson's graphs with random values, or a random graph: a chain of 3 to 7
    operations, each reading the one before and any earlier tensor (so values are used
    more than once), now and then a node made of data alone (which is not recorded)."""
    leaves = {name: _nonzero(rng, -2.0, 2.0) for name in TOY}
    pick = rng.random()
    if pick < 0.3:
        article = _autograd_article()[0 if pick < 0.15 else 1]
        same = [(n["name"], n["op"], tuple(n["inputs"])) for n in article["nodes"]]
        return graph_set(same, leaves, tuple(article["requires_grad"]))
    names = list(leaves)
    requires_grad = tuple(name for name in names if rng.random() < 0.5) or (rng.choice(names),)
    data = [name for name in names if name not in requires_grad]
    nodes: list[tuple[str, str, tuple[str, ...]]] = []
    available = list(names)
    if data and rng.random() < 0.4:
        nodes.append(("k", rng.choice(("mul", "add", "sub")), (rng.choice(data), rng.choice(data))))
        available.append("k")
    count = rng.randint(3, 7)
    previous = rng.choice(requires_grad)
    for i in range(1, count + 1):
        name = "L" if i == count else f"n{i}"
        op = rng.choice(("mul", "mul", "add", "sub", "sub", "pow"))
        if op == "pow":
            operands: tuple[str, ...] = (previous,)
        else:
            others = [name for name in available if name != previous]  # never x − x
            other = "k" if i == 1 and "k" in available else rng.choice(others)
            operands = (previous, other) if rng.random() < 0.5 else (other, previous)
        nodes.append((name, op, operands))
        available.append(name)
        previous = name
    return graph_set(nodes, leaves, requires_grad)


# -- schedule -------------------------------------------------------------------------------

LLAMA_2 = {"warmup": 2000, "total": 500_000, "lr_max": 3e-4, "lr_min": 3e-5}


def _schedule_steps(inputs: InputSet) -> list[int]:
    """Where a schedule is checked: its start, both sides of the end of warmup, the middle
    of the decay and its end."""
    w, s = inputs["warmup"], inputs["total"]
    picks = {0, 1, w // 2, w - 1, w, w + 1, (w + s) // 2, s - 1, s}
    return sorted(step for step in picks if 0 <= step <= s)


def _schedule_calls(inputs: InputSet) -> list[InputSet]:
    return [{**inputs, "step": step} for step in _schedule_steps(inputs)]


def _schedule(inputs: InputSet) -> Check:
    c = Check()
    lr_max = c.given("lr_max", inputs["lr_max"])
    lr_min = c.given("lr_min", inputs["lr_min"])
    w, s = c.given("warmup", inputs["warmup"], "W"), c.given("total", inputs["total"], "S")
    half = ref("A", 0.5 * (lr_max - lr_min))
    decay = ref("T", s - w)
    schedule = Schedule(lr_max, lr_min, half, w, s, decay)
    for step in _schedule_steps(inputs):
        at = steps(num(step))
        mistakes: dict[str, Expr] = {}
        if step < w.value:
            mistakes["warmup_off_by_one"] = lr_max * (at + 1) / w
        else:
            t = steps(ref("t", at - w))
            mistakes["cosine_whole_run"] = lr_min + half * (1 + call("cos", PI * at / s))
            mistakes["no_floor"] = lr_max / 2 * (1 + call("cos", PI * t / decay))
            mistakes["no_half"] = lr_min + (lr_max - lr_min) * (1 + call("cos", PI * t / decay))
            if step == w.value:  # warmup counted one step too long reaches lr_max here
                mistakes["warmup_off_by_one"] = lr_max * (at + 1) / w
        phase = "warmup" if step < w.value else "decay"
        c.expect(f"lr_at(step={step})", f"lr({step})", schedule.rate(lift(step)), mistakes, phase)
    return c


def _draw_schedule(rng: random.Random) -> InputSet:
    warmup = rng.randint(1, 50)
    lr_max = rng.choice((1e-3, 3e-4, 0.01, 0.1, 1.0))
    return {
        "warmup": warmup,
        "total": warmup + rng.randint(2, 300),
        "lr_max": lr_max,
        "lr_min": lr_max * rng.choice((0.0, 0.1, 0.5)),
    }


# -- softmax gradient -----------------------------------------------------------------------

LOGITS = {"logits": [2.0, 1.0, 0.1], "target": 0}  # made up: three tokens, the first correct


def _softmax_gradient(inputs: InputSet) -> Check:
    c = Check()
    logits = [c.given(f"logits[{i}]", z, f"z{_sub(i)}") for i, z in enumerate(inputs["logits"])]
    target = int(inputs["target"])
    c.given("target", target)
    total_exp = c.define("sum_exp", "Σe^z", total(exp(z) for z in logits))
    probs = [
        c.expect(f"probs[{i}]", f"p{_sub(i)}", exp(z) / total_exp, {"no_normalization": exp(z)})
        for i, z in enumerate(logits)
    ]
    right = probs[target]
    c.expect(
        "loss",
        "L",
        -ln(right),
        {"sign": ln(right), "log10": -call("log10", right), "log_of_logit": -logits[target]},
    )
    for i, p in enumerate(probs):
        one = ref(f"[{i} = target]", 1.0 if i == target else 0.0)  # 1 for the correct token
        c.expect(
            f"grad[{i}]",
            f"dL/dz{_sub(i)}",
            p - one,
            {"sign": one - p, "onehot_missing": p, "onehot_only": -one},
        )
    return c


def _draw_softmax(rng: random.Random) -> InputSet:
    size = rng.randint(2, 6)
    return {
        "logits": [_uniform(rng, -4.0, 4.0) for _ in range(size)],
        "target": rng.randrange(size),
    }


# -- training step --------------------------------------------------------------------------

TRAIN_CALLS = 4  # train_step is called on this many batches in a row
TRAIN_ARTICLE = {"batch": 4, "seed": 0, "lr": 0.1, "beta1": 0.9, "beta2": 0.999}


def training_batches(inputs: InputSet) -> list[tuple[list[int], list[int]]]:
    """The batches (input ids, target ids) train_step is called on, as the training-step
    lesson samples them."""
    import numpy as np

    from llmtutor.engine import bigram

    rng = np.random.default_rng(int(inputs["seed"]))
    batches = []
    for _ in range(TRAIN_CALLS):
        positions = bigram.sample(rng, int(inputs["batch"]))
        xs, ys = bigram.TOKENS[positions], bigram.TOKENS[positions + 1]
        batches.append(([int(x) for x in xs], [int(y) for y in ys]))
    return batches


def training_run(inputs: InputSet) -> dict[str, Any]:
    """One run of train_step for the sandbox: a fresh bigram table, Adam, the batches."""
    from llmtutor.engine.training_step import EPS, VOCAB

    return {
        "vocab": len(VOCAB),
        "lr": inputs["lr"],
        "betas": [inputs["beta1"], inputs["beta2"]],
        "eps": EPS,
        "batches": [list(batch) for batch in training_batches(inputs)],
    }


def training_losses(inputs: InputSet, mistake: str = "") -> list[float]:
    """Each call's loss, measured by the numpy bigram loop with Adam: as it should run, or
    with `mistake` ("no_zero_grad": gradients add up; "no_update": the weights never move,
    as when the step comes before the backward pass)."""
    return training_run_numbers(inputs, mistake)[0]


def table_size(rows: list[list[float]]) -> float:
    """‖W‖: the square root of the sum of the squares of a table's entries."""
    return math.sqrt(math.fsum(value * value for row in rows for value in row))


def training_run_numbers(inputs: InputSet, mistake: str = "") -> tuple[list[float], float]:
    """`training_losses`, and ‖W‖ of the table after the last call's update."""
    import numpy as np

    from llmtutor.engine import bigram

    size = len(bigram.IDS)
    weights = np.zeros((size, size))
    optimizer = bigram.Adam(weights.shape, inputs["lr"], inputs["beta1"], inputs["beta2"])
    summed = np.zeros_like(weights)
    losses = []
    for xs, ys in training_batches(inputs):
        x, y = np.array(xs), np.array(ys)
        losses.append(bigram.batch_loss(weights, x, y))
        grad = bigram.gradient(weights, x, y)
        if mistake == "no_zero_grad":
            summed = summed + grad
            grad = summed
        if mistake != "no_update":
            weights = optimizer.step(weights, grad)
    return losses, table_size(weights.tolist())


def _training_step(inputs: InputSet) -> Check:
    c = Check()
    for name in TRAIN_ARTICLE:
        c.given(name, inputs[name])
    right, size = training_run_numbers(inputs)
    wrong = {mistake: training_run_numbers(inputs, mistake) for mistake in TRAIN_MISTAKES}
    for k, loss in enumerate(right, start=1):
        measured = ref(f"L{_sub(k)}", loss)
        # The first call's loss is the same whatever the mistake: the weights start at 0.
        mistakes = {} if k == 1 else {m: num(run[0][k - 1]) for m, run in wrong.items()}
        c.expect(f"loss (call {k})", f"L{_sub(k)}", measured, mistakes, "loss")
    # The last call's update shows in no loss: the table it leaves is checked by its size.
    last = f"weights after call {len(right)}"
    c.expect(last, "‖W‖", ref("‖W‖", size), {m: num(run[1]) for m, run in wrong.items()}, "weights")
    return c


TRAIN_MISTAKES = ("no_zero_grad", "no_update")


def _training_calls(inputs: InputSet) -> list[InputSet]:
    return [{"inputs": xs, "targets": ys} for xs, ys in training_batches(inputs)]


def _draw_training(rng: random.Random) -> InputSet:
    return {
        "batch": rng.randint(1, 16),
        "seed": rng.randrange(10_000),
        "lr": rng.choice((0.01, 0.1, 0.5)),
        "beta1": 0.9,
        "beta2": 0.999,
    }


# -- the exercises --------------------------------------------------------------------------

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(index: int) -> str:
    return str(index).translate(_SUBSCRIPTS)


EXERCISES: dict[str, ExerciseMath] = {
    e.name: e
    for e in (
        ExerciseMath(
            "loss",
            "loss_and_perplexity",
            ("p_correct",),
            "dict",
            (
                *("log10", "log2", "sign", "no_log", "sum_not_mean", "mean_of_p"),
                *("perplexity_base_2", "perplexity_base_10", "perplexity_sign"),
                "perplexity_of_sum",
            ),
            ({"p_correct": list(SENTENCE)},),
            _draw_loss,
            _loss,
            notes={"p_correct": "the loss lesson's sentence; 0.233 is the article's"},
            topics=("losses", "mean_loss", "perplexity"),
        ),
        ExerciseMath(
            "backprop",
            "forward_backward",
            tuple(TOY),
            "dict",
            (
                *("wrong_weight", "no_square", "sign", "no_factor_2", "both"),
                *("wrong_local", "chain_dropped", "local_dropped"),
            ),
            (dict(TOY),),
            _draw_toy,
            _backprop,
            topics=("h", "a", "y", "L", "dL_dy", "dL_dw3", "dL_da", "dL_dw2", "dL_dh", "dL_dw1"),
        ),
        ExerciseMath(
            "autograd",
            "backward",
            ("nodes", "values", "requires_grad"),
            "dict",
            AUTOGRAD_MISTAKES,
            _autograd_article(),
            _draw_graph,
            _autograd,
            notes={"nodes": "the autograd lesson's graph, then its variant with x used twice"},
            topics=("loss", "node", "leaf"),
        ),
        ExerciseMath(
            "gradient-descent",
            "gd_step",
            tuple(GD_ARTICLE),
            "dict",
            ("sign", "no_lr", "lr_divides"),
            (dict(GD_ARTICLE),),
            _draw_gd,
            _gd_step,
            topics=("w1_new", "w2_new", "w3_new"),
        ),
        ExerciseMath(
            "adam",
            "adam_step",
            ("w", "g", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
            "dict",
            (
                *("swapped_betas", "blend_reversed", "v_from_g", "no_bias_correction"),
                *("t_from_0", "t_minus_1", "eps_inside", "no_sqrt", "sign"),
            ),
            _adam_walkthrough(),
            _draw_adam,
            _adam,
            notes={"w": "the article's four steps, from w = 1"},
            topics=("m", "v", "m_hat", "v_hat", "update", "w"),
        ),
        ExerciseMath(
            "adamw",
            "adamw_step",
            ("w", "g", "m", "v", "t", "lr", "beta1", "beta2", "eps", "weight_decay"),
            "dict",
            (
                *("l2_in_gradient", "no_bias_correction", "decay_in_update"),
                *("decay_without_lr", "decay_scaled", "decay_after_update"),
                *("decay_not_applied", "decay_sign"),
            ),
            _adamw_walkthrough(),
            _draw_adamw,
            _adamw,
            notes={"w": "the AdamW lesson's four steps, from w = 1 with λ = 0.1"},
            topics=("m", "v", "m_hat", "v_hat", "update", "decay", "w"),
        ),
        ExerciseMath(
            "schedule",
            "lr_at",
            ("step", "warmup", "total", "lr_max", "lr_min"),
            "number",
            ("warmup_off_by_one", "cosine_whole_run", "no_floor", "no_half"),
            (dict(LLAMA_2),),
            _draw_schedule,
            _schedule,
            calls=_schedule_calls,
            topics=("warmup", "decay"),
        ),
        ExerciseMath(
            "softmax-gradient",
            "logits_gradient",
            ("logits", "target"),
            "dict",
            (
                *("no_normalization", "sign", "log10", "log_of_logit", "onehot_missing"),
                "onehot_only",
            ),
            (dict(LOGITS),),
            _draw_softmax,
            _softmax_gradient,
            topics=("probs", "loss", "grad"),
        ),
        ExerciseMath(
            "training-step",
            "train_step",
            ("model", "inputs", "targets", "optimizer"),
            "number",
            TRAIN_MISTAKES,
            (dict(TRAIN_ARTICLE),),
            _draw_training,
            _training_step,
            calls=_training_calls,
            extra_values=1,
            driver="train_step",
            topics=("loss", "weights"),
        ),
    )
}
