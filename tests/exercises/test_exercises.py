"""The built-in exercises, end to end: their worked solutions pass the real checker, their
starters fail it cleanly, a corpus of learners' wrong solutions (`wrong/`) each gets the
verdict its header states, every known mistake has a corpus file, and the engine's expected
values agree with sources it does not control (formulas written out here, torch autograd,
torch.optim.Adam, LambdaLR, F.cross_entropy and a plain torch training loop).

A corpus file starts with a header of `# key: value` comments, read by `read_header`:

    # exercise: adam                  the exercise's id
    # status: wrong                   what check_file must report: wrong, failed (or passed)
    # first wrong: m_hat              (wrong) the name of the first wrong value
    # on: article                     where the first wrong value (or the failing call) is:
                                      the article's inputs, or a random set
    # mistake: no_bias_correction     a mistake id among those named, or "none" (always,
                                      for a failure)
    # error: ZeroDivisionError        (failed) the exception the summary names

Other comment lines say, in words, what the learner did. Each file's first line is
`# ruff: noqa`: the corpus is a learner's code, unused imports and all.

Every file runs in the sandbox, as `llmtutor exercise NAME --check FILE` runs it: on the
article's inputs and the checker's default 50 random sets (10 for train_step's torch runs,
see CORPUS_RANDOM_SETS).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmtutor.checker import RANDOM_SETS, check_file
from llmtutor.curriculum.exercises import Exercise, load_exercises
from llmtutor.engine.bigram import IDS
from llmtutor.engine.exercises import EXERCISES, training_batches, training_losses

WRONG = Path(__file__).parent / "wrong"
CORPUS = sorted(WRONG.glob("*.py"))
# Random sets for a corpus file: the checker's default, what a learner gets. A set costs
# next to nothing where the function is called with numbers (starting the sandbox is most
# of a check), and fewer would change verdicts: v_from_g's crash needs a random set with a
# negative v, and the first 10 have none. Where each set is a torch training run
# (train_step), 10 sets save about a second a file; its verdicts are all on the article's.
CORPUS_RANDOM_SETS = {"calls": RANDOM_SETS, "train_step": 10}
INDEPENDENT_SETS = 20  # random input sets for the checks against torch and formulas
TOLERANCE = 1e-9  # relative: float64 arithmetic in another order

FIELDS = ("exercise", "status", "first wrong", "on", "mistake", "error")
STATUSES = ("passed", "wrong", "failed")


@functools.cache
def builtin() -> dict[str, Exercise]:
    exercises = load_exercises()
    assert exercises.problems == [], exercises.problems
    return {exercise.id: exercise for exercise in exercises.items}


def exercise(exercise_id: str) -> Exercise:
    return builtin()[exercise_id]


def near(yours: float, expected: float, tolerance: float = TOLERANCE) -> bool:
    return math.isclose(yours, expected, rel_tol=tolerance, abs_tol=1e-15)


# -- the corpus's headers -------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What check_file must report for one corpus file."""

    exercise: str
    status: str
    first_wrong: str | None = None
    on: str | None = None  # "article" or "random"
    mistake: str | None = None  # a mistake id; None when no mistake may be named
    error: str | None = None


