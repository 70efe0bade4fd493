"""qualcode rules (which keywords work) and qualcode transcripts done (fully coded)."""

from __future__ import annotations

import typer
from rich.table import Table

from ..i18n import N_, _
from .app import app
from .common import FORMAT_OPTION, Format, consoles, handle_errors, open_project, print_table_as
from .transcript_cmds import transcripts_app

# The column headings, shown translated in the table (the CSV/JSON keep the English names).
HEADINGS = (
    *(N_("code"), N_("term"), N_("kind"), N_("suggestions"), N_("accepted")),
    *(N_("rejected"), N_("pending"), N_("share"), N_("remove")),
)


def _say(text: str) -> None:
    consoles.out.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def rules(
    ctx: typer.Context,
    threshold: float = typer.Option(
        0.3, "--threshold", min=0.0, max=1.0, help="Propose removal under this accepted share."
    ),
    min_decided: int = typer.Option(
        5, "--min-decided", min=1, help="...once at least this many suggestions were decided."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Remove the proposed keywords from the codebook file and reload."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Each keyword and pattern: how many suggestions it made and the share coders accepted.

    Keywords whose suggestions were mostly rejected are proposed for removal; --prune
    removes them from the codebook file (comments kept) and reloads it.
    Example: qualcode rules --threshold 0.25 --prune
    """
    with open_project(ctx) as project:
        stats = project.rule_stats(threshold=threshold, min_decided=min_decided)
        pruned = (
            project.prune_rules(threshold=threshold, min_decided=min_decided) if prune else None
        )
    headers = [
        "code",
        "term",
        "kind",
        "suggestions",
        "accepted",
        "rejected",
        "pending",
        "share",
        "remove",
    ]
    rows = [
        [
            s.code,
            s.term,
            s.kind,
            s.suggestions,
            s.accepted,
            s.rejected,
            s.pending,
            s.accepted_share,
            s.remove,
        ]
        for s in stats
    ]
    if print_table_as(fmt, headers, rows):
        return
    table = Table(title=_("{n} keywords and patterns").format(n=len(stats)), title_justify="left")
    for h in headers:
        table.add_column(_(h), justify="left" if h in ("code", "term", "kind") else "right")
    for r in rows:
        share = "-" if r[7] is None else f"{r[7]:.0%}"
        table.add_row(*(str(v) for v in r[:7]), share, _("remove?") if r[8] else "")
    consoles.out.print(table)
    proposed = [s for s in stats if s.remove]
    if pruned is not None:
        gone = ", ".join(f"{s.code}: {s.term}" for s in pruned.removed) or _("nothing")
        _say(_("removed from {path}: {gone}").format(path=pruned.path, gone=gone))
    elif proposed:
        _say(
            _(
                "{n} proposed for removal (accepted under {threshold:.0%} of at least "
                "{decided} decisions): run `qualcode rules --prune` to remove them"
            ).format(n=len(proposed), threshold=threshold, decided=min_decided)
        )
    else:
        _say(_("no keyword is proposed for removal"))


@transcripts_app.command("done")
@handle_errors
def transcripts_done(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="Transcripts that are fully coded."),
    undo: bool = typer.Option(False, "--undo", help="They are not fully coded after all."),
) -> None:
    """Declare transcripts fully coded: their untagged turns teach suggestions 'not this code'.

    A transcript whose every respondent turn has a tag or a review decision counts as fully
    coded without this. Example: qualcode transcripts done LV-01 LV-02
    """
    with open_project(ctx) as project:
        done = project.mark_coded(names, done=not undo)
    _say(_("fully coded: {names}").format(names=", ".join(done) if done else _("(none declared)")))
