"""InputSpec kinds (float, int, floats), their checks and parsing, and Computation.validate."""

import math

import pytest

from llmtutor.engine import COMPUTATIONS, InputSpec
from llmtutor.engine.toy_network import INPUTS as TOY_INPUTS


def spec(name):
    computation, _, input_name = name.partition(".")
    found = COMPUTATIONS[computation].input(input_name)
    assert found is not None, name
    return found


# -- float inputs, as before -----------------------------------------------------------------


def test_toy_network_inputs_unchanged():
    lr = next(s for s in TOY_INPUTS if s.name == "lr")
    assert lr.kind == "float"
    assert lr.parse("0.5") == 0.5
    assert isinstance(lr.parse("0.5"), float)
    assert lr.check(0.0) is not None
    assert lr.check(-1) is not None
    x = next(s for s in TOY_INPUTS if s.name == "x")
    assert x.parse(" -2 ") == -2.0
    assert x.parse("1_000") == 1000.0
    assert x.check(True) is not None
    assert x.check("2") is not None
    assert x.check(1e13) is not None
    assert COMPUTATIONS["toy_network"].run({"x": 3.0}).value("x") == 3.0


@pytest.mark.parametrize("text", ["", "abc", "1,2", "0.5.5", "--1", "nan", "inf", "-inf", "1e400"])
def test_float_parse_rejects_junk(text):
    with pytest.raises(ValueError, match="lr"):
        spec("adam.lr").parse(text)


def test_float_bounds():
    p = spec("cross_entropy.p")
    assert p.check(0) is not None
    assert p.check(-0.1) is not None
    assert p.check(1.0000001) is not None
    assert p.check(1) is None
    assert p.check(1e-300) is None
    with pytest.raises(ValueError, match="at most 1"):
        p.parse("1.5")
    with pytest.raises(ValueError, match="greater than 0"):
        p.parse("0")
    assert spec("cross_entropy.avg_loss").check(-0.01) is not None
    assert spec("cross_entropy.avg_loss").check(0) is None


@pytest.mark.parametrize("name", ["adam.beta1", "adam.beta2"])
@pytest.mark.parametrize("value", [1, 1.0, 1.5, -0.1, -1e-12])
def test_beta_outside_zero_one_rejected(name, value):
    assert spec(name).check(value) is not None


@pytest.mark.parametrize("name", ["adam.beta1", "adam.beta2"])
@pytest.mark.parametrize("value", [0, 0.5, 0.999999])
def test_beta_inside_zero_one_accepted(name, value):
    assert spec(name).check(value) is None


@pytest.mark.parametrize(
    "name", ["adam.lr", "slope.lr", "saddle.lr", "schedule.peak", "adam.eps", "slope.nudge"]
)
@pytest.mark.parametrize("value", [0, -0.01])
def test_rates_must_be_positive(name, value):
    assert spec(name).check(value) is not None
    with pytest.raises(ValueError):
        spec(name).parse(str(value))


def test_limit_can_be_raised_per_input():
    tokens = spec("saddle.tokens_total")
    assert tokens.check(2e12) is None
    assert tokens.check(1e16) is not None
    assert spec("adam.params").check(2e12) is not None


# -- int inputs ------------------------------------------------------------------------------


def test_int_kind():
    layers = spec("chain_rule.layers")
    assert layers.kind == "int"
    assert layers.parse("12") == 12
    assert isinstance(layers.parse("12"), int)
    assert layers.parse("1e2") == 100
    assert layers.check(3.0) is None
    assert "whole number" in layers.check(2.5)
    assert layers.check(0) is not None
    assert layers.check(1001) is not None
    for junk in ("twelve", "", "3.5", "nan"):
        with pytest.raises(ValueError):
            layers.parse(junk)
    warmup = spec("schedule.warmup")
    assert warmup.check(0) is None
    assert warmup.check(-1) is not None


# -- floats (list) inputs --------------------------------------------------------------------


def test_floats_default_is_a_tuple():
    gradients = spec("adam.gradients")
    assert gradients.kind == "floats"
    assert gradients.default == (0.5, 0.3, 0.4, -0.2)
    assert isinstance(COMPUTATIONS["adam"].defaults()["gradients"], tuple)
    made = InputSpec("g", [1, 2], "a list", kind="floats")
    assert made.default == (1.0, 2.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,1,1,1", (1.0, 1.0, 1.0, 1.0)),
        ("0.5, -0.2", (0.5, -0.2)),
        ("[0.5, 0.3]", (0.5, 0.3)),
        ("0.5 0.3 -1e-3", (0.5, 0.3, -0.001)),
        ("7", (7.0,)),
    ],
)
def test_floats_parse(text, expected):
    assert spec("adam.gradients").parse(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least 1"),
        ("   ", "at least 1"),
        ("[]", "at least 1"),
        ("0.5, abc", "item 2 must be a number"),
        ("0.5,,0.3", "item 2 is empty"),
        ("0.5, nan", "finite"),
        ("inf, 1", "finite"),
        ("1, 2e13", "too large"),
        (",".join(["1"] * 51), "at most 50"),
    ],
)
def test_floats_parse_rejects(text, reason):
    with pytest.raises(ValueError, match=reason):
        spec("adam.gradients").parse(text)


def test_floats_check():
    gradients = spec("adam.gradients")
    assert gradients.check([]) is not None
    assert gradients.check(()) is not None
    assert gradients.check("0.5,0.3") is not None
    assert gradients.check(0.5) is not None
    assert gradients.check([0.5, "x"]) is not None
    assert gradients.check([0.5, math.nan]) is not None
    assert gradients.check([0.5, True]) is not None
    assert gradients.check([0.5, -3]) is None
    assert gradients.check((0.5,)) is None


def test_bad_default_or_kind_is_caught_when_declared():
    with pytest.raises(ValueError):
        InputSpec("x", -1.0, "bad default", positive=True)
    with pytest.raises(ValueError):
        InputSpec("x", 1.0, "bad kind", kind="complex")


# -- the computation level -------------------------------------------------------------------


def test_run_takes_lists_and_tuples():
    adam = COMPUTATIONS["adam"]
    from_list = adam.run({"gradients": [1.0, 1.0]})
    from_tuple = adam.run({"gradients": (1.0, 1.0)})
    assert from_list.value("update_2") == from_tuple.value("update_2")
    assert "update_3" not in from_list


def test_validate():
    schedule = COMPUTATIONS["schedule"]
    assert schedule.validate({}) is None
    assert "warmup" in schedule.validate({"warmup": 500_000})
    assert "warmup" in schedule.validate({"warmup": 10, "total": 5})
    assert schedule.validate({"warmup": 0, "total": 1}) is None
    assert "no input" in schedule.validate({"bogus": 1})
    assert schedule.validate({"peak": -1}) is not None
    assert COMPUTATIONS["adam"].validate({"gradients": []}) is not None
    assert COMPUTATIONS["adam"].validate({"gradients": [0.1]}) is None
    for computation in COMPUTATIONS.values():
        assert computation.validate(computation.defaults()) is None
