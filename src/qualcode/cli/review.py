"""qualcode review: one suggestion at a time, decisions saved as they are made.

Keys: a accept, r reject, s skip, e accept as another code, u undo, q quit. On a terminal a
single key press is enough; from a pipe (tests, scripts) each decision is a line. Every
decision is committed at once, so quitting, Ctrl-C or a crash keeps all earlier ones and
the next `qualcode review` starts where this one stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import typer

from ..errors import NotFound, QualcodeError
from ..i18n import N_, _, ngettext
from .app import app
from .common import consoles, fail, handle_errors, open_project

if TYPE_CHECKING:
    from rich.console import Console

    from ..models import Suggestion
    from ..project import Project

# The keys stay a/r/s/e/u/q in every language; only the words beside them are translated.
KEYS = N_("a=accept  r=reject  s=skip  e=accept as another code  u=undo  q=quit")
# Decision and summary words shown through a variable.
WORDS = (N_("accepted"), N_("rejected"), N_("stopped"), N_("done"), N_("paused"))
MATCH_STYLE = "bold black on yellow"


class KeyReader:
    """Reads one decision key: a single key press on a terminal, else one line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        try:
            self.tty = stream.isatty()
            import termios  # noqa: F401  (POSIX only: elsewhere read lines)
        except (AttributeError, ValueError, ImportError):
            self.tty = False

    @contextmanager
    def _cbreak(self) -> Iterator[None]:
        import termios

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[3] &= ~(termios.ICANON | termios.ECHO)  # lflags: no line buffering, no echo
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        # TCSANOW, not TCSAFLUSH: keys typed ahead must not be thrown away.
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        try:
            yield  # ISIG stays on, so Ctrl-C still raises KeyboardInterrupt here
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    def key(self) -> str | None:
        """The next key (lowercased), '' for an empty line, None at end of input."""
        if self.tty:
            with self._cbreak():
                ch = self.stream.read(1)
            if ch in ("", "\x04"):  # end of input or Ctrl-D
                return None
            return ch.strip().lower()
        line = self.stream.readline()
        if not line:
            return None
        return line.strip()[:1].lower()

    def line(self) -> str | None:
        """A whole line (for a code name), None at end of input."""
        line = self.stream.readline()
        return line.strip() if line else None


def render(console: Console, s: Suggestion, position: int, total: int) -> None:
    """The suggestion's header and its turn with the matched words highlighted."""
    from rich.text import Text

    head = Text(f"[{position}/{total}] ", style="bold")
    head.append(
        _("{transcript} turn {turn}").format(transcript=s.transcript, turn=s.turn),
        style="bold cyan",
    )
    head.append(f"  {s.code}", style="bold magenta")
    if s.probability is not None:
        head.append("  " + _("probability {p:.2f}").format(p=s.probability))
    else:
        head.append("  " + _("score {score:.2f}").format(score=s.score))
    if s.status == "skipped":
        head.append("  " + _("(skipped before)"), style="dim")
    console.print(head, soft_wrap=True)
    body = Text(f"{s.speaker}: " if s.speaker else "", style="dim")
    offset = len(body)
    body.append(s.turn_text)
    if (s.start, s.end) != (s.turn_start, s.turn_start + len(s.turn_text)):
        body.stylize("underline", offset + s.start - s.turn_start, offset + s.end - s.turn_start)
    for m in s.matched:
        body.stylize(MATCH_STYLE, offset + m.start - s.turn_start, offset + m.end - s.turn_start)
    console.print(body)
    if s.why:
        console.print(Text(_("matched: {why}").format(why=s.why), style="dim"), soft_wrap=True)
    # The rule column holds the matched rules first, then the model's reasons.
    kinds = ("keyword:", "pattern:", "folded:", "context:")
    reasons = [r for r in (s.rule or "").split("; ") if r and not r.startswith(kinds)]
    if reasons:
        console.print(Text(_("why: ") + "; ".join(reasons), style="dim"), soft_wrap=True)


