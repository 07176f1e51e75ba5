"""One training step on the bigram character model, against PyTorch and the source's numbers."""

import itertools
import math
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.training_step import compute

# The source's working-example text, written out again here rather than imported.
TEXT = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. "
CHARS = sorted(set(TEXT))
ID = {c: i for i, c in enumerate(CHARS)}
V = len(CHARS)


def batch_of(trace):
    """(positions, input ids, target ids) as the trace sampled them, checked against the text."""
    batch = int(trace.value("batch"))
    positions = [int(trace.value(f"pos_{k}")) for k in range(1, batch + 1)]
    assert f"pos_{batch + 1}" not in trace
    xs = [ID[TEXT[i]] for i in positions]
    ys = [ID[TEXT[i + 1]] for i in positions]
    for k, (i, x, y) in enumerate(zip(positions, xs, ys, strict=True), start=1):
        assert 0 <= i < len(TEXT) - 1
        assert trace.value(f"x_{k}") == x
        assert trace.value(f"y_{k}") == y
        assert trace[f"x_{k}"].note.endswith(f"= '{TEXT[i]}'")
        assert trace[f"y_{k}"].note.endswith(f"= '{TEXT[i + 1]}'")
        assert trace[f"pos_{k}"].note.endswith(f"'{TEXT[i]}' → '{TEXT[i + 1]}'")
    return positions, torch.tensor(xs), torch.tensor(ys)


def wrong_char(trace):
    """The wrong character the trace shows a gradient for, read from its note p('c' after 'x')."""
    note = trace["q_wrong"].note
    assert note.startswith("p('") and note[4] == "'"
    return ID[note[3]]


def test_vocabulary_and_starting_loss():
    t = compute()
    assert V == 28
    assert t.value("vocab") == V
    assert t.value("text_len") == len(TEXT)
    assert t.value("params") == V * V
    # All-zero logits: every prediction is uniform, so the loss is ln V (the source: ≈ 3.33).
    assert t.value("uniform") == pytest.approx(math.log(28), rel=1e-12)
    assert t.value("loss") == pytest.approx(math.log(28), rel=1e-12)
    assert t.value("perplexity") == pytest.approx(28, rel=1e-12)
    for k in range(1, 5):
        assert t.value(f"p_{k}") == pytest.approx(1 / 28, rel=1e-12)
        assert t.value(f"L_{k}") == pytest.approx(math.log(28), rel=1e-12)
    assert abs(t.value("loss") - 3.34) < 0.01  # the source's transformer: step 0 loss 3.3401


def wrong_of(xs, ys, row):
    """The first character no example of the batch has as its target in `row`."""
    targets = {int(y) for x, y in zip(xs, ys, strict=True) if int(x) == row}
    return next(j for j in range(V) if j not in targets)


