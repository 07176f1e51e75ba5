"""The training run's experiments: depth without residual connections, a warmup-and-cosine
schedule, Adam without bias correction, and the gradient health every report carries. Each
is checked against torch read directly, or against a formula written out here."""

from __future__ import annotations

import math

import pytest
import torch

from llmtutor.run_settings import RunSettings
from llmtutor.training import Progress, TrainConfig, build, config_for, train
from llmtutor.training.optim import UncorrectedAdam

QUICK = dict(sample_every=0, generate_len=0, watch=None, device="cpu")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def progress(config: TrainConfig) -> list[Progress]:
    return [event for event in train(config) if isinstance(event, Progress)]


def test_the_gradient_norm_of_each_part_is_its_weights_grad_norm_at_that_step() -> None:
    config = TrainConfig(steps=3, n_layers=3, report_every=1, **QUICK)
    setup = build(config)
    model = setup.model
    for event in train(config, setup=setup):
        if not isinstance(event, Progress):
            continue
        # The step's gradients are still on the weights (the next step clears them).
        parts = {
            "embeddings": [model.token_embedding.weight, model.position_embedding.weight],
            **{f"block {i}": list(b.parameters()) for i, b in enumerate(model.blocks, 1)},
            "head": [model.head.weight, model.head.bias],
        }
        expected = {
            name: math.sqrt(sum(float(p.grad.norm()) ** 2 for p in params))
            for name, params in parts.items()
        }
        assert [name for name, _ in event.grad_norms] == list(expected)
        for name, norm in event.grad_norms:
            assert norm == pytest.approx(expected[name], rel=1e-5), (event.step, name)


def test_the_update_ratio_is_how_far_the_weights_moved_against_their_size() -> None:
    config = TrainConfig(steps=4, report_every=1, **QUICK)
    setup = build(config)
    weights = list(setup.model.parameters())
    before = torch.cat([p.detach().reshape(-1).clone() for p in weights])
    for event in train(config, setup=setup):
        if isinstance(event, Progress):
            after = torch.cat([p.detach().reshape(-1).clone() for p in weights])
            expected = float((after - before).norm() / before.norm())
            assert event.update_ratio == pytest.approx(expected, rel=1e-4)
            before = after


def test_without_residual_connections_the_first_layers_gradient_vanishes() -> None:
    """Eight layers, seeded, on the CPU: measured at step 20, block 1's gradient norm is
    about 1.5 times block 8's with the skip connections and about 1e-4 times without them
    (seeds 42, 1 and 7). The test asks for a factor of 10 between the two ratios."""

    def first_over_last(residual: bool) -> float:
        config = TrainConfig(steps=21, n_layers=8, residual=residual, report_every=20, **QUICK)
        norms = dict(progress(config)[-1].grad_norms)
        return norms["block 1"] / norms["block 8"]

    with_skips, without = first_over_last(True), first_over_last(False)
    assert without * 10 < with_skips, (without, with_skips)


def test_the_cosine_schedule_is_the_schedule_lessons_formula() -> None:
    steps, warmup, lr, lr_min = 30, 6, 2e-3, 2e-4
    config = TrainConfig(
        steps=steps,
        lr=lr,
        schedule="cosine",
        warmup=warmup,
        lr_min=lr_min,
        report_every=1,
        **QUICK,
    )
    rates = [event.lr for event in progress(config)]

    def written_out(s: int) -> float:  # linear warmup from 0, then cosine decay to lr_min
        if s < warmup:
            return lr * s / warmup
        return lr_min + 0.5 * (lr - lr_min) * (
            1 + math.cos(math.pi * (s - warmup) / (steps - warmup))
        )

    assert rates == pytest.approx([written_out(s) for s in range(steps)], rel=1e-12, abs=1e-15)
    # and torch's own LambdaLR with that formula gives the same rates
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: written_out(s) / lr)
    torch_rates = []
    for _ in range(steps):
        torch_rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates == pytest.approx(torch_rates, rel=1e-12, abs=1e-15)


