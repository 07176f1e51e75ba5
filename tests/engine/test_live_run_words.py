"""The live run's closing words, from its final loss: each number worked out here."""

from __future__ import annotations

import math

import pytest

from llmtutor.engine.live_run import (
    PARAGRAPH,
    REPEATS,
    final_words,
    perplexity_phrase,
    uniform_guess,
)


def test_a_low_loss_is_almost_never_surprised_and_says_the_text_was_memorised() -> None:
    words = final_words(0.23)  # the article's figure at step 400
    assert "perplexity e^0.23 = 1.26" in words  # e^0.23 = 1.2586
    assert "almost never surprised" in words and f"repeated {REPEATS} times" in words


@pytest.mark.parametrize("loss", [0.5, 1.0, 2.0, 3.0, math.log(28)])
def test_a_higher_loss_names_how_many_characters_the_model_is_unsure_between(loss: float) -> None:
    words = final_words(loss)
    choices = round(math.exp(loss))
    assert f"between about {choices} character" in words
    assert "memorised" not in words


def test_a_loss_above_a_uniform_guess_says_so_and_nothing_breaks() -> None:
    vocab = len(set(PARAGRAPH))
    assert vocab == 28
    above = final_words(math.log(vocab) + 0.1)
    assert f"more than the {vocab} characters a uniform guess spreads over" in above
    assert "= ∞" in final_words(800.0)
    assert "did not converge" in final_words(math.nan)


def test_the_uniform_guess_line_is_ln_v_across_the_run() -> None:
    line = uniform_guess(500)
    assert line.x == (0.0, 499.0)
    assert line.y == (math.log(28), math.log(28))
    assert line.name == "uniform guess, ln 28 = 3.33"


def test_the_screens_short_phrase_reads_the_loss_the_same_way() -> None:
    assert perplexity_phrase(0.23) == "perplexity 1.26, almost never surprised"
    assert (
        perplexity_phrase(2.0) == f"perplexity {math.exp(2):.3g}, unsure between about 7 characters"
    )
    assert perplexity_phrase(math.log(1.6)) == "perplexity 1.6, unsure between about 2 characters"
    assert perplexity_phrase(3.4).endswith("worse than a uniform guess over 28 characters")
    assert perplexity_phrase(math.nan) == "the run did not converge"


def test_diagnosis_reads_the_end_of_a_run_against_the_frequency_guess() -> None:
    """Judged here from the written-out rule: the mean of the last tenth of the reports, the
    mean of the reports 60–80% of the way, and the frequency guess (2.968 for this text)."""
    from llmtutor.engine.live_run import diagnosis

    flat_high = [3.5] + [2.95] * 99
    assert "levelled off" in diagnosis(flat_high, optimizer="adam", lr=0.1)
    assert "try lr 0.01" in diagnosis(flat_high, optimizer="adam", lr=0.1)
    assert "try lr 0.001, or another seed" in diagnosis(flat_high, optimizer="adam", lr=1e-4)
    assert "another seed" in diagnosis(flat_high, optimizer="adam", lr=1e-3)
    never = [3.5] * 100  # above the frequency guess by more than 0.1
    assert "not yet learned even which characters" in diagnosis(never, optimizer="adam", lr=1e-3)
    falling = [3.3 - 0.004 * i for i in range(100)]  # ends near 2.92, falling 0.08 per 20
    assert "still falling" in diagnosis(falling, optimizer="adam", lr=1e-5)
    assert "try lr 0.0001, or more steps" in diagnosis(falling, optimizer="adam", lr=1e-5)
    learned = [3.3 - 0.03 * i for i in range(100)]  # ends far below the frequency guess
    assert diagnosis(learned, optimizer="adam", lr=1e-3) == ""
    assert diagnosis([3.0] * 9, optimizer="adam", lr=1e-3) == ""  # too few reports to judge
    diverged = diagnosis([3.3], optimizer="adam", lr=0.5, diverged_at=40)
    assert "at step 40" in diverged and "press r and try lr 0.05" in diverged


def test_the_first_to_last_block_ratio() -> None:
    from llmtutor.engine.live_run import first_to_last_block

    norms = (
        ("embeddings", 9.0),
        ("block 1", 0.002),
        ("block 2", 0.5),
        ("block 3", 0.4),
        ("head", 7.0),
    )
    assert first_to_last_block(norms) == 0.002 / 0.4
    assert first_to_last_block(norms[:2] + norms[-1:]) is None
    assert first_to_last_block((("block 1", 1.0), ("block 2", 0.0))) is None


def test_a_stalled_run_whose_first_block_gets_almost_no_gradient_is_told_about_residuals() -> None:
    from llmtutor.engine.live_run import diagnosis

    flat = [3.5] + [2.99] * 99
    parts = ("embeddings", "block 1", "block 2", "block 3", "block 4", "head")
    vanished = tuple(zip(parts, (1e-7, 2e-6, 1e-4, 0.01, 0.2, 0.5), strict=True))
    words = diagnosis(flat, optimizer="adam", lr=1e-3, norms=vanished, residual=False)
    assert "block 1 was 1e-5 times block 4's" in words  # 2e-6 ÷ 0.2
    assert "press r and set residual to yes" in words
    assert "without --no-residual" in diagnosis(
        flat, optimizer="adam", lr=1e-3, norms=vanished, plain=True, residual=False
    )
    # With the residuals on, a starved first block is a symptom of the stall, not its cause
    # (Adam at lr 0.1 on the article's two layers ends so: seed 42, measured).
    assert "residual" not in diagnosis(flat, optimizer="adam", lr=1e-3, norms=vanished)
    level = tuple(zip(parts, (0.1, 0.3, 0.3, 0.3, 0.3, 0.5), strict=True))
    assert "residual" not in diagnosis(flat, optimizer="adam", lr=1e-3, norms=level)


def test_advice_moves_a_rate_toward_the_one_that_trains_well_and_never_past_it() -> None:
    """SGD trains this model at 0.5 (seeds 0-3 and 42) and diverged at 1 on three of them;
    Adam at the article's 1e-3: a still-falling run is never sent beyond those."""
    from llmtutor.engine.live_run import diagnosis

    falling = [3.3 - 0.004 * i for i in range(100)]
    assert "SGD needs a far larger rate: press r and try lr 0.5." in diagnosis(
        falling, optimizer="sgd", lr=0.1
    )
    at_good = diagnosis(falling, optimizer="sgd", lr=0.5)
    assert "press r and try more steps" in at_good and "lr" not in at_good.split("slowly")[1]
    assert "run again with more --steps" in diagnosis(
        falling, optimizer="adam", lr=1e-3, plain=True
    )
    assert "try lr 0.001, or more steps" in diagnosis(falling, optimizer="adam", lr=3e-4)
