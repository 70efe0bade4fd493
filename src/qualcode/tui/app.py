"""The browse app: a transcript list, a turn-by-turn reader, a code picker and a memo box.

Every action calls the same Project methods as the CLI (tag, untag, decide, add_memo), so
the history records it and `qualcode undo` reverses it. Errors from the library are shown
as notifications; the app never writes SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, ListItem, ListView, OptionList, Static

from ..errors import QualcodeError
from ..models import RESPONDENT, Suggestion, TranscriptView, Turn
from ..textsafe import terminal_safe

if TYPE_CHECKING:
    from ..project import Project

PICKER_ROWS = 12  # codes shown in the picker at once


@dataclass
class TurnState:
    """What the reader shows of one turn."""

    turn: Turn
    codes: list[str]
    mine: list[str]  # codes tagged on the whole turn by this coder (what `u` can remove)
    suggestions: list[Suggestion]


def turn_label(state: TurnState) -> Text:
    """A turn as the reader shows it: number, speaker, role, text, codes, suggestions."""
    u = state.turn
    head = Text(f"{u.number:>3} {u.speaker}", style="bold" if u.role == RESPONDENT else "dim")
    if u.role != RESPONDENT:
        head.append(f" ({u.role})", style="dim")
    out = Text.assemble(head, "  ", Text(terminal_safe(" ".join(u.text.split()))))
    if state.codes:
        out.append("\n    ")
        out.append(" ".join(f"[{c}]" for c in state.codes), style="green")
    for s in state.suggestions:
        out.append("\n    ")
        out.append(f"? {s.code} ({s.why})  a=accept r=reject", style="yellow")
    return out


class CodePicker(ModalScreen[str | None]):
    """Type to narrow the codes (fuzzy); Enter picks the highlighted one, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, codes: list[str], title: str) -> None:
        super().__init__()
        self.codes = codes
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(self.title_text, id="picker-title")
            yield Input(placeholder="type to filter codes", id="picker-input")
            yield OptionList(*self.codes[:200], id="picker-list")

    def on_input_changed(self, event: Input.Changed) -> None:
        from textual.fuzzy import Matcher

        options = self.query_one(OptionList)
        options.clear_options()
        query = event.value.strip()
        if not query:
            options.add_options(self.codes[:200])
        else:
            matcher = Matcher(query)
            scored = [(matcher.match(c), c) for c in self.codes]
            options.add_options([c for score, c in sorted(scored, key=lambda x: -x[0]) if score])
        if options.option_count:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(str(options.get_option_at_index(options.highlighted).prompt))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.prompt))

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoBox(ModalScreen[str | None]):
    """One line of memo text; Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, about: str) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(f"Memo on {self.about} (Enter saves, Esc cancels)")
            yield Input(id="memo-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TranscriptList(Screen[None]):
    """Every transcript with its attributes and coding progress; Enter opens one."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="transcripts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Reload the table (progress changes as the user codes)."""
        app = self.app
        assert isinstance(app, BrowserApp)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("transcript", "respondent", "attributes", "turns", "coded", "tags")
        progress = app.progress()
        for t in app.project.transcripts():
            share = progress.get(t.name)
            attrs = ", ".join(f"{k}={v}" for k, v in sorted(t.attributes.items()))[:60]
            coded = f"{share.n}/{share.total} ({share.ratio:.0%})" if share else "–"
            table.add_row(
                t.name,
                t.respondent or "",
                terminal_safe(attrs),
                str(t.turn_count),
                coded,
                str(t.tag_count),
                key=t.name,
            )
        self.title = "qualcode browse"
        self.sub_title = f"{table.row_count} transcripts · Enter opens · q quits"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        app = self.app
        assert isinstance(app, BrowserApp)
        app.open_transcript(str(event.row_key.value))


class Reader(Screen[None]):
    """One transcript turn by turn; keys tag, untag, decide, note and jump."""

    BINDINGS = [
        Binding("t", "tag", "Tag"),
        Binding("u", "untag", "Untag"),
        Binding("a", "decide('accept')", "Accept"),
        Binding("r", "decide('reject')", "Reject"),
        Binding("m", "memo", "Memo"),
        Binding("n", "next_uncoded", "Next uncoded"),
        Binding("s", "next_suggestion", "Next suggestion"),
        Binding("f", "filter", "Filter"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.transcript = name
        self.states: list[TurnState] = []
        self.labels: list[Static] = []
        self.filter_code: str | None = None
        self.view: TranscriptView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="memos")
        yield ListView(id="turns")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    @property
    def browser(self) -> BrowserApp:
        app = self.app
        assert isinstance(app, BrowserApp)
        return app

    def reload(self, keep: int | None = None) -> None:
        """Read the transcript again and redraw (after every change)."""
        project = self.browser.project
        coder = project.default_coder()
        view = project.show(self.transcript)
        self.view = view
        pending: dict[int | None, list[Suggestion]] = {}
        for s in project.suggestions(transcript=view.transcript.name):
            pending.setdefault(s.turn, []).append(s)
        wanted = None
        if self.filter_code:
            wanted = {c.name for c in project.descendants(project.code(self.filter_code))}
        before = self.states
        self.states = []
        for u in view.turns:
            tags = [g for g in view.tags if g.turn_number == u.number]
            codes = sorted({g.code for g in tags})
            if wanted is not None and not wanted & set(codes):
                continue
            mine = sorted(
                {g.code for g in tags if g.coder == coder and (g.start, g.end) == (u.start, u.end)}
            )
            self.states.append(TurnState(u, codes, mine, pending.get(u.number, [])))
        lv = self.query_one(ListView)
        same = [s.turn.id for s in before] == [s.turn.id for s in self.states]
        if same and self.labels:
            # Only the turns whose codes or suggestions changed are redrawn: rebuilding
            # every item of a long transcript takes about a second.
            for i, (old, new) in enumerate(zip(before, self.states, strict=True)):
                if (old.codes, old.suggestions) != (new.codes, new.suggestions):
                    self.labels[i].update(turn_label(new))
        else:
            index = keep if keep is not None else lv.index
            lv.clear()
            self.labels = [Static(turn_label(s)) for s in self.states]
            lv.extend(ListItem(label) for label in self.labels)
            if self.states:
                lv.index = min(index or 0, len(self.states) - 1)
        t = view.transcript
        attrs = ", ".join(f"{k}={v}" for k, v in sorted(t.attributes.items()))
        self.title = f"{t.name} · {t.respondent or ''} {attrs}"
        shown = f" · filter: {self.filter_code}" if self.filter_code else ""
        self.sub_title = f"{len(self.states)} turns{shown}"
        memos = project.memos(kind="transcript", name=t.name)
        self.query_one("#memos", Static).update(
            Text("\n".join(f"memo: {terminal_safe(m.text)}" for m in memos[-3:]), style="italic")
        )

    def current(self) -> TurnState | None:
        """The highlighted turn."""
        index = self.query_one(ListView).index
        return self.states[index] if index is not None and index < len(self.states) else None

    def _run(self, what: str, call: Any) -> None:
        """Call the library, report the outcome, redraw."""
        try:
            message = call()
        except QualcodeError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if message:
            self.notify(message)
        self.reload()
        self.browser.changed = True

    def action_tag(self) -> None:
        state = self.current()
        if state is None:
            return
        codes = [c.name for c in self.browser.project.codes()]

        def done(code: str | None) -> None:
            if code:
                self._run(
                    "tag",
                    lambda: _summary(
                        self.browser.project.tag(
                            self.transcript, [code], turns=str(state.turn.number)
                        )
                    ),
                )

        self.app.push_screen(CodePicker(codes, f"Tag turn {state.turn.number} with"), done)

    def action_untag(self) -> None:
        state = self.current()
        if state is None or not state.mine:
            self.notify("no tag of yours on this whole turn", severity="warning")
            return

        def done(code: str | None) -> None:
            if code:
                self._run(
                    "untag",
                    lambda: _summary(
                        self.browser.project.untag(
                            self.transcript, [code], turns=str(state.turn.number)
                        )
                    ),
                )

        if len(state.mine) == 1:
            done(state.mine[0])
        else:
            self.app.push_screen(CodePicker(state.mine, "Remove which code?"), done)

    def action_decide(self, action: str) -> None:
        state = self.current()
        if state is None or not state.suggestions:
            self.notify("no suggestion on this turn; press s for the next", severity="warning")
            return
        s = state.suggestions[0]
        self._run(action, lambda: _decided(self.browser.project.decide(s.id, action), state.turn))

    def action_memo(self) -> None:
        state = self.current()
        about = f"{self.transcript}" + (f" (turn {state.turn.number})" if state else "")

        def done(text: str | None) -> None:
            if text and text.strip():
                body = f"Turn {state.turn.number}: {text.strip()}" if state else text
                self._run(
                    "memo",
                    lambda: "memo {} saved".format(
                        self.browser.project.add_memo(
                            body, kind="transcript", name=self.transcript
                        ).id
                    ),
                )

        self.app.push_screen(MemoBox(about), done)

    def _jump(self, test: Any, what: str) -> None:
        lv = self.query_one(ListView)
        start = (lv.index or 0) + 1
        order = list(range(start, len(self.states))) + list(range(0, start))
        for i in order:
            if test(self.states[i]):
                lv.index = i
                return
        self.notify(f"no {what} in this transcript")

    def action_next_uncoded(self) -> None:
        self._jump(lambda s: s.turn.role == RESPONDENT and not s.codes, "uncoded respondent turn")

    def action_next_suggestion(self) -> None:
        self._jump(lambda s: bool(s.suggestions), "pending suggestion")

    def action_filter(self) -> None:
        codes = ["(all turns)", *(c.name for c in self.browser.project.codes())]

        def done(code: str | None) -> None:
            if code is None:
                return
            self.filter_code = None if code == "(all turns)" else code
            self.reload(keep=0)

        self.app.push_screen(CodePicker(codes, "Show only turns tagged with"), done)

    def action_back(self) -> None:
        self.app.pop_screen()
        if self.browser.changed:
            for screen in self.app.screen_stack:
                if isinstance(screen, TranscriptList):
                    screen.refresh_rows()
            self.browser.changed = False


def _summary(changes: list[Any]) -> str:
    done = [c for c in changes if c.done]
    if not done:
        return "; ".join(c.note for c in changes if c.note) or "nothing changed"
    c = done[0]
    verb = "untagged" if not c.text else "tagged"
    return f"{verb} turn {c.turn} {', '.join(d.code for d in done)}"


def _decided(decision: Any, turn: Turn) -> str:
    return f"{decision.status} {decision.code or ''} on turn {turn.number}".strip()


class BrowserApp(App[None]):
    """qualcode browse."""

    CSS = """
    #picker { width: 70; height: auto; max-height: 24; border: round $accent;
              background: $surface; padding: 0 1; }
    CodePicker, MemoBox { align: center middle; }
    #picker-list { height: auto; max-height: 14; }
    #memos { height: auto; max-height: 3; color: $text-muted; }
    ListItem { padding: 0 1; }
    """
    TITLE = "qualcode browse"

    def __init__(self, project: Project, transcript: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.start = transcript
        self.changed = False

    def on_mount(self) -> None:
        self.push_screen(TranscriptList())
        if self.start:
            self.open_transcript(self.project.transcript(self.start).name)

    def progress(self) -> dict[str, Any]:
        """Transcript name -> share of respondent turns coded."""
        return {r.name: r.turns for r in self.project.coverage().rows}

    def open_transcript(self, name: str) -> None:
        """Show one transcript in the reader."""
        self.push_screen(Reader(name))
