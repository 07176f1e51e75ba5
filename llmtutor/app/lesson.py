"""The lesson screen: step through a lesson, revealing computed values as you go.

The learner can act on every step: change the inputs (e) and watch everything recompute,
predict values before they are revealed (k, quiz mode), and see the same numbers come out
of PyTorch (t).
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from llmtutor.app.inputs_panel import InputsPanel
from llmtutor.app.landscape_map import LandscapeMap
from llmtutor.app.messages import QuizScored, StepShown
from llmtutor.app.notice import NOTICE_TIMEOUT_S, ScreenNotice
from llmtutor.app.quiz import Answer, QuizPrompt, parse_guess, score_line, verdict
from llmtutor.app.torch_panel import TorchPanel
from llmtutor.app.widgets import Anchored, Draw, Drawing, ScrollingDrawing
from llmtutor.curriculum import Lesson, LessonFileError, Step, load_lesson
from llmtutor.engine import InputValue, Trace, fmt
from llmtutor.map_session import MapSession
from llmtutor.progress import Score
from llmtutor.render import draw_diagram, equations, render_chart, values_table
from llmtutor.render.landscape import NAMES, race_map
from llmtutor.safe_text import visible

if TYPE_CHECKING:
    from llmtutor.app.tutor import TutorApp
    from llmtutor.curriculum.exercises import Exercise
    from llmtutor.run_settings import Experiment

CHART_MIN_HEIGHT = 9  # lines for a step's chart; more on taller terminals...
CHART_FLOOR = 6  # ...and down to this few when the step's text needs the room
EQUATIONS_ROOM = 5  # lines left for the equations panel: its borders and three lines
CHROME = 2  # lines of the title bar and the footer
# On a terminal shorter than this, the Values panel lists only computed values: the
# inputs are in the equations that use them, and in the inputs panel (e).
VALUES_WITH_INPUTS_MIN_HEIGHT = 40
WATCH_INTERVAL_S = 0.5  # how often --watch looks at the lesson's file
PLAY_INTERVAL_S = 0.05  # a race played on a map moves one step this often
MAP_FLOOR = 7  # lines for a map at least: five rows of cells, its axis and its legend
AHEAD_DELAY_S = 0.03  # the next step is drawn ahead this long after a step shows


def _stamp(path: Path) -> tuple[float, int] | None:
    """What --watch compares to see a file change: modification time and size."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime, status.st_size


NAVIGATION = {"next", "previous", "first", "last"}


def lesson_markdown(text: str) -> Markdown:
    """A lesson's Markdown as shown: a link is written out as its text and its address,
    not made a terminal hyperlink whose address the learner cannot see. (Markdown is not
    markup: `[/x]` or `[@click=…]` in it is shown as written, and nothing in it acts.)"""
    return Markdown(text, hyperlinks=False)


def step_text(story: str, experiments: list[Experiment]) -> RenderableType:
    """A step's text, and under it one line for each experiment the step offers: its title,
    cut to the width (the training screen shows it whole), so that the offer takes one
    line of a step's room."""
    if not experiments:
        return lesson_markdown(story)
    offers = [
        Text.assemble(
            ("▶ Lab (l): ", "bold"),
            visible(experiment.title, one_line=True),
            no_wrap=True,
            overflow="ellipsis",
        )
        for experiment in experiments
    ]
    return Group(lesson_markdown(story), *offers)


class LessonScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the arrow keys step through the lesson even when a scrolling panel
        # has focus (the panels still scroll with ↑/↓, PgUp/PgDn and the mouse). While a
        # text field has focus they move its cursor instead (see check_action).
        Binding("right", "next", "Next", priority=True),
        Binding("space,n", "next", "Next", show=False),
        Binding("left", "previous", "Back", priority=True),
        Binding("p", "previous", "Back", show=False),
        Binding("home", "first", "First", show=False, priority=True),
        Binding("end", "last", "Last", show=False, priority=True),
        # Not priority: a panel that Tab gave the focus scrolls itself with these keys.
        Binding("up", "scroll_equations('up')", "Scroll the equations", show=False),
        Binding("down", "scroll_equations('down')", "Scroll the equations", show=False),
        Binding("pageup", "scroll_equations('page_up')", "Scroll the equations", show=False),
        Binding("pagedown", "scroll_equations('page_down')", "Scroll the equations", show=False),
        Binding("tab", "app.focus_next", "Next panel (↑ ↓ then scroll it)", show=False),
        Binding("e", "edit", "Inputs"),
        Binding("r", "reset", "Reset", show=False),
        Binding("k", "quiz", "Quiz"),
        Binding("t", "torch", "PyTorch"),
        Binding("m", "drive", "Drive the map", show=False),
        # Not in the footer, which has no room left at 80 columns: a step that offers an
        # experiment says so (under its text, and "l lab" beside the step number).
        Binding("l", "experiment", "Lab: train the model to test the step's claim", show=False),
        # Offered at the last step; in the footer it would crowd out the keys used most.
        Binding("x", "exercise", "Exercise (write it yourself)", show=False),
        Binding("q", "close", "Lessons"),
        Binding("escape", "close", "Lessons", show=False),
    ]

    AUTO_FOCUS = ""  # nothing has focus until a panel asks for it: keys go to the lesson
    step: reactive[int] = reactive(0, init=False)

    def __init__(
        self,
        lesson: Lesson,
        step: int = 0,
        values: Mapping[str, InputValue] | None = None,
        quiz: bool = False,
        watch: bool = False,
        quiz_best: Score | None = None,
    ):
        """`quiz_best`: the best score of the learner's earlier quizzes through the lesson,
        which a quiz's score is compared with when it ends."""
        super().__init__()
        self.lesson = lesson
        self.watch_file = watch
        self._file_stamp = _stamp(lesson.path)
        self.values: dict[str, InputValue] = dict(values or {})
        self.baseline = lesson.compute()  # with the defaults: what "changed" is measured from
        self.trace = self._computed(self.values)
        # Every name the lesson ever reveals: the diagram reserves rows for them from the start.
        self.all_names = lesson.all_reveals(self.trace)
        self._version = 0  # counts changes of trace: part of every drawing's key
        self.quiz_on = quiz
        self.answers: dict[tuple[int, str], Answer] = {}
        self.score: Score | None = None  # the quiz's, once every question is answered
        self.best_before = quiz_best  # the best score of the quizzes before this one
        self.set_reactive(LessonScreen.step, max(0, min(step, len(lesson.steps) - 1)))
        self.race: MapSession | None = None  # the map on show, as the learner drives it
        self._playing: Timer | None = None

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(id="lesson-title")
            yield Static(id="progress")
        if any(step.map for step in self.lesson.steps):
            yield LandscapeMap(id="figure")
        elif self.lesson.diagram or any(step.chart for step in self.lesson.steps):
            yield Drawing(id="figure")
        with Horizontal(id="body"):
            with Vertical(id="story"):
                # The text scrolls only on a terminal too small for it (see tutor.tcss).
                with VerticalScroll(id="story-text"):
                    yield Drawing(id="step-text")
                yield QuizPrompt(id="quiz")
                # New values are at the end of both lists: they open scrolled to the end,
                # or, for equations taller than the panel, with the first new one on top.
                yield ScrollingDrawing(id="equations", follow_end=True)
            yield ScrollingDrawing(id="values", follow_end=True)
            yield InputsPanel(self.lesson, self.values, id="inputs")
            yield TorchPanel(id="torch")
        yield Footer()
        yield ScreenNotice(id="lesson-notice")  # "that was the last step", and the like

    def on_mount(self) -> None:
        self.query_one("#equations").border_title = "Equations"
        self.query_one("#values").border_title = "Values"
        for hidden in ("#inputs", "#torch", "#quiz"):
            self.query_one(hidden).display = False
        self.show_step()
        if self.watch_file:
            self.set_interval(WATCH_INTERVAL_S, self._check_file)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Typing in a field (inputs, a quiz answer) keeps ←/→/Home/End for the cursor, and
        # a map the learner drives keeps them for moving its start.
        focused = self.focused
        driving = isinstance(focused, LandscapeMap) and focused.can_drive
        return not (action in NAVIGATION and (isinstance(focused, Input) or driving))

    def _computed(self, values: Mapping[str, InputValue]) -> Trace:
        """The lesson's trace with `values`: the baseline itself when they change nothing
        (one computation fewer on opening a lesson; the training step's takes ~10 ms)."""
        return self.lesson.compute(values) if values else self.baseline

    # --- showing a step -----------------------------------------------------------------

    def watch_step(self) -> None:
        self._stop_playing()
        self.show_step()

    def show_step(self) -> None:
        lesson, trace, index = self.lesson, self.trace, self.step
        step = lesson.steps[index]
        asking = self._pending_question()
        revealed, new = self._shown(index, asking)
        # The title bar's two parts keep their widths (the title takes what the progress
        # leaves), unless the progress text changes length: no layout of the screen.
        self.query_one("#lesson-title", Static).update(
            Text.assemble(
                (visible(lesson.title, one_line=True), "bold"),
                ("  ·  ", "dim"),
                visible(step.heading(trace), one_line=True),
            ),
            layout=False,
        )
        progress = self.query_one("#progress", Static)
        text = self._progress_text(index)
        progress.update(text, layout=len(text) != len(str(progress.content)))
        self.post_message(StepShown(lesson.id, index, len(lesson.steps)))
        if step.map is None:
            self.race = None
        elif self.race is None or self.race.surface != step.map:
            self.race = MapSession(step.map)
        for figure in self.query(LandscapeMap):
            figure.can_drive = step.map is not None
            if step.map is None and figure.has_focus:
                self.set_focus(None)
        panels = self._panels(index, revealed, new)
        race = self.race
        key = panels["equations"][1]
        opened = isinstance(key, tuple) and key[0] == "opened"
        self.query_one("#equations").border_title = (
            f"{NAMES[race.optimizer]}'s step {race.shown}, opened up"
            if opened and race is not None
            else "Equations"
        )
        for panel_id, (draw, key) in panels.items():
            self._panel(panel_id).show(draw, key)
        story = self.query_one("#story-text", VerticalScroll)
        if story.scroll_y:  # a new text is read from its start
            story.scroll_to(y=0, animate=False, immediate=True)
        self._show_quiz(step, asking, revealed)
        torch_panel = self.query_one(TorchPanel)
        if torch_panel.display:
            torch_panel.show_step(revealed, self.trace)
        if index + 1 < len(lesson.steps):
            self._draw_ahead(index + 1)

    def _panel(self, panel_id: str) -> Drawing | ScrollingDrawing:
        panel = self.query_one(f"#{panel_id}")
        assert isinstance(panel, Drawing | ScrollingDrawing)
        return panel

    def _shown(self, index: int, asking: str | None) -> tuple[list[str], list[str]]:
        """The names on show at step `index` (in order, the newest last) and those the step
        reveals; while a quiz question is `asking`, what would give its answer away waits."""
        lesson, trace = self.lesson, self.trace
        new = lesson.reveals(index, trace)
        if asking is None:
            return lesson.revealed_through(index, trace), new
        # Show what this step reveals before the asked value, hold back the rest until the
        # prediction is in (the asked value, and anything that would give it away).
        new = new[: new.index(asking)] if asking in new else []
        earlier = lesson.revealed_through(index - 1, trace) if index else []
        return [name for name in earlier if name not in new] + new, new

    def _panels(
        self, index: int, revealed: list[str], new: list[str]
    ) -> dict[str, tuple[Draw, Hashable]]:
        """What each panel shows at step `index`, by panel id: a drawing, and the key it is
        kept under, made of everything the drawing depends on."""
        lesson, trace, baseline = self.lesson, self.trace, self.baseline
        step = lesson.steps[index]
        shown = (self._version, tuple(revealed), tuple(new))
        story = visible(step.body(trace))
        offers = lesson.experiments_at(index)
        inputs = list(lesson.defaults) if self._values_with_inputs() else []
        panels: dict[str, tuple[Draw, Hashable]] = {
            "step-text": (
                lambda width: step_text(story, offers),
                ("text", self._version, index),
            ),
            "equations": (
                lambda width: (
                    self._equations(revealed, new, width)
                    if revealed
                    else Text("Nothing computed yet: press → to begin.", style="dim")
                ),
                ("equations", *shown),
            ),
            "values": (
                lambda width: values_table(trace, inputs, revealed, new, baseline),
                ("values", *shown, tuple(inputs)),
            ),
        }
        # The figure above the text: the lesson's diagram, or else the step's map or chart.
        diagram, all_names = lesson.diagram, self.all_names
        race = self.race if step.map is not None and index == self.step else None
        if step.map is not None:
            text = self._panel("step-text").prepare(*panels["step-text"])
            height = self._chart_height(None if text is None else len(text), MAP_FLOOR)
            at = race.at() if race is not None else None
            surface = step.map
            panels["figure"] = (
                lambda width: race_map(trace, surface, width, height, at),
                ("map", self._version, index, height, None if at is None else tuple(at.items())),
            )
            opened = race.opened(self._full_values()) if race is not None else None
            if race is not None and opened is not None:
                panels["equations"] = (
                    lambda width: equations(opened, list(opened), (), width),
                    ("opened", self._version, race.shown, race.optimizer),
                )
        elif diagram:
            panels["figure"] = (
                lambda width: draw_diagram(diagram, trace, revealed, new, all_names, width),
                ("diagram", *shown),
            )
        elif step.chart:
            series = [trace.series[name] for name in step.chart if name in trace.series]
            text = self._panel("step-text").prepare(*panels["step-text"])
            height = self._chart_height(None if text is None else len(text))
            panels["figure"] = (
                lambda width: render_chart(series, width, height, log_y=step.chart_log),
                ("chart", self._version, index, height),
            )
        elif self.query("#figure"):
            # No chart on this step: an empty figure takes no room. (Hidden instead, it
            # would have no width to draw the next step's chart ahead at.)
            panels["figure"] = (lambda width: "", ("no chart",))
        return panels

    def _full_values(self) -> dict[str, InputValue]:
        return {**self.lesson.computation.defaults(), **self.lesson.defaults, **self.values}

    # --- driving a map ------------------------------------------------------------------

    def action_drive(self) -> None:
        figures = self.query(LandscapeMap)
        figure = figures.first() if figures else None
        if figure is None or not figure.can_drive:
            self.say("This step has no map to drive.")
            return
        if figure.has_focus:
            self._leave_map()
            return
        if not self._may_drive():
            return
        self.set_focus(figure)  # at once: the next key pressed is the map's
        self.say(
            "Driving the map: ←↑↓→ or a click move the start, space steps, p plays, "
            "o picks whose step opens, m hands the keys back."
        )

    def _may_drive(self) -> bool:
        """Whether the map may be driven now: not while a quiz question waits, since
        stepping the race would open the asked value (a notice says so)."""
        if self._pending_question() is None:
            return True
        self.say("Predict the asked value first: the map would give it away.")
        answers = self.query("#quiz Input")
        if answers:
            self.set_focus(answers.first())  # back to where the prediction is typed
        return False

    def _leave_map(self) -> None:
        self._stop_playing()
        self.set_focus(None)
        self.say("The keys are the lesson's again (m drives the map).")

    def on_landscape_map_moved(self, message: LandscapeMap.Moved) -> None:
        figure, race = self.query_one(LandscapeMap), self.race
        if race is None or not self._may_drive():
            return
        width, height = figure.map_size
        self._move_start(race.moved(self._full_values(), message.across, message.up, width, height))

    def on_landscape_map_placed(self, message: LandscapeMap.Placed) -> None:
        figure, race = self.query_one(LandscapeMap), self.race
        if race is None or not self._may_drive():
            return
        self.set_focus(figure)
        width, height = figure.map_size
        start = race.placed(message.column, message.row, width, height)
        if start is not None:
            self._move_start(start)

    def _move_start(self, start: dict[str, float]) -> None:
        missing = [name for name in start if name not in self.lesson.defaults]
        if missing:  # a lesson file that does not offer this map's start as inputs
            self.say(
                f"This lesson keeps the start fixed: its inputs leave out {', '.join(missing)}."
            )
            return
        values = {**self.values, **start}
        changed = {k: v for k, v in values.items() if v != self.lesson.defaults.get(k)}
        self._recompute(changed)
        self.query_one(InputsPanel).show_values(start)

    def on_landscape_map_asked(self, message: LandscapeMap.Asked) -> None:
        race = self.race
        if race is None:
            return
        what = message.what
        if what == "leave":
            self._leave_map()
            return
        if not self._may_drive():
            return
        if what == "play":
            if self._playing is not None:
                self._stop_playing()
                return
            if race.shown is None or race.shown >= race.longest(self.trace):
                race.shown = 0
            self._playing = self.set_interval(PLAY_INTERVAL_S, self._play_step)
        elif what == "forward":
            self._stop_playing()
            if not race.forward(self.trace):
                self.say("That is the end of the race: [ steps back, Home shows it whole.")
        elif what == "back":
            self._stop_playing()
            if not race.back(self.trace):
                self.say("That is the start of the race: space steps forward.")
        elif what == "optimizer":
            self.say(f"Opening {NAMES[race.next_optimizer()]}'s steps.")
        elif what == "whole":
            self._stop_playing()
            race.shown = None
        self.show_step()

    def _play_step(self) -> None:
        race = self.race
        if race is None or not race.forward(self.trace, race.play_stride(self.trace)):
            self._stop_playing()
        self.show_step()

    def _stop_playing(self) -> None:
        if self._playing is not None:
            self._playing.stop()
            self._playing = None

    def _equations(self, revealed: list[str], new: list[str], width: int) -> Anchored:
        """The equations of `revealed`, anchored at the first of those the step reveals
        (`new`, the last ones): the panel opens there."""
        fresh = set(new)
        first = next((i for i, name in enumerate(revealed) if name in fresh), len(revealed))
        trace, baseline = self.trace, self.baseline
        return Anchored(
            equations(trace, revealed[:first], new, width, baseline),
            equations(trace, revealed[first:], new, width, baseline),
        )

    def _values_with_inputs(self) -> bool:
        return self.app.size.height >= VALUES_WITH_INPUTS_MIN_HEIGHT

    def _progress_text(self, index: int) -> str:
        text = f"step {index + 1} of {len(self.lesson.steps)}"
        if self.lesson.experiments_at(index):
            text = f"l lab · {text}"
        if self.quiz_on:
            right = sum(answer.right for answer in self.answers.values())
            score = f"quiz {right}/{len(self.answers)} right" if self.answers else "quiz mode"
            text = f"{score} · {text}"
        return text

    def _chart_height(self, text_lines: int | None, floor: int = CHART_FLOOR) -> int:
        """Lines for a step's chart or map: half the screen, but fewer (down to `floor`)
        when the step's text, `text_lines` long, would not fit under it otherwise."""
        height = max(CHART_MIN_HEIGHT, self.app.size.height // 2 - 2)
        if text_lines is not None:
            room = self.app.size.height - CHROME - text_lines - EQUATIONS_ROOM
            height = max(floor, min(height, room))
        return height

    def on_resize(self) -> None:
        # A chart's height depends on the screen's and on the text's (the width): drawn
        # again, and the values, which list the inputs on a tall screen only. The rest of
        # the step redraws itself at its new width.
        panels = self._panels(self.step, *self._shown(self.step, self._pending_question()))
        for panel_id in ("figure", "values"):
            if panel_id in panels:
                self._panel(panel_id).show(*panels[panel_id])

    @work(exclusive=True, group="draw-ahead", exit_on_error=False)
    async def _draw_ahead(self, index: int) -> None:
        """Draw step `index`'s panels while the learner reads the step before, so that →
        shows it at once. It starts once this step is on screen, and yields after each
        panel: a key pressed meanwhile waits for one panel's drawing at most, and the next
        step shown cancels it (exclusive)."""
        await asyncio.sleep(AHEAD_DELAY_S)
        drawings = self._panels(index, *self._shown(index, self._pending_question(index)))
        for panel_id, (draw, key) in drawings.items():
            self._panel(panel_id).prepare(draw, key)
            await asyncio.sleep(0)

    def action_scroll_equations(self, how: str) -> None:
        """↑ ↓ PgUp PgDn scroll the equations, where a step's values are worked out,
        unless Tab gave another panel the focus."""
        panel = self.query_one("#equations")
        scroll = {
            "up": panel.scroll_up,
            "down": panel.scroll_down,
            "page_up": panel.scroll_page_up,
            "page_down": panel.scroll_page_down,
        }.get(how)
        if scroll is not None:
            scroll(animate=False)

    # --- quiz mode ----------------------------------------------------------------------

    def _questions(self, index: int) -> list[str]:
        return [name for name in self.lesson.steps[index].quiz if name in self.trace]

    def _pending_question(self, index: int | None = None) -> str | None:
        """The first question of step `index` (default: the step on show) not answered."""
        if not self.quiz_on:
            return None
        index = self.step if index is None else index
        return next((n for n in self._questions(index) if (index, n) not in self.answers), None)

    def _show_quiz(self, step: Step, asking: str | None, revealed: list[str]) -> None:
        prompt = self.query_one(QuizPrompt)
        answered = [
            self.answers[(self.step, n)]
            for n in self._questions(self.step)
            if (self.step, n) in self.answers
        ]
        # Once the quiz has ended, its score stays on show, on every step.
        score = self.score
        prompt.display = self.quiz_on and (
            asking is not None or bool(answered) or score is not None
        )
        if not prompt.display:
            return
        prompt.show_score(None if score is None else score_line(score, self.best_before))
        if asking is not None:
            quantity = self.trace[asking]
            known = ", ".join(
                f"{self.trace[n].symbol} = {fmt(self.trace[n].value)}" for n in revealed[-4:]
            )
            prompt.ask(quantity, f"known: {known}" if known else "")
        else:
            prompt.show_results([verdict(a, self.trace[a.name].symbol) for a in answered])

    def on_quiz_prompt_guessed(self, message: QuizPrompt.Guessed) -> None:
        prompt = self.query_one(QuizPrompt)
        try:
            guess = parse_guess(message.text)
        except ValueError as problem:
            prompt.complain(str(problem))  # not counted: try again
            return
        answer = Answer(message.name, guess, self.trace.value(message.name))
        self.answers[(self.step, message.name)] = answer
        self._maybe_score()
        self.show_step()  # the next question, or the reveal (and the score, the quiz done)

    def _maybe_score(self) -> None:
        asked = [(i, n) for i in range(len(self.lesson.steps)) for n in self._questions(i)]
        if self.scored or not asked or any(key not in self.answers for key in asked):
            return
        right = sum(self.answers[key].right for key in asked)
        self.score = Score(right, len(asked))
        self.post_message(QuizScored(self.lesson.id, right, len(asked)))

    @property
    def scored(self) -> bool:
        """Every question of the quiz is answered: it has a score."""
        return self.score is not None

    def _restart_quiz(self) -> None:
        """A new quiz (k, or the lesson reloaded): no answers, and the last quiz's score
        counts among the earlier ones."""
        score, best = self.score, self.best_before
        if score is not None and (best is None or score.beats(best)):
            self.best_before = score
        self.score = None
        self.answers.clear()

    def action_quiz(self) -> None:
        self.quiz_on = not self.quiz_on
        if self.quiz_on:
            self._restart_quiz()
            self.say("Quiz mode: predict each asked value before it is revealed.")
        else:
            self.set_focus(None)
        self.show_step()

    # --- what-if inputs -----------------------------------------------------------------

    def action_edit(self) -> None:
        panel = self.query_one(InputsPanel)
        panel.display = not panel.display
        self.query_one("#values").display = not panel.display
        if panel.display:
            self.query_one(TorchPanel).display = False
            panel.query(Input).first().focus()
        else:
            self.set_focus(None)

    def action_reset(self) -> None:
        self.query_one(InputsPanel).reset()
        self._recompute({})

    def on_inputs_panel_changed(self, message: InputsPanel.Changed) -> None:
        changed = {k: v for k, v in message.values.items() if v != self.lesson.defaults.get(k)}
        self._recompute(changed)

    def _recompute(self, values: dict[str, InputValue]) -> None:
        if values == self.values:
            return
        self.values = values
        self.trace = self._computed(values)
        self._version += 1
        self.all_names = self.lesson.all_reveals(self.trace)
        self.show_step()
        torch_panel = self.query_one(TorchPanel)
        if torch_panel.display:
            self._run_torch()

    # --- PyTorch view -------------------------------------------------------------------

    def action_torch(self) -> None:
        panel = self.query_one(TorchPanel)
        panel.display = not panel.display
        if panel.display:
            self.query_one(InputsPanel).display = False
            self.query_one("#values").display = False
            self._run_torch()
        else:
            self.query_one("#values").display = True

    def _run_torch(self) -> None:
        panel = self.query_one(TorchPanel)
        panel.loading_state()
        self._torch_worker(self.lesson.computation.name, dict(self.values), self.trace)

    @work(thread=True, exclusive=True, group="pytorch", exit_on_error=False)
    def _torch_worker(self, computation: str, values: dict[str, InputValue], trace: Any) -> None:
        try:
            from llmtutor.pytorch import run_view  # imports torch: seconds, the first time

            full = {**self.lesson.computation.defaults(), **self.lesson.defaults, **values}
            result = run_view(computation, full, trace)
        except Exception as error:  # no torch here, or no view: say so, don't crash
            self.app.call_from_thread(self.query_one(TorchPanel).failed, str(error))
            return
        self.app.call_from_thread(self._torch_done, result, trace)

    def _torch_done(self, result: Any, trace: Any) -> None:
        if trace is not self.trace:
            return  # inputs changed meanwhile; a newer run is on its way
        panel = self.query_one(TorchPanel)
        panel.set_result(result)
        if panel.display:
            panel.show_step(self.lesson.revealed_through(self.step, self.trace), self.trace)

    # --- moving and leaving -------------------------------------------------------------

    def action_next(self) -> None:
        if self._pending_question() is not None:
            self.say("Type your prediction and press Enter (k leaves quiz mode).")
        elif self.step < len(self.lesson.steps) - 1:
            self.step += 1
        else:
            self.say(self._last_step_notice())

    def _last_step_notice(self) -> str:
        exercise = self._exercise()
        if exercise is None:
            return "That was the last step. Press q to go back to the lessons."
        title = visible(exercise.title, one_line=True)
        return f"That was the last step. Press x to write it yourself: {title}; q goes back."

    def _exercise(self) -> Exercise | None:
        app: TutorApp = self.app  # type: ignore[assignment]
        return app.exercise_for(self.lesson.id)

    def action_exercise(self) -> None:
        if self._exercise() is None:
            self.say("This lesson has no exercise.")
            return
        app: TutorApp = self.app  # type: ignore[assignment]
        app.open_exercise_for(self.lesson.id)

    def action_experiment(self) -> None:
        """The experiment the step names, else the lesson's only one; a choice where there
        are several."""
        named = self.lesson.experiments_at(self.step)
        offered = named or self.lesson.all_experiments()
        app: TutorApp = self.app  # type: ignore[assignment]
        if len(offered) == 1:
            app.open_experiment(offered[0])
        elif offered:
            from llmtutor.app.experiment_choice import ExperimentChoice

            def chosen(experiment: Experiment | None) -> None:
                if experiment is not None:
                    app.open_experiment(experiment)

            self.app.push_screen(ExperimentChoice(offered), chosen)
        else:
            self.say("This lesson has no experiment.")

    def say(self, message: str, timeout: float = NOTICE_TIMEOUT_S, error: bool = False) -> None:
        """A notice about this lesson, shown on this screen only: it does not follow the
        learner to the next one, as the app's notifications would."""
        self.query_one(ScreenNotice).say(message, timeout, error)

    def action_previous(self) -> None:
        if self.step > 0:
            self.step -= 1

    def action_first(self) -> None:
        self.step = 0

    def action_last(self) -> None:
        self.step = len(self.lesson.steps) - 1

    def action_close(self) -> None:
        if isinstance(self.focused, Input) and self.query_one(InputsPanel).display:
            self.set_focus(None)  # Escape leaves the fields; the lesson's keys work again
            return
        for panel in (self.query_one(InputsPanel), self.query_one(TorchPanel)):
            if panel.display:  # Escape first closes an open panel
                panel.display = False
                self.query_one("#values").display = True
                self.set_focus(None)
                return
        self.dismiss()

    def _check_file(self) -> None:
        """--watch: reload the lesson when its file changes; a broken version is reported
        and the last good one stays on screen."""
        stamp = _stamp(self.lesson.path)
        if stamp == self._file_stamp:
            return
        self._file_stamp = stamp
        try:
            lesson = load_lesson(self.lesson.path)
        except LessonFileError as error:
            first = error.problems[0]
            more = f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
            self.say(
                f"{visible(str(first), one_line=True)}{more}. Showing the last good version.",
                timeout=10,
                error=True,
            )
            return
        if not isinstance(lesson, Lesson):
            self.say("The file is no longer a step-by-step lesson.", timeout=10, error=True)
            return
        self.replace_lesson(lesson)
        self.say("Lesson reloaded.", timeout=2)

    def replace_lesson(self, lesson: Lesson) -> None:
        """Show a new version of the lesson (its file changed), staying on the same step."""
        self.lesson = lesson
        self.baseline = lesson.compute()
        problem = lesson.computation.validate({**lesson.defaults, **self.values})
        if problem or any(name not in lesson.defaults for name in self.values):
            self.values = {}
        # The fields show the values computed with, not the new defaults under them.
        self.query_one(InputsPanel).show_lesson(lesson, self.values)
        self.trace = self._computed(self.values)
        self._version += 1
        self.all_names = lesson.all_reveals(self.trace)
        self._restart_quiz()
        self.set_reactive(LessonScreen.step, min(self.step, len(lesson.steps) - 1))
        self.show_step()
