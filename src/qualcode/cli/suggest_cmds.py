"""qualcode suggest, suggestions, keywords, similar, keys (the review loop is in review.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from ..errors import ProjectNotFound
from ..i18n import N_, _
from .app import app
from .common import (
    FORMAT_OPTION,
    Format,
    consoles,
    fail,
    handle_errors,
    make_progress,
    open_project,
    print_table_as,
)

if TYPE_CHECKING:
    from rich.table import Table

    from ..discovery import KeynessResult
    from ..nlp.learn_eval import Evaluation
    from ..project import Project

STATUSES = ("pending", "skipped", "accepted", "rejected", "all")
# The words shown translated through a variable (column headings, statuses): for the catalogue.
LABELS = (
    *(N_("pending"), N_("skipped"), N_("accepted"), N_("rejected"), N_("all")),
    *(N_("id"), N_("score"), N_("why"), N_("text"), N_("tags"), N_("method")),
    *(N_("precision"), N_("recall"), N_("f1"), N_("term"), N_("here"), N_("rest")),
    *(N_("G2"), N_("log2 ratio"), N_("in codebook"), N_("example"), N_("codes")),
    *(N_("shared"), N_("word"), N_("lemma"), N_("key"), N_("turn"), N_("transcript")),
)


@app.command()
@handle_errors
def suggest(
    ctx: typer.Context,
    code: list[str] = typer.Option(
        [], "--code", "-c", help="Only this code and its children (repeatable)."
    ),
    transcript: list[str] = typer.Option(
        [], "--transcript", "-t", help="Only this transcript (repeatable)."
    ),
    interviewer: bool = typer.Option(
        False, "--include-interviewer", help="Suggest on interviewer turns too."
    ),
    learn: bool = typer.Option(
        True, "--learn/--no-learn", help="Learn from the project's tags and decisions."
    ),
    evaluate: bool = typer.Option(
        False,
        "--evaluate",
        help="Only measure: cross-validate by transcript over the tags; store nothing.",
    ),
    folds: int = typer.Option(5, "--folds", min=2, help="Folds of --evaluate."),
    in_sample: bool = typer.Option(
        False, "--in-sample", help="--evaluate on the training data (optimistic)."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Run the codebook's keywords and patterns over transcripts, together with what was
    learned from the coders' tags and decisions; store suggestions to review.

    Re-running updates pending suggestions, never brings back rejected ones and never
    changes tags. --evaluate says how good suggestions are on this project (precision,
    recall and F1 per code, held out by transcript). Example: qualcode suggest --code
    needs-training --transcript LV-03; qualcode suggest --evaluate --format csv
    """
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    if evaluate:
        with open_project(ctx) as project:
            result = project.evaluate_suggestions(
                codes=code or None, folds=folds, in_sample=in_sample
            )
        _print_evaluation(result, fmt)
        return

    with (
        open_project(ctx) as project,
        make_progress(
            TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn()
        ) as bar,
    ):
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.advance(tasks[phase], done)

        run = project.suggest(
            codes=code or None,
            transcripts=transcript or None,
            include_interviewer=interviewer,
            learn=learn,
            progress=progress,
        )
    for warning in run.warnings:
        consoles.err.print(
            _("Warning: {warning}").format(warning=warning),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    say(
        _(
            "{transcripts} transcripts ({tokenised} tokenised, {cached} from cache), "
            "{codes} codes with rules"
        ).format(
            transcripts=run.transcripts,
            tokenised=run.tokenised,
            cached=run.from_cache,
            codes=run.codes,
        )
    )
    say(
        _(
            "{new} new, {updated} updated, {unchanged} unchanged, {removed} withdrawn; "
            "{rejected} stay rejected, {tagged} already tagged"
        ).format(
            new=run.new,
            updated=run.updated,
            unchanged=run.unchanged,
            removed=run.removed,
            rejected=run.kept_rejected,
            tagged=run.already_tagged,
        )
    )
    if run.learned:
        say(
            _("learned from the coding: {codes} (other codes: rules only)").format(
                codes=", ".join(run.learned)
            )
        )
    say(
        _("{n} suggestions waiting: see `qualcode suggestions` or run `qualcode review`").format(
            n=run.pending
        )
    )


def _print_evaluation(result: Evaluation, fmt: Format) -> None:
    headers = ["code", "tags", "method", "precision", "recall", "f1", "tp", "fp", "fn"]
    rows = [
        [
            r.code,
            r.tags,
            "model" if r.learned else "rules only",
            round(r.precision, 3),
            round(r.recall, 3),
            round(r.f1, 3),
            r.tp,
            r.fp,
            r.fn,
        ]
        for r in (*result.codes, result.overall)
    ]
    if print_table_as(fmt, headers, rows):
        return
    how = (
        _("held out: {folds}-fold cross-validation by transcript").format(folds=result.folds)
        if result.held_out
        else _("IN-SAMPLE (trained and scored on the same tags: optimistic)")
    )
    from rich.table import Table

    table = Table(
        title=_("Suggestions on this project, {n} coded transcripts ({how})").format(
            n=result.transcripts, how=how
        ),
        title_justify="left",
    )
    for h in headers[:6]:
        table.add_column(_(h), justify="left" if h in ("code", "method") else "right")
    for row in rows:
        table.add_row(*(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row[:6]))
    consoles.out.print(table)
    if result.needs_more:
        say(
            _("needs more hand coding (under 6 tags or F1 under 0.5): ")
            + ", ".join(result.needs_more)
        )
    few = [r.code for r in result.codes if not r.learned]
    if few:
        say(
            _("rules only (fewer than 3 tags, or no turn known to lack the code): ")
            + ", ".join(few)
        )


def say(text: str) -> None:
    """A plain status line on stdout, never wrapped (scripts read these)."""
    consoles.out.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
@handle_errors
def suggestions(
    ctx: typer.Context,
    code: str | None = typer.Option(None, "--code", "-c", help="Only this code (and children)."),
    transcript: str | None = typer.Option(None, "--transcript", "-t", help="Only this transcript."),
    status: str = typer.Option("pending", "--status", "-s", help=", ".join(STATUSES) + "."),
    min_score: float | None = typer.Option(None, "--min-score", help="Only scores >= this."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List suggestions: transcript, turn, code, score and why (the matched words).

    Example: qualcode suggestions --code low-pay --format json
    """
    if status not in STATUSES:
        fail(_("--status must be one of {statuses}").format(statuses=", ".join(STATUSES)), 2)
    with open_project(ctx) as project:
        items = project.suggestions(
            status=None if status == "all" else status,
            code=code,
            transcript=transcript,
            min_score=min_score,
        )
    headers = [
        "id",
        "transcript",
        "turn",
        "code",
        "score",
        "matched",
        "rule",
        "status",
        "start",
        "end",
        "text",
    ]
    rows = [
        [
            s.id,
            s.transcript,
            s.turn,
            s.code,
            s.score,
            s.why,
            s.rule,
            s.status,
            s.start,
            s.end,
            s.text,
        ]
        for s in items
    ]
    if print_table_as(fmt, headers, rows):
        return
    if not items:
        say(
            _("No suggestions. Run `qualcode suggest` to make some.")
            if status == "all"
            else _("No {status} suggestions. Run `qualcode suggest` to make some.").format(
                status=_(status)
            )
        )
        return
    from rich.table import Table

    table = Table(
        title=_("{n} suggestions ({status})").format(n=len(items), status=_(status)),
        title_justify="left",
    )
    for h in ("id", "transcript", "turn", "code", "score", "why", "text"):
        table.add_column(
            _(h), justify="right" if h in ("id", "turn", "score") else "left", overflow="fold"
        )
    for s in items:
        short = s.text if len(s.text) <= 90 else s.text[:87] + "..."
        table.add_row(
            str(s.id), s.transcript, str(s.turn or ""), s.code, f"{s.score:.2f}", s.why, short
        )
    consoles.out.print(table)


def _keyness_table(result: KeynessResult) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=_(
            "{target}: {turns} turns ({words} words) against {ref_turns} turns ({ref_words})"
        ).format(
            target=result.target,
            turns=result.target_turns,
            words=result.target_tokens,
            ref_turns=result.reference_turns,
            ref_words=result.reference_tokens,
        ),
        title_justify="left",
    )
    for h in ("term", "here", "rest", "G2", "log2 ratio", "in codebook", "example"):
        table.add_column(
            _(h),
            justify="right" if h in ("here", "rest", "G2", "log2 ratio") else "left",
            overflow="fold",
        )
    for t in result.terms:
        example = Text()
        if t.contexts:
            c = t.contexts[0]
            example.append(f"…{c.left}")
            example.append(c.word, style="bold reverse")
            example.append(f"{c.right}…  ")
            example.append(f"{c.transcript}:{c.turn}", style="dim")
        table.add_row(
            t.term,
            str(t.target),
            str(t.reference),
            f"{t.g2:.1f}{t.significance}",
            f"{t.log_ratio:.1f}",
            _("yes") if t.in_codebook else "",
            example,
        )
    return table


@app.command()
@handle_errors
def keywords(
    ctx: typer.Context,
    code: str | None = typer.Argument(None, help="The code whose tagged turns to describe."),
    by: str | None = typer.Option(
        None, "--by", help="Compare respondent groups of an attribute instead (e.g. town)."
    ),
    add: str | None = typer.Option(
        None,
        "--add",
        help="Add these comma-separated keywords to the code in the codebook file, then reload it.",
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Terms per table."),
    min_freq: int = typer.Option(2, "--min-freq", min=1, help="Least occurrences in the target."),
    contexts: int = typer.Option(3, "--contexts", min=0, help="Example lines (KWIC) per term."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Candidate keywords: terms that distinguish a code's tagged turns from the rest
    (log-likelihood G2 and log ratio), or each group of --by ATTR; --add writes keywords.

    Example: qualcode keywords needs-training --add "kursi,apmācība"
    """
    with open_project(ctx) as project:
        if add is not None:
            if code is None:
                fail(
                    _(
                        "name the code to add keywords to, e.g. "
                        '`qualcode keywords needs-training --add "kursi,apmācība"`'
                    ),
                    2,
                )
            assert code is not None
            done = project.add_keywords(code, add.split(","))
            if not done.added:
                say(_("{code} already has these keywords; nothing changed").format(code=done.code))
                return
            say(
                _("added to {code} in {path}: {keywords}").format(
                    code=done.code, path=done.path, keywords=", ".join(done.added)
                )
            )
            if done.load is not None:
                say(
                    _(
                        "codebook reloaded (version {version}); run `qualcode suggest` to use them"
                    ).format(version=done.load.version)
                )
            return
        results = project.keyness(code, by=by, limit=limit, min_freq=min_freq, contexts=contexts)
    headers = [
        "target",
        "term",
        "key",
        "here",
        "rest",
        "g2",
        "significance",
        "log_ratio",
        "in_codebook",
        "forms",
    ]
    rows = [
        [
            r.target,
            t.term,
            t.key,
            t.target,
            t.reference,
            t.g2,
            t.significance,
            t.log_ratio,
            t.in_codebook,
            " ".join(t.forms),
        ]
        for r in results
        for t in r.terms
    ]
    if print_table_as(fmt, headers, rows):
        return
    from rich.text import Text

    for r in results:
        if not r.terms:
            say(_("{target}: no distinctive terms (try --min-freq 1)").format(target=r.target))
            continue
        consoles.out.print(_keyness_table(r))
        if contexts > 1 and code is not None:
            for t in r.terms[:5]:
                for c in t.contexts[1:]:
                    line = Text(f"  {t.term:>16}  …{c.left}")
                    line.append(c.word, style="bold reverse")
                    line.append(f"{c.right}…  ")
                    line.append(f"{c.transcript}:{c.turn}", style="dim")
                    consoles.out.print(line)


@app.command()
@handle_errors
def similar(
    ctx: typer.Context,
    transcript: str | None = typer.Argument(None, help="Transcript of the example turn."),
    turn: int | None = typer.Argument(None, help="Turn number (as `qualcode show` prints it)."),
    code: str | None = typer.Option(
        None, "--code", "-c", help="Use all turns tagged with this code as the example instead."
    ),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="How many turns to show."),
    include_tagged: bool = typer.Option(
        False, "--include-tagged", help="Also turns that have the example's codes already."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Respondent turns most like a turn, or like a code's turns (TF-IDF over lemma keys).

    Example: qualcode similar LV-03 12
    """
    if code is None and (transcript is None or turn is None):
        fail(_("give TRANSCRIPT TURN (e.g. `qualcode similar LV-03 12`) or --code CODE"), 2)
    with open_project(ctx) as project:
        result = project.similar(
            transcript=transcript, turn=turn, code=code, limit=limit, include_tagged=include_tagged
        )
    headers = ["transcript", "turn", "score", "codes", "shared", "text"]
    rows = [
        [s.transcript, s.turn, s.score, " ".join(s.codes), " ".join(s.shared), s.text]
        for s in result.turns
    ]
    if print_table_as(fmt, headers, rows):
        return
    from rich.table import Table

    table = Table(title=_("Most like {query}").format(query=result.query), title_justify="left")
    for h in headers:
        table.add_column(
            _(h), justify="right" if h in ("turn", "score") else "left", overflow="fold"
        )
    for r in rows:
        text = str(r[5])
        table.add_row(
            str(r[0]),
            str(r[1]),
            f"{r[2]:.2f}",
            str(r[3]),
            str(r[4]),
            text if len(text) <= 100 else text[:97] + "...",
        )
    consoles.out.print(table)


def _maybe_project(ctx: typer.Context) -> Project | None:
    try:
        return open_project(ctx)
    except ProjectNotFound:  # keys works without a project (no codes to compare with)
        return None


@app.command()
@handle_errors
def keys(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        ..., help="Words or quoted phrases; `-` reads one per line from stdin."
    ),
    lang: str | None = typer.Option(
        None, "--lang", "-l", help="Language (default: the codebook's, else lv)."
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Show each word's lemma and matching key, and which codes' keywords share the key.

    Words with the same key match each other.
    Example: qualcode keys mācības mācību stundām --lang lv
    """
    if "-" in words:
        stdin = [line.strip() for line in sys.stdin if line.strip()]
        words = [w for item in words for w in (stdin if item == "-" else [item])]
    project = _maybe_project(ctx)
    try:
        if project is None:
            from ..discovery import explain_keys

            items = explain_keys(words, lang=lang)
        else:
            items = project.explain_keys(words, lang=lang)
    finally:
        if project is not None:
            project.close()
    headers = ["word", "lemma", "key", "method", "codes"]
    rows = [
        [
            e.word,
            " ".join(i.lemma or "-" for i in e.tokens),
            e.key,
            ", ".join(dict.fromkeys(i.method for i in e.tokens)),
            " ".join(e.codes),
        ]
        for e in items
    ]
    if print_table_as(fmt, headers, rows):
        return
    from rich.table import Table

    table = Table(
        title=_("Matching keys ({lang})").format(lang=items[0].lang), title_justify="left"
    )
    for h in headers:
        table.add_column(_(h), overflow="fold")
    for r in rows:
        table.add_row(*(str(x) for x in r))
    consoles.out.print(table)


# The review loop lives in its own module; importing it registers `qualcode review`.
from . import review  # noqa: E402,F401
