"""Shared CLI plumbing: the error wrapper, project lookup, output formats and consoles."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from ..errors import QualcodeError
from ..i18n import _, translate_error

# Start-up matters (`--help`, `report` should answer at once): rich's console and the project
# (store, models) are imported when a command first needs them, not when the CLI loads.
if TYPE_CHECKING:
    from rich.console import Console

    from ..project import Project

F = TypeVar("F", bound=Callable[..., Any])


def _console(stderr: bool = False) -> Console:
    # Rich honours NO_COLOR and drops styling when the stream is not a terminal; a pipe gets
    # wide lines (COLUMNS if set, else 160) so tables are not squeezed to rich's 80 columns.
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    columns = os.environ.get("COLUMNS", "")
    width = None if stream.isatty() else (int(columns) if columns.isdigit() else 160)
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=False)


class Consoles:
    """Lazily made consoles, so tests that swap sys.stdout get the current stream."""

    @property
    def out(self) -> Console:
        return _console()

    @property
    def err(self) -> Console:
        return _console(stderr=True)


consoles = Consoles()


class Format(str, Enum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


@dataclass
class State:
    """Options given before the command (`qualcode --project P ...`)."""

    project: Path | None = None


def fail(message: str, code: int = 1) -> None:
    """Print one error line to stderr and exit."""
    consoles.err.print(
        f"[bold red]{_('Error:')}[/bold red] {message}",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Turn library errors into one line on stderr and exit 1; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QualcodeError as exc:
            fail(translate_error(str(exc)), exc.exit_code)
        except KeyboardInterrupt:
            fail(_("interrupted; everything committed before stays, nothing was half-written"), 130)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                fail(
                    _(
                        "another qualcode process is writing to this project; wait for it to "
                        "finish and run the command again"
                    )
                )
            fail(_("database error: {error}; nothing was changed").format(error=exc))
        except sqlite3.DatabaseError as exc:
            fail(
                _("the project database is damaged or not a qualcode database ({error})").format(
                    error=exc
                )
            )
        except OSError as exc:
            if exc.filename:
                fail(
                    _("cannot access {path}: {reason}").format(
                        path=exc.filename, reason=exc.strerror or exc
                    )
                )
            fail(_("cannot access: {reason}").format(reason=exc.strerror or exc))
        return None

    return wrapper  # type: ignore[return-value]


def open_project(ctx: typer.Context) -> Project:
    """The project named by --project / QUALCODE_PROJECT, or found from the current folder up."""
    from ..project import Project

    state = ctx.find_root().obj
    path = state.project if isinstance(state, State) else None
    return Project.open(path)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples-as-keys and paths made JSON-friendly."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {
            (" / ".join(k) if isinstance(k, tuple) else str(k)): to_jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(data: Any) -> None:
    """Write JSON to stdout (UTF-8, not escaped)."""
    sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")


def print_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write CSV to stdout."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    sys.stdout.write(buf.getvalue())


def print_md(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a Markdown table to stdout."""
    from ..exports.tabular import markdown_table

    sys.stdout.write(markdown_table(headers, rows))


def print_table_as(fmt: Format, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
    """Print in a machine format; False when fmt is `table` (the caller renders it).

    JSON rows carry the same field names as the CSV columns: one shape per result.
    """
    if fmt is Format.json:
        print_json([dict(zip(headers, row, strict=True)) for row in rows])
    elif fmt is Format.csv:
        print_csv(headers, rows)
    elif fmt is Format.md:
        print_md(headers, rows)
    else:
        return False
    return True


def make_progress(*columns: Any, enabled: bool = True) -> Any:
    """A rich progress bar on stderr, drawn only on a terminal and cleared when done.

    Columns default to a bar with "done/total"; rich is imported here so commands that show
    no progress do not pay for it.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    err = consoles.err
    return Progress(
        *(columns or (BarColumn(), MofNCompleteColumn())),
        console=err,
        transient=True,
        disable=not (enabled and err.is_terminal),
    )


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table, json, csv or md.")
