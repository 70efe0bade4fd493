"""The review loop driven through stdin (CliRunner) and through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from helpers import write_codebook, write_transcript
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.project import Project

EXE = shutil.which("qualcode", path=str(Path(sys.executable).parent)) or shutil.which("qualcode")
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project with three pending suggestions (needs-training, low-pay, more-hours)."""
    src = tmp_path / "src"
    src.mkdir()
    write_transcript(
        src,
        "a.txt",
        [
            ("I", "Kas vajadzīgs?"),
            ("R", "Viņai vajag mācību kursus."),
            ("I", "Un alga?"),
            ("R", "Alga ir maza."),
            ("I", "Vēl?"),
            ("R", "Darba stundu ir par maz."),
        ],
    )
    with Project.init(tmp_path / "proj") as p:
        p.load_codebook(write_codebook(src))
        p.import_paths([src / "a.txt"])
        assert p.suggest().new == 3
    return tmp_path / "proj"


def review(runner: CliRunner, proj: Path, keys: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"QUALCODE_CODER": "anna", "NO_COLOR": "1"}
    return runner.invoke(app, ["--project", str(proj), "review", *args], input=keys, env=env)


def statuses(proj: Path) -> dict[str, str]:
    with Project.open(proj) as p:
        return {s.code: s.status for s in p.suggestions(status=None)}


def test_keys_from_stdin_decide_and_are_saved_at_once(proj: Path, runner: CliRunner) -> None:
    result = review(runner, proj, "a\nr\nq\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[1/3] a turn 2" in out and "Viņai vajag mācību kursus." in out
    assert "matched: mācības (mācību), kursi (kursus)" in out
    assert "paused: 1 accepted, 1 rejected" in out and "1 left to review" in out
    assert statuses(proj) == {
        "needs-training": "accepted",
        "low-pay": "rejected",
        "more-hours": "pending",
    }
    with Project.open(proj) as p:
        (tag,) = p.tags()
    assert (tag.code, tag.origin, tag.coder) == ("needs-training", "suggested", "anna")


def test_review_resumes_where_it_stopped(proj: Path, runner: CliRunner) -> None:
    review(runner, proj, "s\nq\n")  # skipped ones come back after the pending ones
    result = review(runner, proj, "q\n")
    assert "[1/3] a turn 4  low-pay" in result.stdout
    assert "(skipped before)" not in result.stdout
    review(runner, proj, "a\na\nq\n")
    result = review(runner, proj, "r\n")
    assert "[1/1] a turn 2  needs-training" in result.stdout and "(skipped before)" in result.stdout
    assert "done: 0 accepted, 1 rejected" in result.stdout


def test_undo_and_accept_as_another_code(proj: Path, runner: CliRunner) -> None:
    result = review(runner, proj, "a\nu\ne\nno-such-code\nlow-pay\nq\n")
    assert result.exit_code == 0, result.output
    assert "undone: a turn 2 needs-training is pending again" in result.stdout
    assert "no code named 'no-such-code'" in result.stdout
    assert "accepted as low-pay" in result.stdout
    with Project.open(proj) as p:
        assert [(t.code, t.turn_number) for t in p.tags()] == [("low-pay", 2)]


def test_end_of_input_and_an_empty_queue(proj: Path, runner: CliRunner) -> None:
    result = review(runner, proj, "a\n")  # input ends: stop, keeping the decision
    assert result.exit_code == 0 and "1 accepted" in result.stdout
    review(runner, proj, "", "--reject")
    result = review(runner, proj, "")
    assert result.exit_code == 0
    assert "No suggestions waiting for review" in result.stdout


@pytest.mark.skipif(EXE is None or sys.platform == "win32", reason="needs a POSIX terminal")
def test_review_in_a_pseudo_terminal_single_keys_and_ctrl_c(proj: Path) -> None:
    import pty

    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "QUALCODE_CODER": "tty", "COLUMNS": "120"}
    env.pop("QUALCODE_PROJECT", None)
    # pty.fork makes the terminal the child's controlling terminal, so Ctrl-C (a byte on
    # the terminal) becomes SIGINT for it, as for a person at a real terminal.
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        # A test runner's worker may ignore SIGINT, and an ignored signal stays ignored
        # across exec: give the child the default, as a shell gives a person's command.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(str(EXE), [str(EXE), "--project", str(proj), "review"], env)
    seen = ""

    def read_until(text: str | None, timeout: float = 30.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text is None or text not in ANSI.sub("", seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared in:\n{seen}")
            # select first, so the deadline fires even when the child prints nothing
            # (a bare os.read would block forever).
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child has exited and closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", "replace")

    status: int | None = None
    try:
        read_until("[1/3]")
        read_until("q=quit > ")
        os.write(master, b"a")  # one key press, no Enter
        read_until("[2/3]")
        read_until("q=quit > ")
        # Ctrl-C; sent again if the child is still there (a busy machine can be slow to
        # deliver it), never more than a few times
        for attempt in range(4):
            os.write(master, b"\x03")
            try:
                read_until(None, timeout=15.0)  # drain until the child exits
                break
            except AssertionError:
                if attempt == 3:
                    raise
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(master)
        if status is None:  # the child hung: end it, then fail
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 130, seen
    text = ANSI.sub("", seen)
    assert "accepted" in text and "stopped: 1 accepted" in text and "interrupted" in text
    assert statuses(proj)["needs-training"] == "accepted"  # kept after Ctrl-C
