"""qualcode browse through Textual's pilot, and one real run under a pseudo-terminal."""

from __future__ import annotations

import asyncio
import os
import re
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from coding_fixture import make_project

from qualcode.project import Project

pytest.importorskip("textual")

from qualcode.tui.app import BrowserApp, Reader, TranscriptList  # noqa: E402

EXE = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or shutil.which("qualcode")
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
PILOT_TIMEOUT = 60  # seconds for one pilot test; Textual runs in-process


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    folder = make_project(tmp_path)
    with Project.open(folder) as p:
        assert p.suggest().new >= 1
    return folder


def run(coro: object) -> None:
    asyncio.run(asyncio.wait_for(coro, PILOT_TIMEOUT))  # type: ignore[arg-type]


def test_the_list_shows_progress_and_enter_opens_a_transcript(proj: Path) -> None:
    async def go() -> None:
        with Project.open(proj) as p:
            p.tag("LV-A", ["low-pay"], turns="2")
            app = BrowserApp(p)
            async with app.run_test(size=(120, 40)) as pilot:
                screen = app.screen
                assert isinstance(screen, TranscriptList)
                from textual.widgets import DataTable

                table = screen.query_one(DataTable)
                assert table.row_count == 2
                assert (
                    table.get_row_at(0)[4] == "1/3 (33%)" and "town=Talsi" in table.get_row_at(0)[2]
                )
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, Reader) and app.screen.transcript == "LV-A"
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, TranscriptList)

    run(go())


def test_tagging_with_the_picker_untag_and_undo_from_the_cli(proj: Path) -> None:
    async def go() -> None:
        with Project.open(proj) as p:
            app = BrowserApp(p, "LV-B")
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                reader = app.screen
                assert isinstance(reader, Reader)
                await pilot.press("n")  # the first uncoded respondent turn: 2
                assert reader.current().turn.number == 2  # type: ignore[union-attr]
                await pilot.press("t")
                await pilot.pause()
                await pilot.press(*"lowpy")  # fuzzy: low-pay
                await pilot.pause()
                await pilot.press("enter")
                await pilot.pause()
                assert reader.current().codes == ["low-pay"]  # type: ignore[union-attr]
                assert [(g.code, g.turn_number, g.coder) for g in p.tags()] == [
                    ("low-pay", 2, "anna")
                ]
                await pilot.press("u")
                await pilot.pause()
                assert p.tags() == []
                await pilot.press("t", *"needs", "enter")
                await pilot.pause()
        with Project.open(proj) as p:
            assert [g.code for g in p.tags()] == ["needs-training"]
            p.undo()  # the browser's tag is an ordinary recorded command
            assert p.tags() == []

    run(go())


def test_suggestions_are_shown_and_accepted_filter_and_memo(proj: Path) -> None:
    async def go() -> None:
        with Project.open(proj) as p:
            app = BrowserApp(p, "LV-A")
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                reader = app.screen
                assert isinstance(reader, Reader)
                await pilot.press("s")
                state = reader.current()
                assert state is not None and state.suggestions
                code = state.suggestions[0].code
                await pilot.press("a")
                await pilot.pause()
                assert code in reader.current().codes  # type: ignore[union-attr]
                await pilot.press("f", *code, "enter")
                await pilot.pause()
                assert [s.turn.number for s in reader.states] == [state.turn.number]
                await pilot.press("m", *"Svarīga vieta", "enter")
                await pilot.pause()
                assert [m.text for m in p.memos()] == [f"Turn {state.turn.number}: Svarīga vieta"]
            assert p.suggestions(status="accepted")[0].code == code

    run(go())


@pytest.mark.skipif(EXE is None or sys.platform == "win32", reason="needs a POSIX terminal")
def test_browse_in_a_pseudo_terminal_opens_tags_and_quits(proj: Path) -> None:
    import pty

    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "QUALCODE_CODER": "tty",
        "COLUMNS": "120",
        "LINES": "40",
    }
    env.pop("QUALCODE_PROJECT", None)
    env.pop("NO_COLOR", None)
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a runner's worker may ignore it
        os.execve(str(EXE), [str(EXE), "--project", str(proj), "browse", "LV-B"], env)
    seen = ""
    deadline = time.monotonic() + 60  # a hard limit for the whole run

    def read_until(text: str | None) -> None:
        nonlocal seen
        while text is None or text not in ANSI.sub("", seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared in:\n{ANSI.sub('', seen)[-2000:]}")
            ready, _, _ = select.select([master], [], [], min(left, 1.0))  # never block past it
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has exited and closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", "replace")

    status: int | None = None
    try:
        read_until("Strādāju")
        time.sleep(0.5)
        os.write(master, b"n")
        time.sleep(0.3)
        os.write(master, b"t")
        read_until("type to filter")
        os.write(master, b"low-pay")
        time.sleep(0.5)
        os.write(master, b"\r")
        read_until("[low-pay]")
        os.write(master, b"q")
        read_until(None)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(master)
        if status is None:  # the child hung: end it, then fail
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, ANSI.sub("", seen)[-2000:]
    with Project.open(proj) as p:
        assert [(g.code, g.turn_number, g.coder) for g in p.tags()] == [("low-pay", 2, "tty")]
