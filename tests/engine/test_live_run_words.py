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