def check_against_torch(batch, seed, lr, beta1=0.9, beta2=0.999, steps=20):
    t = compute(batch=batch, seed=seed, lr=lr, steps=steps, beta1=beta1, beta2=beta2)
    positions, xs, ys = batch_of(t)
    assert t.value("batch") == len(positions) == batch

    weights = torch.zeros(V, V, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=lr, betas=(beta1, beta2), eps=1e-8)

    # Forward and loss.
    loss = F.cross_entropy(weights[xs], ys)
    assert t.value("loss") == pytest.approx(loss.item(), abs=1e-9)
    probs = torch.softmax(weights[xs], dim=-1)
    for k in range(batch):
        assert t.value(f"p_{k + 1}") == pytest.approx(probs[k, ys[k]].item(), abs=1e-12)

    # Backward.
    loss.backward()
    grad = weights.grad.clone()
    x1, y1, wrong = int(xs[0]), int(ys[0]), wrong_char(t)
    assert wrong != y1
    assert t.value("grad_correct") == pytest.approx(grad[x1, y1].item(), abs=1e-12)
    assert t.value("grad_wrong") == pytest.approx(grad[x1, wrong].item(), abs=1e-12)
    assert t.value("q_wrong") == pytest.approx(probs[0, wrong].item(), abs=1e-12)
    assert t.value("touched") == int(torch.count_nonzero(grad))
    assert t.value("touched") == t.value("rows") * V == len(set(xs.tolist())) * V
    assert t.value("shared") == int((xs == x1).sum())
    if t.value("shared") == 1:
        assert t.value("grad_correct") == pytest.approx((1 / V - 1) / batch, abs=1e-12)
        assert t.value("grad_wrong") == pytest.approx(1 / V / batch, abs=1e-12)

    # One Adam step.
    before = weights.detach().clone()
    optimizer.step()
    after = weights.detach().clone()
    state = optimizer.state[weights]
    assert t.value("m_1") == pytest.approx(state["exp_avg"][x1, y1].item(), abs=1e-12)
    assert t.value("v_1") == pytest.approx(state["exp_avg_sq"][x1, y1].item(), abs=1e-12)
    assert t.value("update_1") == pytest.approx((before - after)[x1, y1].item(), abs=1e-6)
    assert t.value("correct_after") == pytest.approx(after[x1, y1].item(), abs=1e-6)
    assert t.value("wrong_update") == pytest.approx((before - after)[x1, wrong].item(), abs=1e-6)
    assert t.value("wrong_after") == pytest.approx(after[x1, wrong].item(), abs=1e-6)
    with torch.no_grad():
        loss_after = F.cross_entropy(weights[xs], ys).item()
        each_after = F.cross_entropy(weights[xs], ys, reduction="none")
        p1_after = torch.softmax(weights[x1], dim=-1)[y1].item()
        row_sums = torch.exp(weights).sum(dim=1)
    assert t.value("loss_after") == pytest.approx(loss_after, abs=1e-6)
    assert t.value("p1_after") == pytest.approx(p1_after, abs=1e-6)
    assert t.value("loss_drop") == pytest.approx(loss.item() - loss_after, abs=1e-6)
    # The same batch after the step, example by example and row by row.
    firsts = {}
    for k in range(batch):
        firsts.setdefault(int(xs[k]), k + 1)
        assert t.value(f"L_after_{k + 1}") == pytest.approx(each_after[k].item(), abs=1e-6)
    assert f"L_after_{batch + 1}" not in t
    assert {
        int(name.removeprefix("sum_after_")) for name in t if name.startswith("sum_after_")
    } == set(firsts.values())
    for x, k in firsts.items():
        assert t.value(f"sum_after_{k}") == pytest.approx(row_sums[x].item(), rel=1e-6)
    # Every new logit the trace shows for another row, or another target of row x₁.
    shown = 0
    for name in t:
        if name.startswith("rowlogit_"):
            x, _, y = name.removeprefix("rowlogit_").partition("t")
            column = int(y) if y else wrong_of(xs, ys, int(x.removesuffix("o")))
            row = int(x.removesuffix("o"))
            assert t.value(name) == pytest.approx(after[row, column].item(), abs=1e-6)
            assert t.value("rowgrad_" + name.removeprefix("rowlogit_")) == pytest.approx(
                grad[row, column].item(), abs=1e-12
            )
            shown += 1
    others = {(int(x), int(y)) for x, y in zip(xs, ys, strict=True) if int(x) != x1}
    assert shown >= len(others)

    # Repeat: fresh batches from the same generator, the loss measured before each update.
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(TEXT) - 1, size=batch)
    assert first.tolist() == positions
    data = torch.tensor([ID[c] for c in TEXT])
    curve, text_curve = [loss.item()], [math.log(V)]
    for _ in range(steps):
        starts = torch.from_numpy(rng.integers(0, len(TEXT) - 1, size=batch))
        optimizer.zero_grad()
        step_loss = F.cross_entropy(weights[data[starts]], data[starts + 1])
        curve.append(step_loss.item())
        with torch.no_grad():
            text_curve.append(F.cross_entropy(weights[data[:-1]], data[1:]).item())
        step_loss.backward()
        optimizer.step()
    series = t.series["loss_curve"]
    assert series.x == tuple(float(s) for s in range(steps + 1))
    assert series.y == pytest.approx(curve, abs=1e-6)
    assert t.series["text_loss_curve"].y == pytest.approx(text_curve, abs=1e-6)
    assert t.value("final_loss") == pytest.approx(curve[-1], abs=1e-6)
    assert t.value("final_perplexity") == pytest.approx(math.exp(curve[-1]), rel=1e-6)
    assert t.value("text_loss") == pytest.approx(text_curve[-1], abs=1e-6)
    return t