def test_adam_without_bias_correction_is_the_hand_written_rule() -> None:
    gradients = [0.5, 0.3, 0.4, -0.2, 1.5]
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    optimizer = UncorrectedAdam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    value, m, v = 1.0, 0.0, 0.0
    for g in gradients:
        w.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        value -= lr * m / (math.sqrt(v) + eps)
        assert w.item() == pytest.approx(value, rel=1e-12)
        state = optimizer.state[w]
        assert state["exp_avg"].item() == pytest.approx(m, rel=1e-12)
        assert state["exp_avg_sq"].item() == pytest.approx(v, rel=1e-12)


def test_without_bias_correction_the_first_update_is_three_times_adams_not_a_tenth() -> None:
    """The article compares m alone (ten times too small at step 1). With v uncorrected too,
    the update m ÷ √v is (1 − β1) ÷ √(1 − β2) = 3.16 times Adam's, as torch shows."""
    updates = {}
    for name, make in (
        ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
        ("uncorrected", lambda p: UncorrectedAdam(p, lr=0.01)),
    ):
        w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
        optimizer = make([w])
        w.grad = torch.tensor([0.5], dtype=torch.float64)
        optimizer.step()
        updates[name] = 1.0 - w.item()
    ratio = updates["uncorrected"] / updates["adam"]
    assert ratio == pytest.approx((1 - 0.9) / math.sqrt(1 - 0.999), rel=1e-6)


