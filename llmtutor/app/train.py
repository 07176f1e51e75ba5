"""The training screen: a real transformer trains while the learner watches.

The run happens in a process of its own (llmtutor.training_process, started at the first run
and kept for the next), whose events arrive on a reading thread and are posted on to the screen
as messages. The screen never waits on the run and the run never waits on the screen: they do
not even share an interpreter, so drawing the chart takes no time from training.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtutor.app.chart_widget import Chart
from llmtutor.app.train_dialog import SettingsDialog
from llmtutor.app.widgets import ScrollWhenLong
from llmtutor.engine import fmt, live_run
from llmtutor.render.chart import LiveSeries
from llmtutor.render.timeline import Written, timeline
from llmtutor.run_settings import Experiment, RunSettings
from llmtutor.safe_text import visible
from llmtutor.training_process import TrainingProcess


class TrainingEvent(Message):
    """One event from the training loop, handed from the thread that reads the training
    process to the screen (or an Exception: the run failed)."""

    def __init__(self, run: int, event: Any) -> None:
        super().__init__()
        self.run, self.event = run, event

    def can_replace(self, message: Message) -> bool:
        # A newer progress report makes a pending one redundant; samples and endings are kept.
        kind = type(self.event).__name__
        return (
            kind == "Progress"
            and isinstance(message, TrainingEvent)
            and type(message.event).__name__ == "Progress"
            and message.run == self.run
        )


class TrainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "start", "Start"),
        Binding("space", "pause", "Pause"),
        Binding("s", "stop", "Stop"),
        Binding("r", "restart", "Restart"),
        Binding("c", "compare", "Compare"),
        Binding("p", "predict", "Predict"),
        # Not in the footer (no room at 80 columns): the chart's title offers it when the
        # curve flattens against zero, and the help (?) lists it.
        Binding("l", "log_scale", "Log scale", show=False),
        # Not in the footer, which has no room left at 80 columns: the panel's lower border
        # names it ("g: gradients"), and so does the help (?).
        Binding("g", "health", "Gradient health or one weight", show=False),
        Binding("q", "close", "Back"),
        Binding("escape", "close", "Back", show=False),
    ]
    # ↑↓ scroll the samples; Tab reaches the figures' advice and the intro when they are
    # too long for their room.
    AUTO_FOCUS = "#samples"

    def __init__(
        self,
        settings: RunSettings | None = None,
        *,
        intro: str = "",
        start: bool = False,
        quit_on_close: bool = False,
        experiment: Experiment | None = None,
    ) -> None:
        """`experiment`: a lesson's runs, trained one after another from Enter (each kept on
        the chart); its text is the intro and its first run the settings."""
        super().__init__()
        self.experiment = experiment
        self.queue: list[RunSettings] = []  # runs still to come, after the one running
        if experiment is not None:
            settings, intro = experiment.runs[0], experiment.text
        self.settings = settings or RunSettings()
        self.intro = intro
        self.start_at_once = start
        self.quit_on_close = quit_on_close
        self.run_number = 0  # which run the messages belong to: late ones of an old run are dropped
        self.running = False
        self.paused = False
        self.status = "ready"
        self.finished: Any = None  # the last run's Finished event
        self.trainer: TrainingProcess | None = None  # started at the first run; rests when idle
        self.curve: LiveSeries | None = None
        self.earlier: list[LiveSeries] = []  # finished runs kept on the chart to compare
        self.health: tuple[Any, Any] = ((), None)  # the last report's gradient norms, update
        self.last_norms: dict[str, Any] = {}  # each run's last gradient norms, by its label
        self.samples: list[Written] = []  # what this run's model wrote, oldest first
        self.samples_note = ""
        self.losses: list[float] = []  # this run's reported losses, for the advice
        self.model_ready = False  # the run has built its model: the prediction view may read it
        self.steps_done = 0
        self.loop_waiting = False  # the loop said Paused: it leaves the model alone
        self.predict_when_paused = False  # p during a run: open the view once it pauses
        self.advice = ""
        self.comparison = ""  # an experiment's closing comparison, kept under the figures
        self.figures_line = Text()
        # the right panel: one weight (False) or gradient health
        self.showing_health = experiment is not None and experiment.panel == "health"

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(Text(self._heading(), style="bold"), id="lesson-title")
            yield Static("ready", id="progress")
        # Both scroll: the advice under the figures, and a lesson's intro, can be longer than
        # an 80×24 screen leaves them.
        with ScrollWhenLong(id="figures-box"):
            yield Static(id="figures")
        intro = (self.intro.strip() + "\n\n" if self.intro else "") + "**Press Enter to start.**"
        with ScrollWhenLong(id="intro"):
            # The lesson file's Markdown: links written out, not hidden behind their text.
            yield Static(Markdown(visible(intro), hyperlinks=False), id="intro-text")
        yield Chart(id="loss-chart", log_y=False)
        with Horizontal(id="train-panels"):
            with VerticalScroll(id="samples"):
                yield Static(id="sample")
            with Vertical(id="watch"):
                yield Static(id="watch-values")
                yield Static(id="health-values")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#samples").border_title = "What the model writes"
        self.query_one("#loss-chart").display = False
        # Without colour the curves are told apart by their marks, as in --plain.
        self.query_one("#loss-chart", Chart).ascii = self.app.no_color
        self._show_panel()
        self._show_figures(Text(self._settings_line(), style="dim"))
        self.query_one("#sample", Static).update(
            Text(
                f'Greedy text from the prompt "{live_run.PROMPT}" appears here every '
                f"{live_run.SAMPLE_EVERY} steps.",
                style="dim",
            )
        )
        self.query_one("#watch-values", Static).update(
            Text("Adam's m and v for one weight of the output layer.", style="dim")
        )
        if self.start_at_once:
            self.action_start()

    # --- running ------------------------------------------------------------------------

    def _heading(self) -> str:
        """The title bar's words: the experiment's title (a lesson's own text: Text only)."""
        return self.experiment.title if self.experiment else "Train a tiny transformer"

    def _legend(self) -> str:
        """This run's name on the chart: what differs from the article's run, less the
        steps when every run of the experiment has the same."""
        runs = self.experiment.runs if self.experiment else ()
        one_length = len({run.steps for run in runs}) == 1
        return self.settings.legend(steps=not one_length)

    def _settings_line(self) -> str:
        s = self.settings
        line = f"{s.steps} steps · {s.label()} · device {s.device}   (r to change)"
        if self.experiment is not None and len(self.experiment.runs) > 1:
            runs = self.experiment.runs
            line = "Runs: " + " · ".join(f"{i}) {run.legend()}" for i, run in enumerate(runs, 1))
        return line

    def action_start(self) -> None:
        if self.running:
            return
        if self.experiment is not None and self.run_number == 0:
            self.queue = list(self.experiment.runs[1:])  # the first Enter starts them all
        self.run_number += 1
        if self.curve is not None and len(self.curve):
            self.earlier = [*self.earlier[-2:], self.curve]  # keep the last few runs
        self.curve = LiveSeries(self._legend(), x_label="step", y_label="loss")
        self.running, self.paused = True, False
        self.samples, self.samples_note, self.losses, self.advice = [], "", [], ""
        self.comparison = ""
        self.model_ready, self.steps_done, self.loop_waiting = False, 0, False
        intro = self.query_one("#intro")
        if intro.has_focus or self.query_one("#figures-box").has_focus:
            # The keys go back to the samples: the intro hides, the figures grow short.
            self.query_one("#samples").focus()
        intro.display = False
        self.query_one("#loss-chart", Chart).display = True
        self._set_status("starting…")
        self._show_figures(Text("loading torch and building the model…", style="dim"))
        if self.trainer is None:
            self.trainer = TrainingProcess(self._deliver)
        self.trainer.run(self.run_number, self.settings)

    def _deliver(self, run: int, event: object) -> None:
        """From the training process's reading thread: on to the screen, as a message."""
        self.post_message(TrainingEvent(run, event))

    def on_training_event(self, message: TrainingEvent) -> None:
        if message.run != self.run_number:
            return  # a late message from a run that was replaced
        event = message.event
        kind = type(event).__name__
        if isinstance(event, Exception):
            self.running = False
            self._set_status("failed")
            self._show_figures(
                Text(f"The run could not go on: {visible(str(event))}", style="bold red")
            )
        elif kind == "Paused":
            if not self.paused:
                return  # resumed before this arrived: the loop is training again
            self.loop_waiting = True
            self.steps_done = event.steps_done
            if self.predict_when_paused:
                self.predict_when_paused = False
                self._open_prediction()
        elif kind == "Started":
            self.model_ready = True  # built: readable whenever the loop waits
            self._set_status("running")
            steps = event.config.steps
            self.query_one("#loss-chart", Chart).x_range = (0, max(1, steps - 1))
            title = Text.assemble((self._heading(), "bold"), ("  ·  ", "dim"))
            title.append(f"{event.device_description} · {event.parameters:,} weights")
            self.query_one("#lesson-title", Static).update(title)
        elif kind == "Progress":
            self._on_progress(event)
        elif kind == "Sample":
            self.samples.append(Written(event.step, event.loss, event.text))
            self._show_samples()
        elif kind == "Diverged":
            self._set_status("diverged")
            s = self.settings
            self.advice = live_run.diagnosis(
                self.losses, optimizer=s.optimizer, lr=s.lr, diverged_at=event.step
            )
            self._show_figures(
                Text(f"The loss became {fmt(event.loss)} at step {event.step}: ", style="bold red")
                + Text("the run diverged and was stopped.", style="bold red")
            )
        elif kind == "Finished":
            self._on_finished(event)

    def _on_finished(self, event: Any) -> None:
        self.running, self.loop_waiting = False, False
        self.finished, self.steps_done = event, event.steps_done
        if self.status != "diverged":
            self._set_status("stopped" if event.stopped_early else "finished")
        if event.text:
            note = live_run.MEMORISED if live_run.nearly_sure(event.final_loss) else ""
            self.samples.append(Written(event.steps_done, event.final_loss, event.text, True))
            self.samples_note = note
            self._show_samples()
        if self.status != "diverged" and event.steps_done:
            s = self.settings
            if not event.stopped_early:
                self.advice = live_run.diagnosis(
                    self.losses,
                    optimizer=s.optimizer,
                    lr=s.lr,
                    norms=self.health[0],
                    residual=s.residual,
                )
            rate = event.steps_done / event.elapsed_s if event.elapsed_s > 0 else 0.0
            self._show_figures(
                Text.assemble(
                    (f"{event.steps_done} steps", "bold"),
                    (f" in {event.elapsed_s:.1f} s ({rate:,.0f} steps/s)   final loss ", "dim"),
                    (fmt(event.final_loss), "bold yellow"),
                    (f", {live_run.perplexity_phrase(event.final_loss)}", "bold"),
                )
            )
        if self.queue and (not event.stopped_early or self.status == "diverged"):
            self.settings = self.queue.pop(0)  # the experiment's next run
            self.call_after_refresh(self.action_start)
        elif (
            self.experiment is not None
            and self.experiment.panel == "health"
            and self.run_number >= len(self.experiment.runs)
        ):
            self._compare_gradients()

    def _compare_gradients(self) -> None:
        """At the end of an experiment, each run's first block's gradient norm against its
        last block's, at its last report: where the gradient fades on its way down."""
        ratios = []
        for label, norms in self.last_norms.items():
            ratio = live_run.first_to_last_block(norms)
            if ratio is not None:
                ratios.append(f"{fmt(ratio, 2)} ({label})")
        if len(ratios) > 1:
            self.comparison = (
                "First block's gradient ÷ last block's, at each run's last report: "
                + "; ".join(ratios)
            )
            self._show_figures(self.figures_line)

    def _on_progress(self, event: Any) -> None:
        if self.curve is None:
            self.curve = LiveSeries(self._legend(), x_label="step", y_label="loss")
        self.curve.append(event.step, event.loss)
        self.losses.append(event.loss)
        self.steps_done = event.step + 1
        self._show_figures(
            Text.assemble(
                ("step ", "dim"),
                (f"{event.step + 1}/{event.total}", "bold"),
                ("   loss ", "dim"),
                (f"{event.loss:.4f}", "bold yellow"),
                ("   ppl ", "dim"),
                (f"{event.perplexity:.2f}", "bold"),
                ("   lr ", "dim"),
                (f"{event.lr:g}", "bold"),
                ("   ", ""),
                (f"{event.tokens_per_s:,.0f}", "bold"),
                (" tok/s   ", "dim"),
                (f"{event.elapsed_s:.1f} s", "bold"),
            )
        )
        chart = self.query_one("#loss-chart", Chart)
        series = [live_run.uniform_guess(event.total)]
        series += [curve.series() for curve in self.earlier]
        series.append(self.curve.series(marks=((event.step, event.loss, ""),)))
        chart.set_series(series, title=self._chart_title())
        if event.watch is not None:
            self._show_watch(event.watch)
        self.health = (event.grad_norms, event.update_ratio)
        self.last_norms[self._legend()] = event.grad_norms
        if self.showing_health:
            self._show_health()

    def _show_watch(self, watch: Any) -> None:
        if not self.showing_health:
            self.query_one("#watch").border_title = f"{watch.name}[{watch.index}], live"
        lines = Text()
        rows = [("value", watch.value), ("gradient", watch.grad)]
        if watch.m is not None:
            rows += [("m (momentum)", watch.m), ("v (squared)", watch.v)]
        rows.append(("update", watch.update))
        for label, value in rows:
            lines.append(f"{label:<13}", style="dim")
            lines.append(f"{fmt(value):>12}\n", style="bold")
        lines.rstrip()
        self.query_one("#watch-values", Static).update(lines)

    def _chart_title(self) -> str:
        """The loss chart's title, offering the log scale once the curve lies flat against
        zero (below a tenth of a uniform guess's loss, ln V)."""
        chart = self.query_one("#loss-chart", Chart)
        if chart.log_y:
            return "Loss at each step, log scale (l: linear)"
        flat = self.losses and self.losses[-1] < live_run.uniform_loss() / 10
        return "Loss at each step (l: log scale)" if flat else "Loss at each step"

    def action_health(self) -> None:
        """g: the right panel shows the gradient of each part of the model (log scale), or
        the one weight followed live."""
        self.showing_health = not self.showing_health
        self._show_panel()

    def _show_panel(self) -> None:
        self.query_one("#watch-values").display = not self.showing_health
        self.query_one("#health-values").display = self.showing_health
        panel = self.query_one("#watch")
        panel.border_subtitle = "g: one weight" if self.showing_health else "g: gradients"
        if self.showing_health:
            self._show_health()
        else:
            panel.border_title = "One weight, live"

    def _show_health(self) -> None:
        from llmtutor.render.health import health_bars

        panel = self.query_one("#watch")
        panel.border_title = "Gradient health"
        width = max(20, panel.content_region.width)
        height = max(3, panel.content_region.height)
        norms, ratio = self.health
        self.query_one("#health-values", Static).update(health_bars(norms, ratio, width, height))

    def _show_samples(self) -> None:
        """The timeline of what the model wrote; it follows the newest sample unless the
        learner has scrolled up to read an older one."""
        scroller = self.query_one("#samples", VerticalScroll)
        following = scroller.scroll_y >= scroller.max_scroll_y
        self.query_one("#sample", Static).update(timeline(self.samples, self.samples_note))
        count = len(self.samples)
        scroller.border_title = f"What the model writes · {count} sample{'s' * (count != 1)}"
        scroller.border_subtitle = "Tab, ↑↓: scroll" if count > 1 else ""
        if following:
            self.call_after_refresh(scroller.scroll_end, animate=False)

    def _show_figures(self, text: Text) -> None:
        """The figures line; under it an experiment's closing comparison, and the advice
        when a run went wrong."""
        self.figures_line = text
        if self.comparison:
            text = Text.assemble(text, "\n", (self.comparison, "bold"))
        if self.advice:
            text = Text.assemble(text, "\n", (self.advice, "yellow"))
        self.query_one("#figures", Static).update(text)

    def _set_status(self, status: str) -> None:
        self.status = status
        shown = f"{status} · p: predict" if status == "paused" else status
        if self.experiment is not None and len(self.experiment.runs) > 1:
            done = len(self.experiment.runs) - len(self.queue)
            shown = f"run {done} of {len(self.experiment.runs)} · {shown}"
        self.query_one("#progress", Static).update(shown)

    # --- keys ---------------------------------------------------------------------------

    def action_pause(self) -> None:
        if not self.running or self.trainer is None:
            return
        self.paused = not self.paused
        if self.paused:
            self.trainer.pause(self.run_number)
            self._set_status("paused")
        else:
            # A reading the prediction view asked for is answered before the loop goes on:
            # the training process reads the model only between steps.
            self.loop_waiting = self.predict_when_paused = False
            self.trainer.resume(self.run_number)
            self._set_status("running")

    def action_predict(self) -> None:
        """p: the model's next-character probabilities for a prompt the learner types. During
        a run it pauses first, and the view opens when the loop has stopped between steps."""
        if not self.running and not self.model_ready:
            self.notify("Train first (Enter), then see what the model predicts.")
            return
        if not self.running or self.loop_waiting:
            self._open_prediction()
            return
        if not self.paused:
            self.action_pause()
        self.predict_when_paused = True

    def _open_prediction(self) -> None:
        from llmtutor.app.predict import PredictScreen

        when = f"after {self.steps_done} step{'s' * (self.steps_done != 1)}"
        when += ", paused" if self.running else ""
        if self.trainer is not None:
            self.app.push_screen(PredictScreen(self.trainer.read, when, self.settings.seed))

    def action_stop(self) -> None:
        self.queue.clear()  # an experiment's later runs too
        if self.running and self.trainer is not None:
            self.trainer.stop(self.run_number)  # a paused run stops too
            self._set_status("stopping…")

    def action_restart(self) -> None:
        def apply(settings: RunSettings | None) -> None:
            if settings is not None:
                self.settings = settings  # the last runs stay on the chart, to compare
                self.queue.clear()  # the learner's own run replaces an experiment's
                self._restart()

        self.app.push_screen(SettingsDialog(self.settings), apply)

    def action_compare(self) -> None:
        """Run again with the other optimizer, keeping this run's curve on the chart."""
        if self.curve is None or not len(self.curve):
            self.notify("Run once first (Enter), then compare with the other optimizer.")
            return
        self.settings = self.settings.other_optimizer()
        self._restart()

    def _restart(self) -> None:
        self.action_stop()
        self.running = False
        self.action_start()

    def action_log_scale(self) -> None:
        chart = self.query_one("#loss-chart", Chart)
        chart.toggle_log_y()
        chart.set_series(chart.series, title=self._chart_title())
        scale = "log" if chart.log_y else "linear"
        self.notify(f"Loss axis: {scale} scale", timeout=2, markup=False)

    def action_close(self) -> None:
        self.stop_run()
        if self.quit_on_close:
            self.app.exit()
        else:
            self.dismiss()

    def stop_run(self) -> None:
        """Stop the run cleanly (the loop looks every step) and forget it."""
        if self.trainer is not None:
            self.trainer.stop(self.run_number)
        self.running = False
        self.run_number += 1

    def on_unmount(self) -> None:
        self.stop_run()
        if self.trainer is not None:
            # The process ends within a step; it is waited for away from the interface.
            threading.Thread(target=self.trainer.close, daemon=True).start()
            self.trainer = None
