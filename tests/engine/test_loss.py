"""Cross-entropy loss, its table, an average and perplexity, against the source and torch."""

import math

import pytest
import torch

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.loss import compute

SOURCE_TABLE = {
    "table_p001": 4.605,
    "table_p010": 2.303,
    "table_p025": 1.386,
    "table_p050": 0.693,
    "table_p075": 0.288,
    "table_p095": 0.051,
    "table_p099": 0.010,
}


def test_source_numbers():
    t = compute()
    assert t.value("loss") == pytest.approx(1.457, abs=5e-4)
    for name, expected in SOURCE_TABLE.items():
        assert t.value(name) == pytest.approx(expected, abs=5e-4), name
    assert t.value("perplexity") == pytest.approx(12.18, abs=5e-3)


def test_table_falls_as_probability_rises():
    t = compute()
    values = [t.value(name) for name in SOURCE_TABLE]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("p", [0.233, 1e-9, 0.5, 0.999, 1.0])
def test_loss_matches_torch_cross_entropy(p):
    # Logits whose softmax gives the correct class (0) probability p, spread over 3 classes.
    rest = (1 - p) / 2
    probs = torch.tensor([[p, rest, rest]], dtype=torch.float64)
    logits = torch.log(probs.clamp_min(1e-300))
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([0])).item()
    assert compute(p=p).value("loss") == pytest.approx(expected, abs=1e-9)


def test_loss_is_zero_at_certainty():
    assert compute(p=1.0).value("loss") == 0.0


def test_average_over_the_sequence_includes_p():
    for p in (0.233, 0.7):
        t = compute(p=p)
        losses = [t.value(f"seq_loss_{i}") for i in range(1, 5)]
        assert losses[-1] == pytest.approx(-math.log(p))
        assert t.value("avg_example") == pytest.approx(sum(losses) / 4)
        assert t.value("perplexity_example") == pytest.approx(math.exp(t.value("avg_example")))


def test_perplexity():
    assert compute(avg_loss=0.23).value("perplexity") == pytest.approx(1.26, abs=5e-3)
    assert compute(avg_loss=0).value("perplexity") == 1.0
    assert compute(avg_loss=math.log(28)).value("perplexity") == pytest.approx(28)
    assert compute(avg_loss=1e6).value("perplexity") == math.inf  # no OverflowError


def test_loss_curve():
    t = compute(p=0.233)
    curve = t.series["loss_curve"]
    assert len(curve.x) == 200
    assert curve.x[0] == pytest.approx(0.005)
    assert curve.x[-1] == 1.0
    assert curve.y[-1] == 0.0
    assert all(b > a for a, b in zip(curve.x, curve.x[1:], strict=False))
    assert all(b < a for a, b in zip(curve.y, curve.y[1:], strict=False))
    for x, y in zip(curve.x, curve.y, strict=True):
        assert y == pytest.approx(-math.log(x))
    (mark,) = curve.marks
    assert mark[0] == 0.233
    assert mark[1] == pytest.approx(1.457, abs=5e-4)
    # A tiny p stays on the chart.
    assert compute(p=1e-4).series["loss_curve"].x[0] == 1e-4


def test_registered():
    c = COMPUTATIONS["cross_entropy"]
    assert c.defaults() == {"p": 0.233, "avg_loss": 2.5}
    assert c.run({"p": 0.5}).value("loss") == pytest.approx(math.log(2))


def test_one_label_for_each_value():
    t = compute()
    symbols = [q.symbol for q in t.values()]
    assert len(symbols) == len(set(symbols))
    # Each table row is written with its own probability, not as −ln(p) of the input p.
    assert t["table_p095"].equation == "L(0.95) = −ln(0.95) = 0.051293"
    # The sentence's last token is "mat", whose loss is L itself: named as such.
    assert t["seq_loss_4"].formula == "L"
    assert t.value("seq_loss_4") == t.value("loss") == pytest.approx(-math.log(0.233))


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (1.0, "certain"),
        (0.9, "over_half"),
        (0.5, "half_or_less"),
        (0.233, "half_or_less"),
        (1e-300, "half_or_less"),
    ],
)
def test_share_of_the_probability(p, expected):
    assert compute(p=p).facts["p_share"] == expected


@pytest.mark.parametrize(
    ("avg_loss", "expected"),
    [
        (0.0, "one"),  # e^0 = 1
        (1e-5, "one"),  # e^0.00001 = 1.00001, written 1
        (2.5, "more"),  # e^2.5 = 12.18
        (709.0, "more"),  # e^709 = 8.2e307, still a float
        (710.0, "overflow"),  # e^710 > 1.8e308 (the largest float is e^709.78)
    ],
)
def test_the_size_of_the_perplexity(avg_loss, expected):
    t = compute(avg_loss=avg_loss)
    assert t.facts["perplexity_size"] == expected
    assert "1 tokens" not in t["perplexity"].note