@dataclass
class Session:
    """One run of the review loop over a fixed queue."""

    project: Project
    queue: list[Suggestion]
    reader: KeyReader
    console: Console
    coder: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"accepted": 0, "rejected": 0, "skipped": 0, "undone": 0}
    )
    history: list[int] = field(default_factory=list)  # queue positions decided, in order

    def say(self, text: str, style: str | None = None) -> None:
        """One status line, never wrapped (scripts and tests read these)."""
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def prompt(self, text: str) -> None:
        """Print a prompt without a newline and flush it (a pipe would hold it back)."""
        self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        self.console.file.flush()

    def ask_code(self) -> str | None:
        """Ask for another code's name until it is a known code (None: cancelled)."""
        while True:
            self.prompt(_("accept as which code? (empty to cancel) "))
            name = self.reader.line()
            if not name:
                return None
            try:
                return self.project.code(name).name
            except NotFound as exc:
                self.say(str(exc), "red")

    def step(self, i: int) -> int | None:
        """Show queue[i], act on one key; the next position, or None to stop."""
        try:
            s = self.project.suggestion(self.queue[i].id)
        except NotFound:  # withdrawn by a `suggest` run meanwhile
            return i + 1
        if s.status in ("accepted", "rejected"):  # decided meanwhile (another coder)
            return i + 1
        self.console.print()
        render(self.console, s, i + 1, len(self.queue))
        while True:
            self.prompt(f"{_(KEYS)} > ")
            key = self.reader.key()
            if self.reader.tty and key is not None:
                self.console.print(key)
            if key is None or key == "q":
                return None
            action = {"a": "accept", "r": "reject", "s": "skip"}.get(key)
            as_code = None
            if key == "e":
                as_code = self.ask_code()
                if as_code is None:
                    continue
                action = "accept"
            if action is not None:
                return self.decide(i, s, action, as_code)
            if key == "u":
                return self.undo(i)
            if key:
                self.say(_("unknown key {key}").format(key=repr(key)), "red")

    def decide(self, i: int, s: Suggestion, action: str, as_code: str | None) -> int:
        """Save a decision at once and move on."""
        try:
            decision = self.project.decide(s.id, action, coder=self.coder, as_code=as_code)
        except QualcodeError as exc:  # e.g. decided meanwhile by another coder
            self.say(str(exc), "red")
            return i + 1
        self.counts[decision.status] += 1
        self.history.append(i)
        note = " " + _("as {code}").format(code=decision.code) if as_code else ""
        self.say(f"{_(decision.status)}{note}", "green")
        return i + 1

    def undo(self, i: int) -> int:
        """Undo this session's latest decision and show that suggestion again."""
        if not self.history:
            self.say(_("nothing to undo in this session"), "yellow")
            return i
        j = self.history.pop()
        before = self.project.undo_decision(self.queue[j].id)
        self.counts["undone"] += 1
        if before is None:
            return j
        self.say(
            _("undone: {transcript} turn {turn} {code} is pending again").format(
                transcript=before.transcript, turn=before.turn, code=before.code
            ),
            "yellow",
        )
        return j

    def run(self) -> None:
        """The loop; Ctrl-C stops it, keeping every decision already saved."""
        i = 0
        try:
            while i < len(self.queue):
                nxt = self.step(i)
                if nxt is None:
                    break
                i = nxt
        except KeyboardInterrupt:
            self.console.print()
            self.summary("stopped")
            raise
        self.summary("done" if i >= len(self.queue) else "paused")

    def summary(self, word: str) -> None:
        """What was decided; every decision is saved already."""
        c = self.counts
        left = len(self.project.suggestions(status=("pending", "skipped")))
        self.say(
            _(
                "{word}: {accepted} accepted, {rejected} rejected, {skipped} skipped, "
                "{undone} undone (all saved); {left} left to review"
            ).format(
                word=_(word),
                accepted=c["accepted"],
                rejected=c["rejected"],
                skipped=c["skipped"],
                undone=c["undone"],
                left=left,
            )
        )


@app.command()
@handle_errors
def review(
    ctx: typer.Context,
    code: str | None = typer.Option(None, "--code", "-c", help="Only this code (and children)."),
    transcript: str | None = typer.Option(None, "--transcript", "-t", help="Only this transcript."),
    min_score: float | None = typer.Option(None, "--min-score", help="Only scores >= this."),
    accept: bool = typer.Option(False, "--accept", help="Accept all that match, no questions."),
    reject: bool = typer.Option(False, "--reject", help="Reject all that match, no questions."),
    coder: str | None = typer.Option(None, "--coder", help="Coder name (default: $USER)."),
) -> None:
    """Review suggestions one at a time (a accept, r reject, s skip, e accept as another code,
    u undo, q quit), or decide in bulk with --accept/--reject. Resumable: decisions are saved
    as they are made.

    Example: qualcode review --accept --min-score 0.8 --code low-pay
    """
    if accept and reject:
        fail(_("give --accept or --reject, not both"), 2)
    out = consoles.out
    with open_project(ctx) as project:
        if accept or reject:
            done = project.decide_all(
                "accept" if accept else "reject",
                code=code,
                transcript=transcript,
                min_score=min_score,
                coder=coder,
            )
            out.print(
                (
                    ngettext("{n} suggestion accepted", "{n} suggestions accepted", len(done))
                    if accept
                    else ngettext("{n} suggestion rejected", "{n} suggestions rejected", len(done))
                ).format(n=len(done)),
                markup=False,
                soft_wrap=True,
            )
            return
        queue = project.review_queue(code=code, transcript=transcript, min_score=min_score)
        if not queue:
            out.print(
                _(
                    "No suggestions waiting for review. Run `qualcode suggest` to make some "
                    "(see `qualcode suggestions --status all` for decided ones)."
                ),
                markup=False,
                soft_wrap=True,
            )
            return
        out.print(
            ngettext(
                "{n} suggestion to review. {keys}", "{n} suggestions to review. {keys}", len(queue)
            ).format(n=len(queue), keys=_(KEYS)),
            markup=False,
            soft_wrap=True,
        )
        Session(project, queue, KeyReader(sys.stdin), out, coder).run()