def read_header(path: Path) -> Expected:
    """The `# key: value` lines at the top of a corpus file, checked for sense."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, colon, value = line[1:].strip().partition(":")
        if colon and key in FIELDS:
            assert key not in fields, f"{path.name}: '{key}' given twice"
            fields[key] = value.strip()
    name = path.name
    assert fields.get("exercise") in EXERCISES, f"{name}: no known '# exercise:'"
    assert fields.get("status") in STATUSES, f"{name}: '# status:' is one of {STATUSES}"
    mistake = fields.get("mistake")
    assert mistake is not None, f"{name}: '# mistake:' names a mistake id or says none"
    known = EXERCISES[fields["exercise"]].mistakes
    assert mistake == "none" or mistake in known, f"{name}: {mistake!r} is not one of {known}"
    if fields["status"] == "wrong":
        assert fields.get("first wrong"), f"{name}: a wrong file says '# first wrong:'"
    if fields["status"] != "passed":
        assert fields.get("on") in ("article", "random"), f"{name}: '# on: article|random'"
    if fields["status"] == "failed":
        assert fields.get("error"), f"{name}: a failed file says '# error:'"
        assert mistake == "none", f"{name}: a failure names no mistake"
    return Expected(
        fields["exercise"],
        fields["status"],
        fields.get("first wrong"),
        fields.get("on"),
        None if mistake == "none" else mistake,
        fields.get("error"),
    )


# -- the checker on the built-in files ------------------------------------------------------


def test_every_engine_exercise_is_built_in() -> None:
    assert sorted(builtin()) == sorted(EXERCISES)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_worked_solution_passes(exercise_id: str, tmp_path: Path) -> None:
    """The worked solution the learner is shown (its text, as loaded) passes on the article's
    inputs and the checker's default 50 random sets."""
    item = exercise(exercise_id)
    path = tmp_path / "solution.py"
    path.write_text(item.solution, encoding="utf-8")
    verdict = check_file(item, path)
    assert verdict.status == "passed", (verdict.summary, verdict.details, verdict.wrong)
    assert verdict.wrong is None
    assert all(row.right for row in verdict.rows)
    assert verdict.sets == len(item.math.article) + RANDOM_SETS == len(item.math.article) + 50


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_starter_fails_cleanly_at_the_first_value(exercise_id: str) -> None:
    """The starter runs (no crash) and is wrong at the first value the maths computes,
    where it returned None."""
    item = exercise(exercise_id)
    verdict = check_file(item, item.path.parent / item.starter_name, random_sets=1)
    assert verdict.status == "wrong", (verdict.summary, verdict.details)
    assert verdict.wrong is not None
    first = item.math.compute(item.math.article[0]).checked[0]
    row = verdict.wrong.row
    assert row.name == first
    assert verdict.set_number == 1 and verdict.from_article
    assert row.yours is None
    # A list the starter left as None ("losses": None) is named by the list's key.
    key = first.partition("[")[0]
    assert row.shown in ("None", f"{key} is None, not a list")
    assert verdict.wrong.mistakes == ()


# -- the corpus of wrong solutions ----------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS, ids=[path.stem for path in CORPUS])
def test_corpus_file_gets_its_verdict(path: Path) -> None:
    expected = read_header(path)
    item = exercise(expected.exercise)
    verdict = check_file(item, path, random_sets=CORPUS_RANDOM_SETS[item.math.driver])
    assert verdict.status == expected.status, (verdict.summary, verdict.details, verdict.wrong)
    if expected.status == "failed":
        assert verdict.wrong is None
        assert expected.error is not None and expected.error in verdict.summary, verdict.summary
        assert expected.error in verdict.details  # the learner's traceback
        assert verdict.set_number > 0, "the input set it failed on is given"
        assert verdict.from_article == (expected.on == "article"), verdict.where
        return
    if expected.status == "passed":
        assert verdict.wrong is None
        return
    wrong = verdict.wrong
    assert wrong is not None
    assert wrong.row.name == expected.first_wrong, (verdict.summary, wrong.row)
    assert verdict.from_article == (expected.on == "article"), verdict.where
    named = [mistake.id for mistake in wrong.mistakes]
    if expected.mistake is None:
        assert named == [], f"no mistake should be named, got {named}"
    else:
        assert expected.mistake in named, f"{expected.mistake} not among {named}"
        for mistake in wrong.mistakes:  # every named mistake is explained to the learner
            assert mistake.message.strip(), mistake
            assert mistake.message == item.mistakes[mistake.id]
    # Every value before the first wrong one is right: that is what makes the name useful.
    names = [row.name for row in verdict.rows]
    assert all(row.right for row in verdict.rows[: names.index(wrong.row.name)])


def test_a_value_wrong_before_a_crash_is_reported_first_and_the_crash_noted() -> None:
    path = WRONG / "adam_v_from_g_crash.py"
    verdict = check_file(exercise("adam"), path)
    assert verdict.status == "wrong" and verdict.from_article
    assert verdict.notes[-1].startswith("after that your code raised ValueError (line ")


def test_a_crash_a_known_mistake_explains_names_that_mistake() -> None:
    # t − 1 as the power divides by zero at t = 1, the article's first step: the code raises
    # there, and the note names the mistake whose value on those inputs is a division by 0.
    verdict = check_file(exercise("adam"), WRONG / "adam_t_minus_1.py")
    assert verdict.status == "failed" and verdict.set_number == 1
    (note,) = verdict.notes
    assert note.startswith("If your code computes m̂ = m ÷ (1 − β1^(t − 1)), that is why")
    assert "is infinite: a division by 0" in note