def test_defaults_match_torch():
    t = check_against_torch(batch=4, seed=0, lr=0.1, steps=50)
    # Adam's first step moves every touched logit by lr, whatever the gradient's size.
    assert t.value("mhat_1") == pytest.approx(t.value("grad_correct"), rel=1e-12)
    assert t.value("vhat_1") == pytest.approx(t.value("grad_correct") ** 2, rel=1e-12)
    assert t.value("adam_ratio") == pytest.approx(-1, rel=1e-12)
    assert t.value("update_1") == pytest.approx(-0.1, rel=1e-6)
    assert t.value("wrong_update") == pytest.approx(0.1, rel=1e-5)  # ε shaves off 1e-6
    assert abs(t.value("grad_correct")) > 20 * abs(t.value("grad_wrong"))
    assert t.value("loss_after") < t.value("loss")
    assert t.value("p1_after") > t.value("p_1")


@pytest.mark.parametrize(
    ("batch", "seed", "lr", "beta1", "beta2"),
    [
        (1, 0, 0.1, 0.9, 0.999),
        (16, 0, 0.1, 0.9, 0.999),
        (16, 3, 0.5, 0.8, 0.99),
        (7, 11, 0.01, 0.0, 0.9),
        (2, 42, 1.0, 0.95, 0.5),
        (16, 123, 0.03, 0.9, 0.999),
    ],
)
def test_other_inputs_match_torch(batch, seed, lr, beta1, beta2):
    check_against_torch(batch, seed, lr, beta1, beta2)


def test_shared_rows_add_their_gradients():
    # A batch where example 1's input character recurs: its row collects several gradients.
    seed = next(s for s in range(200) if compute(batch=16, seed=s, steps=1).value("shared") > 1)
    t = check_against_torch(batch=16, seed=seed, lr=0.1, steps=1)
    assert t.value("shared") > 1
    # Each of the n₁ examples adds p₁ (every p of the row is 1/V); c₁ of them also add −1.
    assert t["grad_correct"].formula == "(n₁ × p₁ − c₁) ÷ B"
    _, xs, ys = batch_of(t)
    x1, y1 = int(xs[0]), int(ys[0])
    same = sum(1 for x, y in zip(xs.tolist(), ys.tolist(), strict=True) if (x, y) == (x1, y1))
    assert t.value("same_target") == same
    assert t.value("grad_correct") == pytest.approx((t.value("shared") / V - same) / 16, abs=1e-15)


def test_other_targets_of_the_first_row_get_their_own_logits():
    # A batch where x₁ is followed by other characters too: each gets its own new logit.
    def several(seed):
        t = compute(batch=16, seed=seed, steps=1)
        _, xs, ys = batch_of(t)
        return len({int(y) for x, y in zip(xs, ys, strict=True) if x == xs[0]}) > 1

    seed = next(s for s in range(200) if several(s))
    t = check_against_torch(batch=16, seed=seed, lr=0.1, steps=1)
    _, xs, ys = batch_of(t)
    x1 = int(xs[0])
    others = {int(y) for x, y in zip(xs, ys, strict=True) if int(x) == x1} - {int(ys[0])}
    assert others
    for y in others:
        assert f"rowlogit_{x1}t{y}" in t
        assert t.value(f"rowlogit_{x1}t{y}") == pytest.approx(0.1, rel=1e-4)  # raised by lr