def test_a_learners_experiment_becomes_the_run_it_asks_for() -> None:
    settings = RunSettings(
        steps=50,
        layers=4,
        residual=False,
        schedule="cosine",
        warmup=5,
        lr_min=1e-4,
        bias_correction=False,
        device="cpu",
    )
    config = config_for(settings, sample_every=0, generate_len=0, watch=None)
    assert (config.n_layers, config.residual, config.schedule) == (4, False, "cosine")
    assert (config.warmup, config.lr_min, config.bias_correction) == (5, 1e-4, False)
    setup = build(config)
    assert len(setup.model.blocks) == 4 and not setup.model.blocks[0].residual
    assert isinstance(setup.optimizer, UncorrectedAdam)
    assert setup.scheduler is not None
    label = settings.label()
    for words in ("4 layers", "no residual", "cosine (warmup 5", "no bias correction"):
        assert words in label


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"layers": 0}, "layers must be between 1 and 16"),
        ({"layers": 17}, "layers must be between 1 and 16"),
        ({"schedule": "linear"}, "schedule must be one of constant, cosine"),
        ({"schedule": "cosine", "warmup": 500}, "warmup must be 0 or more and less than"),
        ({"schedule": "cosine", "lr_min": 0.5}, "lr-min must be between 0 and the learning"),
        ({"warmup": 10}, "add --schedule cosine"),
    ],
)
def test_settings_that_do_not_go_together_are_refused(changes: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        RunSettings(**changes)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_next_character_guesses_are_softmax_of_the_logits_over_the_temperature(
    temperature: float,
) -> None:
    from llmtutor.training import VOCAB, encode, predict

    config = TrainConfig(steps=30, **QUICK)
    setup = build(config)
    for _ in train(config, setup=setup):
        pass
    prompt = "the quick brown fo"
    setup.model.train()
    guesses = predict(setup.model, prompt, 5, temperature)
    assert setup.model.training  # predict leaves the model in the mode it found
    setup.model.eval()
    with torch.no_grad():
        logits = setup.model(encode(prompt)[None])[0, -1].double()
    expected = torch.softmax(logits / temperature, dim=0)
    ranked = sorted(range(len(VOCAB)), key=lambda i: -float(expected[i]))[:5]
    assert [g.char for g in guesses] == [VOCAB[i] for i in ranked]
    for guess, index in zip(guesses, ranked, strict=True):
        assert guess.probability == pytest.approx(float(expected[index]), rel=1e-12)
        assert guess.loss == pytest.approx(-math.log(float(expected[index])), rel=1e-12)
    assert sum(g.probability for g in guesses) <= 1.0


def test_a_temperature_of_zero_or_less_is_refused() -> None:
    from llmtutor.training import predict

    model = build(TrainConfig(steps=1, **QUICK)).model
    with pytest.raises(ValueError, match="temperature must be greater than 0"):
        predict(model, "t", 5, 0.0)


# --- the samples: a timeline -------------------------------------------------------------


def test_samples_come_at_their_steps_with_that_steps_loss() -> None:
    """A sample every 7 steps (not a multiple of the reports' 10): each carries the loss of
    its own step, read here from a run that reports every step with the same seed."""
    from llmtutor.training import Sample

    sampled = [
        e
        for e in train(TrainConfig(steps=30, sample_every=7, generate_len=6, device="cpu"))
        if isinstance(e, Sample)
    ]
    every = {p.step: p.loss for p in progress(TrainConfig(steps=30, report_every=1, **QUICK))}
    assert [s.step for s in sampled] == [0, 7, 14, 21, 28]
    for sample in sampled:
        assert sample.loss == pytest.approx(every[sample.step], rel=1e-6)
        assert sample.text.startswith("t") and len(sample.text) == 1 + 6


def test_replaying_a_checkpoint_reproduces_its_sample() -> None:
    """The weights saved after step 20 (a run of 21 steps) write, in a fresh model, the very
    text the longer run's sample at step 20 showed."""
    from llmtutor.training import Sample, TinyTransformer, generate

    longer = TrainConfig(steps=40, sample_every=20, generate_len=30, device="cpu")
    samples = {e.step: e.text for e in train(longer) if isinstance(e, Sample)}
    shorter = TrainConfig(steps=21, sample_every=0, generate_len=0, watch=None, device="cpu")
    setup = build(shorter)
    for _ in train(shorter, setup=setup):
        pass
    checkpoint = {k: v.clone() for k, v in setup.model.state_dict().items()}
    fresh = TinyTransformer(shorter)
    fresh.load_state_dict(checkpoint)
    assert generate(fresh, "t", 30) == samples[20]


def test_sampling_at_a_temperature_draws_from_the_softmax_with_the_generator() -> None:
    """generate(temperature=T) draws each next character as torch.multinomial does from
    softmax(logits ÷ T), written out here step by step with the same seeded generator."""
    from llmtutor.training import VOCAB, encode, generate

    config = TrainConfig(steps=25, **QUICK)
    setup = build(config)
    for _ in train(config, setup=setup):
        pass
    model = setup.model.eval()
    text = generate(model, "the ", 12, temperature=0.7, generator=torch.Generator().manual_seed(3))
    reference = torch.Generator().manual_seed(3)
    expected = "the "
    with torch.no_grad():
        for _ in range(12):
            logits = model(encode(expected)[None, -model.context_len :])[0, -1].double()
            weights = torch.softmax(logits / 0.7, dim=0)
            expected += VOCAB[int(torch.multinomial(weights, 1, generator=reference))]
    assert text == expected
    with pytest.raises(ValueError, match="temperature"):
        generate(model, "t", 3, temperature=0)


# --- what went wrong, and what to try ------------------------------------------------------


def test_the_frequency_guess_is_the_entropy_of_the_training_texts_characters() -> None:
    from llmtutor.engine.live_run import frequency_loss
    from llmtutor.training import TEXT, VOCAB_SIZE, encode

    counts = torch.bincount(encode(TEXT), minlength=VOCAB_SIZE).double()
    p = counts / counts.sum()
    assert frequency_loss() == pytest.approx(float(-(p * p.log()).sum()), rel=1e-12)


def reported(settings: RunSettings) -> list[float]:
    return [p.loss for p in progress(config_for(settings))]


def test_sgd_at_adams_rate_is_told_to_take_a_far_larger_rate_and_adam_is_told_nothing() -> None:
    """Seeded runs of 300 steps: SGD at 1e-3 is still near the frequency guess, and falling;
    the article's Adam run learns (no advice)."""
    from llmtutor.engine.live_run import diagnosis

    sgd = RunSettings(steps=300, optimizer="sgd", device="cpu")
    words = diagnosis(reported(sgd), optimizer="sgd", lr=1e-3)
    assert "It was still falling, slowly" in words and "try lr 0.5." in words
    adam = RunSettings(steps=300, device="cpu")
    assert diagnosis(reported(adam), optimizer="adam", lr=1e-3) == ""


def test_adam_at_a_hundred_times_its_rate_levels_off_and_is_told_to_go_ten_times_smaller() -> None:
    from llmtutor.engine.live_run import diagnosis

    losses = reported(RunSettings(steps=300, lr=0.1, device="cpu"))
    words = diagnosis(losses, optimizer="adam", lr=0.1, plain=True)
    assert "It had levelled off" in words and "Run again with --lr 0.01." in words