def test_corpus_covers_every_known_mistake() -> None:
    """Each mistake id of each exercise is named by the checker on at least one corpus file,
    and each exercise has a slip the engine does not know: a new mistake in the engine
    without a corpus file fails here."""
    headers = [read_header(path) for path in CORPUS]
    named = {(h.exercise, h.mistake) for h in headers if h.status == "wrong"}
    missing = [
        f"{math_.name}: {mistake}"
        for math_ in EXERCISES.values()
        for mistake in math_.mistakes
        if (math_.name, mistake) not in named
    ]
    assert missing == [], f"no corpus file in {WRONG} for: {', '.join(missing)}"
    unknown = {h.exercise for h in headers if h.status == "wrong" and h.mistake is None}
    assert sorted(set(EXERCISES) - unknown) == []


# -- the engine's values against independent sources ----------------------------------------


def sets(exercise_id: str) -> list[dict]:
    """The article's input sets and INDEPENDENT_SETS random ones."""
    return EXERCISES[exercise_id].input_sets(INDEPENDENT_SETS)


def test_loss_against_math_log_and_exp() -> None:
    for inputs in sets("loss"):
        check = EXERCISES["loss"].compute(inputs)
        probabilities = inputs["p_correct"]
        losses = [-math.log(p) for p in probabilities]
        mean = sum(losses) / len(losses)
        for i, loss in enumerate(losses):
            assert near(check.value(f"losses[{i}]"), loss), (inputs, i)
        assert near(check.value("mean_loss"), mean), inputs
        assert near(check.value("perplexity"), math.exp(mean)), inputs
    # The article: "loss = -log(0.233) = 1.457"; its perplexity example e^2.5 = 12.18.
    article = EXERCISES["loss"].compute({"p_correct": [0.233]})
    assert round(article.value("losses[0]"), 3) == 1.457
    assert (
        round(EXERCISES["loss"].compute({"p_correct": [math.exp(-2.5)]}).value("perplexity"), 2)
        == 12.18
    )


def test_backprop_against_torch_autograd() -> None:
    import torch

    for inputs in sets("backprop"):
        check = EXERCISES["backprop"].compute(inputs)
        leaf = {
            name: torch.tensor(inputs[name], dtype=torch.float64, requires_grad=True)
            for name in ("w1", "w2", "w3")
        }
        x = torch.tensor(inputs["x"], dtype=torch.float64)
        target = torch.tensor(inputs["target"], dtype=torch.float64)
        h = x * leaf["w1"]
        a = h * leaf["w2"]
        y = a * leaf["w3"]
        for node in (h, a, y):
            node.retain_grad()
        loss = torch.nn.functional.mse_loss(y, target)
        loss.backward()
        torch_values = {
            "h": h.item(),
            "a": a.item(),
            "y": y.item(),
            "L": loss.item(),
            "dL_dy": y.grad.item(),
            "dL_dw3": leaf["w3"].grad.item(),
            "dL_da": a.grad.item(),
            "dL_dw2": leaf["w2"].grad.item(),
            "dL_dh": h.grad.item(),
            "dL_dw1": leaf["w1"].grad.item(),
        }
        assert set(torch_values) == set(check.checked)
        for name, value in torch_values.items():
            assert near(check.value(name), value), (inputs, name, check.value(name), value)
    # The article's network: dL/dw1 = 1.9584, dL/dw2 = -3.264, dL/dw3 = 0.816.
    article = EXERCISES["backprop"].compute(EXERCISES["backprop"].article[0])
    assert [round(article.value(f"dL_dw{i}"), 4) for i in (1, 2, 3)] == [1.9584, -3.264, 0.816]


def test_gradient_descent_against_torch_sgd() -> None:
    import torch

    for inputs in sets("gradient-descent"):
        check = EXERCISES["gradient-descent"].compute(inputs)
        weights = [
            torch.tensor(inputs[f"w{i}"], dtype=torch.float64, requires_grad=True)
            for i in (1, 2, 3)
        ]
        for i, weight in enumerate(weights, start=1):
            weight.grad = torch.tensor(inputs[f"dL_dw{i}"], dtype=torch.float64)
        torch.optim.SGD(weights, lr=inputs["lr"]).step()
        for i, weight in enumerate(weights, start=1):
            assert near(check.value(f"w{i}_new"), weight.item()), (inputs, i)