def test_deterministic_under_seed():
    a, b = compute(seed=7, steps=30), compute(seed=7, steps=30)
    assert [(q.name, q.value, q.note, q.substituted) for q in a.values()] == [
        (q.name, q.value, q.note, q.substituted) for q in b.values()
    ]
    assert a.series["loss_curve"] == b.series["loss_curve"]
    others = [compute(seed=s, steps=1) for s in range(4)]
    positions = {tuple(o.value(f"pos_{k}") for k in range(1, 5)) for o in others}
    assert len(positions) > 1  # the seed decides the batch


def test_loss_falls_over_the_steps():
    t = compute()
    curve = t.series["loss_curve"].y
    assert len(curve) == 51
    # Step 0 is measured on the all-zero table: a uniform guess over V characters, −ln(1/V).
    # (Every step of the curve is compared with torch in check_against_torch.)
    assert curve[0] == pytest.approx(math.log(V), rel=1e-12)
    assert curve[-1] < math.log(V) - 1
    assert sum(curve[-10:]) / 10 < sum(curve[:10]) / 10 - 0.5
    text_curve = t.series["text_loss_curve"].y
    assert all(b < a for a, b in itertools.pairwise(text_curve))
    # No bigram table beats the text's conditional entropy; longer training approaches it.
    pairs = Counter(itertools.pairwise(TEXT))
    firsts = Counter(TEXT[:-1])
    floor = -sum(n * math.log(n / firsts[a]) for (a, _), n in pairs.items()) / (len(TEXT) - 1)
    assert t.value("floor_loss") == pytest.approx(floor, rel=1e-12)
    long = compute(steps=2000, batch=16, lr=0.03)
    assert floor < long.value("text_loss") < floor + 0.2
    assert min(long.series["text_loss_curve"].y) > floor


def test_llama_scale():
    t = compute()
    assert t.value("llama_tokens") == 2e12
    assert t.value("llama_batch_tokens") == 1024 * 4096
    assert t.value("llama_steps") == pytest.approx(2e12 / (1024 * 4096), rel=1e-12)
    assert round(t.value("llama_steps")) == 476_837  # "roughly 500,000 steps"


def test_bad_inputs_are_rejected():
    step = COMPUTATIONS["training_step"]
    spec = {s.name: s for s in step.inputs}
    assert spec["batch"].default == 4 and spec["seed"].default == 0
    assert spec["lr"].default == 0.1 and spec["steps"].default == 50
    for name, value in [
        ("batch", 0),
        ("batch", 17),
        ("batch", 2.5),
        ("lr", 0),
        ("lr", -0.1),
        ("steps", 0),
        ("steps", 2001),
        ("seed", -1),
        ("beta1", 1.0),
        ("beta2", -0.5),
    ]:
        assert spec[name].check(value) is not None, (name, value)
        assert step.validate({name: value}) is not None, (name, value)
        with pytest.raises(ValueError):
            spec[name].parse(str(value))
    assert spec["batch"].parse("16") == 16
    assert spec["lr"].parse("3e-4") == 3e-4


def test_names_are_tidy_and_values_finite():
    step = COMPUTATIONS["training_step"]
    runs = [
        {},
        {"batch": 1, "steps": 1},
        {"batch": 16, "steps": 2000, "lr": 10},
        {"lr": 5e-324, "beta1": 0.0, "beta2": 0.0},
        {"beta1": math.nextafter(1, 0), "beta2": math.nextafter(1, 0), "seed": 10**12},
    ]
    for values in runs:
        assert step.validate(values) is None
        t = step.run(values)
        for spec in step.inputs:
            assert spec.name in t
        batch = int(t.value("batch"))
        for q in t.values():
            assert len(q.symbol) <= 12, q.symbol
            # A mean over the batch, or a row's sum over its targets, grows with B.
            grows = q.name in ("loss", "loss_after") or q.name.startswith("sum_after_")
            assert len(q.formula) <= (16 * batch + 30 if grows else 42), q.formula
            assert math.isfinite(q.value), (values, q.name)
        for series in t.series.values():
            assert all(math.isfinite(v) for v in series.y)
