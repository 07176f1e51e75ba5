"""`llmtutor train --plain`: the live run, headless, as lines of text and an ASCII chart."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TextIO

from llmtutor.engine import Series
from llmtutor.engine.live_run import diagnosis, final_words, uniform_guess
from llmtutor.render.chart import LiveSeries, render_chart
from llmtutor.run_settings import RunSettings

EVERY = 100  # print a progress line every this many steps
CHART_SIZE = (72, 16)
WRITE = 40  # characters written after a --predict prompt, greedy and sampled


def _line(file: TextIO, text: str = "") -> None:
    file.write(text + "\n")
    file.flush()  # a watcher of the pipe sees each line as it comes


def run_plain(
    settings_list: Sequence[RunSettings],
    file: TextIO,
    grad_norms: bool = False,
    predict_after: str | None = None,
    temperature: float = 1.0,
) -> int:
    """Train once per settings (one, or two to compare optimizers); return the exit status:
    0 when every run finished, 1 when one diverged. With `grad_norms`, each progress line
    is followed by the gradient's norm over each part of the model and the update's size;
    with `predict_after`, each trained model's five likeliest next characters after that
    prompt are printed with their probabilities and the loss each would cost."""
    import torch

    from llmtutor.training import (
        Diverged,
        Finished,
        Progress,
        Sample,
        Started,
        build,
        config_for,
        default_threads,
        train,
    )

    torch.set_num_threads(default_threads(spare=0))  # no interface to share with: every core

    curves: list[Series] = []
    status = 0
    for settings in settings_list:
        # Each sample, with the step and the loss it came at: gibberish to the sentence.
        config = config_for(settings, watch=None)
        curve = LiveSeries(settings.legend(), x_label="step", y_label="loss")
        setup = build(config)
        losses: list[float] = []  # every report's loss, for the advice
        norms: Sequence[tuple[str, float]] = ()  # the last report's gradient norms, too
        for event in train(config, setup=setup):
            if isinstance(event, Started):
                _line(
                    file,
                    f"Training a tiny transformer on {event.device_description}, "
                    f"{event.parameters:,} weights",
                )
                _line(
                    file,
                    f"{config.steps} steps · batch {config.batch_size} × "
                    f"{config.seq_len} · {settings.label()}",
                )
            elif isinstance(event, Progress):
                curve.append(event.step, event.loss)
                losses.append(event.loss)
                norms = event.grad_norms
                if event.step % EVERY == 0 or event.step == event.total - 1:
                    _line(
                        file,
                        f"step {event.step:>5}/{event.total}  loss {event.loss:.4f}  "
                        f"ppl {event.perplexity:8.2f}  {event.tokens_per_s:>9,.0f} tokens/s",
                    )
                    if grad_norms:
                        _line(file, health_line(event.grad_norms, event.update_ratio))
            elif isinstance(event, Sample):
                ppl = math.exp(event.loss) if event.loss < 700 else math.inf
                _line(
                    file,
                    f"sample at step {event.step:>5} (loss {event.loss:.4f}, ppl {ppl:.2f}): "
                    f"{event.text!r}",
                )
            elif isinstance(event, Diverged):
                _line(
                    file,
                    f"The loss became {event.loss} at step {event.step}: the run diverged "
                    "and was stopped.",
                )
                advice = diagnosis(
                    losses,
                    optimizer=settings.optimizer,
                    lr=settings.lr,
                    diverged_at=event.step,
                    plain=True,
                )
                _line(file, textwrap.fill(advice, 80))
                status = 1
            elif isinstance(event, Finished):
                rate = event.steps_done / event.elapsed_s if event.elapsed_s > 0 else 0.0
                _line(
                    file,
                    f"Finished {event.steps_done} steps in {event.elapsed_s:.1f} s "
                    f"({rate:.0f} steps/s); final loss {event.final_loss:.4f}",
                )
                if event.text:
                    _line(file, f"Generated from {config.prompt!r}: {event.text!r}")
                if event.steps_done:
                    _line(file, textwrap.fill(final_words(event.final_loss), 80))
                advice = diagnosis(
                    losses,
                    optimizer=settings.optimizer,
                    lr=settings.lr,
                    plain=True,
                    norms=norms,
                    residual=settings.residual,
                )
                if advice and not event.stopped_early:
                    _line(file, textwrap.fill(advice, 80))
                if predict_after is not None and event.text:
                    _print_guesses(file, setup.model, predict_after, temperature, settings.seed)
        curves.append(curve.series())
        _line(file)
    if any(len(c.x) > 1 for c in curves):
        longest = max(settings.steps for settings in settings_list)
        lines = [uniform_guess(longest), *curves]  # ln V: where step 0's loss starts
        chart = render_chart(lines, *CHART_SIZE, title="Loss at each step", ascii=True)
        for row in chart.plain.splitlines():
            _line(file, row.rstrip())
    return status


def health_line(norms: Sequence[tuple[str, float]], update_ratio: float | None) -> str:
    """The gradient's norm over each part of the model, input side first, and the update
    relative to the weights: "  ‖grad‖ embeddings 0.41 · block 1 0.33 · … · update/weights 2e-3"."""
    parts = " · ".join(f"{name} {norm:.3g}" for name, norm in norms)
    ratio = "" if update_ratio is None else f" · update/weights {update_ratio:.2g}"
    return f"         ‖grad‖ {parts}{ratio}"


def _print_guesses(file: TextIO, model: object, prompt: str, temperature: float, seed: int) -> None:
    """The five likeliest next characters after `prompt`, with p and −ln p (the prediction
    view's table), then what the model writes from there, greedy and sampled."""
    from llmtutor.render.predictions import guesses_table
    from llmtutor.render.timeline import shown_text
    from llmtutor.training import read

    _line(file, f"Next character after {prompt!r} (temperature {temperature:g}):")
    reading = read(model, prompt, temperature, seed, write=WRITE)  # type: ignore[arg-type]
    for row in guesses_table(reading.guesses, bars=False).plain.splitlines():
        _line(file, f"  {row}".rstrip())
    greedy, drawn = reading.greedy, reading.sampled
    for label, text in (("greedy:", greedy), ("sampled:", drawn)):
        _line(
            file,
            textwrap.fill(
                shown_text(text),
                80,
                initial_indent=f"  {label:<10}",
                subsequent_indent=" " * 12,
                drop_whitespace=False,
            ),
        )
    _line(file, f"{'':12}(drawn at temperature {temperature:g}, seed {seed})")