def _torch_adam_step(inputs: dict) -> dict[str, float]:
    """One step of torch.optim.Adam (float64) on one parameter w with gradient g, from the
    state the exercise gives: exp_avg = m, exp_avg_sq = v and step = t − 1, so that torch
    counts this step as step t and applies its own bias correction for t. Gives torch's new
    m, v, w, the update it subtracted and the step it counted."""
    import torch

    weight = torch.tensor([inputs["w"]], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam(
        [weight],
        lr=inputs["lr"],
        betas=(inputs["beta1"], inputs["beta2"]),
        eps=inputs["eps"],
        foreach=False,
    )
    optimizer.state[weight] = {
        "step": torch.tensor(float(inputs["t"] - 1)),
        "exp_avg": torch.tensor([inputs["m"]], dtype=torch.float64),
        "exp_avg_sq": torch.tensor([inputs["v"]], dtype=torch.float64),
    }
    weight.grad = torch.tensor([inputs["g"]], dtype=torch.float64)
    optimizer.step()
    state = optimizer.state[weight]
    return {
        "m": state["exp_avg"].item(),
        "v": state["exp_avg_sq"].item(),
        "w": weight.item(),
        "update": inputs["w"] - weight.item(),
        "step": float(state["step"]),
    }


def test_adam_step_against_torch_optim_adam() -> None:
    """Each input set is one Adam step from a given state (m, v, t): torch is handed that
    state (its step counter at t − 1) and takes the step itself. m̂ and v̂, which torch does
    not expose, are checked against the bias correction written out here."""
    for inputs in sets("adam"):
        check = EXERCISES["adam"].compute(inputs)
        torch_step = _torch_adam_step(inputs)
        assert torch_step["step"] == inputs["t"]
        for name in ("m", "v", "w"):
            assert near(check.value(name), torch_step[name]), (inputs, name)
        # w − w' loses digits when the update is tiny next to w: 1e-9 of w, not of the update
        assert math.isclose(
            check.value("update"), torch_step["update"], rel_tol=1e-9, abs_tol=1e-12
        ), inputs
        t = inputs["t"]
        assert near(check.value("m_hat"), torch_step["m"] / (1 - inputs["beta1"] ** t))
        assert near(check.value("v_hat"), torch_step["v"] / (1 - inputs["beta2"] ** t))


def test_adam_walkthrough_against_four_torch_steps() -> None:
    """The article's four steps run from scratch in torch (fresh state, gradients 0.5, 0.3,
    0.4, −0.2): each of the engine's article input sets starts where torch's last step ended,
    and ends where torch's step ends. The article prints the updates 0.0100, 0.0096, 0.0097,
    0.0061."""
    import torch

    article = EXERCISES["adam"].article
    first = article[0]
    weight = torch.tensor([first["w"]], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam(
        [weight], lr=first["lr"], betas=(first["beta1"], first["beta2"]), eps=first["eps"]
    )
    updates = []
    for t, inputs in enumerate(article, start=1):
        state = optimizer.state[weight]
        m = state["exp_avg"].item() if state else 0.0
        v = state["exp_avg_sq"].item() if state else 0.0
        assert inputs["t"] == t
        assert near(inputs["w"], weight.item()) and near(inputs["m"], m) and near(inputs["v"], v)
        before = weight.item()
        weight.grad = torch.tensor([inputs["g"]], dtype=torch.float64)
        optimizer.step()
        check = EXERCISES["adam"].compute(inputs)
        assert near(check.value("w"), weight.item()), t
        assert near(check.value("m"), optimizer.state[weight]["exp_avg"].item()), t
        assert near(check.value("v"), optimizer.state[weight]["exp_avg_sq"].item()), t
        updates.append(check.value("update"))
        assert near(check.value("update"), before - weight.item(), 1e-9), t
    assert [round(update, 4) for update in updates] == [0.0100, 0.0096, 0.0097, 0.0061]
    assert [inputs["g"] for inputs in article] == [0.5, 0.3, 0.4, -0.2]


def _step(name: str) -> int:
    """The step of a checked name of the schedule: "lr_at(step=2000)" → 2000."""
    match = re.fullmatch(r"lr_at\(step=(\d+)\)", name)
    assert match is not None, name
    return int(match.group(1))


def test_schedule_against_lambda_lr() -> None:
    """torch's LambdaLR, stepped from 0 to `total` with a warmup-then-cosine factor written
    here, gives the engine's rate at every step the checker looks at."""
    import torch
    from torch.optim.lr_scheduler import LambdaLR

    # The article's set (LLaMA 2: 500,000 steps) is checked at its landmarks, below.
    for inputs in EXERCISES["schedule"].input_sets(INDEPENDENT_SETS)[1:]:
        warmup, total = inputs["warmup"], inputs["total"]
        lr_max, lr_min = inputs["lr_max"], inputs["lr_min"]

        def factor(
            step: int,
            warmup: int = warmup,
            total: int = total,
            lr_max: float = lr_max,
            lr_min: float = lr_min,
        ) -> float:
            if step < warmup:
                return step / warmup
            progress = (step - warmup) / (total - warmup)
            cosine = lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))
            return cosine / lr_max

        weight = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([weight], lr=lr_max)
        scheduler = LambdaLR(optimizer, factor)
        rates = []
        for _ in range(total + 1):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()  # no gradient: nothing moves, only the order torch expects
            scheduler.step()
        check = EXERCISES["schedule"].compute(inputs)
        steps = [_step(name) for name in check.checked]
        assert {0, warmup, total} <= set(steps)
        for step, name in zip(steps, check.checked, strict=True):
            assert near(check.value(name), rates[step]), (inputs, step)


