"""qualcode memo add|list|show|rm: notes on the project, codes, transcripts, respondents, tags."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from ..i18n import _
from .app import app
from .common import FORMAT_OPTION, Format, consoles, fail, handle_errors, open_project


# rich rendering loads only when a command prints (start-up stays light).
def emit(*args: Any, **kwargs: Any) -> Any:
    """See render_analysis.emit (imported on first use)."""
    from . import render_analysis

    return render_analysis.emit(*args, **kwargs)


def safe(*args: Any, **kwargs: Any) -> Any:
    """See render_analysis.safe (imported on first use)."""
    from . import render_analysis

    return render_analysis.safe(*args, **kwargs)


memo_app = typer.Typer(help="Memos: notes on the project, a code, a transcript, a respondent.")
app.add_typer(memo_app, name="memo")


def _about(
    code: str | None, transcript: str | None, respondent: str | None, tag: int | None
) -> tuple[str, str | None]:
    given = [
        (k, v)
        for k, v in (
            ("code", code),
            ("transcript", transcript),
            ("respondent", respondent),
            ("tag", None if tag is None else str(tag)),
        )
        if v is not None
    ]
    if len(given) > 1:
        fail(
            _("a memo is about one thing: give one of --code, --transcript, --respondent, --tag"),
            2,
        )
    return given[0] if given else ("project", None)


def _from_editor() -> str:
    """Text typed in $EDITOR (VISUAL, EDITOR, else vi), as git commit does."""
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".md", delete=False, encoding="utf-8") as fh:
        path = fh.name
    try:
        subprocess.run([*shlex.split(editor), path], check=False)
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def _table(memos: list[object]) -> object:
    from qualcode.exports.tabular import Column, Table
    from qualcode.memos import Memo

    rows = []
    for m in memos:
        assert isinstance(m, Memo)
        rows.append([m.id, m.kind, m.name or "", m.about, m.coder, m.created_at, m.text])
    return Table(
        "memos",
        "Memos",
        [
            Column("id", "int"),
            Column("kind", doc=False),
            Column("target", doc=False),
            Column("about"),
            Column("coder"),
            Column("created_at"),
            Column("text"),
        ],
        rows,
    )


@memo_app.command("add")
@handle_errors
def memo_add(
    ctx: typer.Context,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="The memo text (else $EDITOR).")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", "-c", help="About this code.")] = None,
    transcript: Annotated[
        str | None, typer.Option("--transcript", "-t", help="About this transcript.")
    ] = None,
    respondent: Annotated[
        str | None, typer.Option("--respondent", "-r", help="About this respondent.")
    ] = None,
    tag: Annotated[int | None, typer.Option("--tag", help="About this tag (its id).")] = None,
) -> None:
    """Write a memo about the project (default) or one code, transcript, respondent or tag.

    Example: qualcode memo add --code low-pay -m "Pay comes up mostly in Talsi"
    """
    kind, name = _about(code, transcript, respondent, tag)
    if message is None:
        if not sys.stdin.isatty():
            message = sys.stdin.read()  # piped: `echo ... | qualcode memo add`
        else:
            message = _from_editor()
    with open_project(ctx) as project:
        memo = project.add_memo(message, kind=kind, name=name)
    consoles.out.print(
        _("memo {id} on {about} saved").format(id=memo.id, about=memo.about), markup=False
    )


@memo_app.command("list")
@handle_errors
def memo_list(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Only memos with all these words.")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", "-c", help="About this code.")] = None,
    transcript: Annotated[
        str | None, typer.Option("--transcript", "-t", help="About this transcript.")
    ] = None,
    respondent: Annotated[
        str | None, typer.Option("--respondent", "-r", help="About this respondent.")
    ] = None,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List memos, optionally about one thing or containing words (any case).

    Example: qualcode memo list --search alga
    """
    kind, name = _about(code, transcript, respondent, None)
    with open_project(ctx) as project:
        memos = project.memos(kind=None if kind == "project" else kind, name=name, search=search)
    table = _table(list(memos))
    if emit(fmt, table):
        return
    if not memos:
        consoles.out.print(
            _("No memos with {search}").format(search=repr(search)) if search else _("No memos")
        )
        return
    for m in memos:
        consoles.out.print(
            safe(f"#{m.id} {m.about} · {m.coder} · {m.created_at[:16]}", style="bold")
        )
        first = m.text.splitlines()[0] if m.text else ""
        more = " …" if len(m.text.splitlines()) > 1 or len(first) > 100 else ""
        consoles.out.print(safe("  " + first[:100] + more))


@memo_app.command("show")
@handle_errors
def memo_show(ctx: typer.Context, memo_id: Annotated[int, typer.Argument(help="Memo id.")]) -> None:
    """Show one memo in full.

    Example: qualcode memo show 3
    """
    with open_project(ctx) as project:
        m = project.memo(memo_id)
    consoles.out.print(safe(f"#{m.id} {m.about} · {m.coder} · {m.created_at}", style="bold"))
    consoles.out.print(safe(m.text))


@memo_app.command("rm")
@handle_errors
def memo_rm(ctx: typer.Context, memo_id: Annotated[int, typer.Argument(help="Memo id.")]) -> None:
    """Remove a memo (recorded: `qualcode undo` brings it back).

    Example: qualcode memo rm 3
    """
    with open_project(ctx) as project:
        m = project.remove_memo(memo_id)
    consoles.out.print(
        _("removed memo {id} on {about}").format(id=m.id, about=m.about), markup=False
    )