def test_schedule_llama_2_landmarks() -> None:
    """LLaMA 2's schedule (2,000 warmup steps of 500,000, 3e-4 down to 3e-5) at the points
    where its value is known without a cosine: half of lr_max mid-warmup, lr_max at the end
    of warmup, lr_min + half the drop mid-decay, lr_min at the end."""
    check = EXERCISES["schedule"].compute(EXERCISES["schedule"].article[0])
    known = {0: 0.0, 1000: 1.5e-4, 2000: 3e-4, 251_000: 3e-5 + 0.5 * 2.7e-4, 500_000: 3e-5}
    for step, rate in known.items():
        assert near(check.value(f"lr_at(step={step})"), rate), step


def test_softmax_gradient_against_cross_entropy_autograd() -> None:
    import torch
    import torch.nn.functional as F

    for inputs in sets("softmax-gradient"):
        check = EXERCISES["softmax-gradient"].compute(inputs)
        logits = torch.tensor(inputs["logits"], dtype=torch.float64, requires_grad=True)
        loss = F.cross_entropy(logits[None], torch.tensor([inputs["target"]]))
        loss.backward()
        probabilities = torch.softmax(logits.detach(), dim=0)
        assert near(check.value("loss"), loss.item()), inputs
        for i in range(len(inputs["logits"])):
            assert near(check.value(f"probs[{i}]"), probabilities[i].item()), (inputs, i)
            # p − 1 for the target loses digits when p is near 1: compare to 1e-9 of 1
            assert math.isclose(
                check.value(f"grad[{i}]"), logits.grad[i].item(), rel_tol=1e-9, abs_tol=1e-12
            ), (inputs, i)


def _torch_training_losses(inputs: dict, zero_grad: bool = True, step: bool = True) -> list:
    """The training-step loop in plain torch: a zero float64 bigram table, torch's Adam with
    its default ε, one step per batch; optionally without zero_grad or without the step."""
    import torch
    import torch.nn.functional as F

    size = len(IDS)
    table = torch.nn.Embedding(size, size, dtype=torch.float64)
    with torch.no_grad():
        table.weight.zero_()
    optimizer = torch.optim.Adam(
        table.parameters(), lr=inputs["lr"], betas=(inputs["beta1"], inputs["beta2"])
    )
    losses = []
    for xs, ys in training_batches(inputs):
        if zero_grad:
            optimizer.zero_grad()
        loss = F.cross_entropy(table(torch.tensor(xs)), torch.tensor(ys))
        loss.backward()
        if step:
            optimizer.step()
        losses.append(loss.item())
    return losses


def test_training_losses_against_a_torch_loop() -> None:
    """The engine's numpy loop against torch, as it should run and with each known mistake
    (no zero_grad: gradients add up; no update: the table stays at zero)."""
    for inputs in EXERCISES["training-step"].input_sets(10):
        variants = {
            "": _torch_training_losses(inputs),
            "no_zero_grad": _torch_training_losses(inputs, zero_grad=False),
            "no_update": _torch_training_losses(inputs, step=False),
        }
        for mistake, expected in variants.items():
            engine = training_losses(inputs, mistake)
            assert len(engine) == len(expected) == 4
            for k, (mine, theirs) in enumerate(zip(engine, expected, strict=True)):
                assert near(mine, theirs), (inputs, mistake or "right", k)
        # the first loss is that of a zero table: ln V, whatever the batch
        assert near(variants[""][0], math.log(len(IDS)))
