"""The Project's analysis half: suggestions, discovery and exports (typed delegation only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .coverage import CoverageReport, SaturationReport
    from .discovery import KeyExplanation, KeynessResult, KeywordsAdded, SimilarResult
    from .exports.api import ExportResult
    from .exports.document import Progress as ExportProgress
    from .memos import Memo
    from .models import Decision, Suggestion
    from .nlp.learn_eval import Evaluation
    from .rule_stats import Pruned, RuleStat
    from .search import SearchResult
    from .store import Store
    from .suggest import Progress as SuggestProgress
    from .suggest import SuggestRun
    from .tagging import TagChange


class AnalysisMixin:
    """Suggestions, keyword discovery and exports of an open project."""

    store: Store

    # -- suggestions --------------------------------------------------------------------

    def suggest(
        self,
        *,
        codes: Sequence[str] | None = None,
        transcripts: Sequence[str] | None = None,
        include_interviewer: bool = False,
        learn: bool = True,
        progress: SuggestProgress | None = None,
    ) -> SuggestRun:
        """Run the codebook's rules (and what was learned from the coding); store suggestions."""
        from .suggest import suggest

        return suggest(
            self.store,
            codes=codes,
            transcripts=transcripts,
            include_interviewer=include_interviewer,
            learn=learn,
            progress=progress,
        )

    def evaluate_suggestions(
        self,
        *,
        codes: Sequence[str] | None = None,
        folds: int = 5,
        in_sample: bool = False,
        progress: SuggestProgress | None = None,
    ) -> Evaluation:
        """Cross-validated (by transcript) precision/recall/F1 of suggestions on this project."""
        from .suggest import evaluate_suggestions

        return evaluate_suggestions(
            self.store, codes=codes, folds=folds, in_sample=in_sample, progress=progress
        )

    def mark_coded(self, transcripts: Sequence[str], *, done: bool = True) -> list[str]:
        """Declare transcripts fully coded (or not); returns every transcript declared so."""
        from .suggest_learn import mark_done

        return mark_done(self.store, transcripts, done=done)

    def rule_stats(self, *, threshold: float = 0.3, min_decided: int = 5) -> list[RuleStat]:
        """Each keyword/pattern with its suggestions and the share coders accepted."""
        from .rule_stats import rule_stats

        return rule_stats(self.store, threshold=threshold, min_decided=min_decided)

    def prune_rules(self, *, threshold: float = 0.3, min_decided: int = 5) -> Pruned:
        """Remove the keywords proposed by rule_stats from the codebook file and reload it."""
        from .rule_stats import prune

        return prune(self.store, threshold=threshold, min_decided=min_decided)

    def suggestions(
        self,
        *,
        status: str | Sequence[str] | None = "pending",
        code: str | None = None,
        transcript: str | None = None,
        min_score: float | None = None,
    ) -> list[Suggestion]:
        """Stored suggestions (pending by default)."""
        from .suggest import list_suggestions

        return list_suggestions(
            self.store, status=status, code=code, transcript=transcript, min_score=min_score
        )

    def suggestion(self, suggestion_id: int) -> Suggestion:
        """One suggestion by id."""
        from .suggest import get_suggestion

        return get_suggestion(self.store, suggestion_id)

    def review_queue(
        self,
        *,
        code: str | None = None,
        transcript: str | None = None,
        min_score: float | None = None,
    ) -> list[Suggestion]:
        """Pending then skipped suggestions."""
        from .suggest import review_queue

        return review_queue(self.store, code=code, transcript=transcript, min_score=min_score)

    def decide(
        self,
        suggestion_id: int,
        action: str,
        *,
        coder: str | None = None,
        as_code: str | None = None,
    ) -> Decision:
        """Accept, reject or skip a suggestion."""
        from .suggest import decide

        return decide(self.store, suggestion_id, action, coder=coder, as_code=as_code)

    def decide_all(
        self,
        action: str,
        *,
        code: str | None = None,
        transcript: str | None = None,
        min_score: float | None = None,
        coder: str | None = None,
    ) -> list[Decision]:
        """Accept or reject pending suggestions in bulk."""
        from .suggest import decide_all

        return decide_all(
            self.store,
            action,
            code=code,
            transcript=transcript,
            min_score=min_score,
            coder=coder,
        )

    def undo_decision(
        self, suggestion_id: int | None = None, *, coder: str | None = None
    ) -> Suggestion | None:
        """Undo a review decision (default: the latest)."""
        from .suggest import undo

        return undo(self.store, suggestion_id, coder=coder)

    # -- discovery ------------------------------------------------------------------------

    def keyness(
        self,
        code: str | None = None,
        *,
        by: str | None = None,
        limit: int = 20,
        min_freq: int = 2,
        contexts: int = 3,
    ) -> list[KeynessResult]:
        """Distinctive keys of a code's turns or of attribute groups."""
        from .discovery import keyness

        return keyness(self.store, code, by=by, limit=limit, min_freq=min_freq, contexts=contexts)

    def add_keywords(self, code: str, words: Sequence[str]) -> KeywordsAdded:
        """Add keywords to a code in the codebook file and reload it."""
        from .discovery import add_keywords

        return add_keywords(self.store, code, words)

    def similar(
        self,
        *,
        transcript: str | None = None,
        turn: int | None = None,
        code: str | None = None,
        limit: int = 10,
        include_tagged: bool = False,
    ) -> SimilarResult:
        """Turns most like a turn or a code's turns."""
        from .discovery import similar

        return similar(
            self.store,
            transcript=transcript,
            turn=turn,
            code=code,
            limit=limit,
            include_tagged=include_tagged,
        )

    def explain_keys(
        self, words: Sequence[str], *, lang: str | None = None
    ) -> list[KeyExplanation]:
        """Each word's lemma and matching key."""
        from .discovery import explain_keys

        return explain_keys(words, lang=lang, store=self.store)

    # -- exports ------------------------------------------------------------------------

    def export_report(
        self,
        path: Path,
        *,
        force: bool = False,
        progress: ExportProgress | None = None,
        by: Sequence[str] | None = None,
        sort: str = "tree",
        unit: str = "respondent",
        min_count: int = 0,
        matrix_quotes: int = 2,
        quotes_limit: int | None = 10,
        anonymize: bool = False,
        coder: str | None = None,
        final: bool = False,
    ) -> ExportResult:
        """Export the full report (format from the extension); all tags, a coder's or final."""
        from .exports.api import export_report
        from .teamwork import TagView

        return export_report(
            self.store,
            path,
            force=force,
            progress=progress,
            by=by,
            sort=sort,
            unit=unit,
            min_count=min_count,
            matrix_quotes=matrix_quotes,
            quotes_limit=quotes_limit,
            anonymize=anonymize,
            view=TagView(coder, final),
        )

    def export_quotes(
        self,
        path: Path,
        codes: Sequence[str],
        *,
        force: bool = False,
        progress: ExportProgress | None = None,
        by: Sequence[str] = (),
        limit: int | None = None,
        anonymize: bool = False,
    ) -> ExportResult:
        """Export quotes of codes."""
        from .exports.api import export_quotes

        return export_quotes(
            self.store,
            path,
            codes,
            force=force,
            progress=progress,
            by=by,
            limit=limit,
            anonymize=anonymize,
        )

    def export_all(
        self,
        folder: Path,
        *,
        force: bool = False,
        name: str = "report",
        progress: ExportProgress | None = None,
        by: Sequence[str] | None = None,
        anonymize: bool = False,
        coder: str | None = None,
    ) -> list[ExportResult]:
        """The full report in every format into a folder (all tags, or one coder's)."""
        from .exports.api import export_all
        from .teamwork import TagView

        return export_all(
            self.store,
            folder,
            force=force,
            name=name,
            progress=progress,
            by=by,
            anonymize=anonymize,
            view=TagView(coder, False),
        )

    def chart(
        self,
        path: Path,
        *,
        codes: Sequence[str] | None = None,
        by: Sequence[str] = (),
        unit: str = "respondent",
        sort: str = "tree",
        force: bool = False,
    ) -> Path:
        """A bar chart PNG/SVG of code frequencies."""
        from .exports.api import write_chart

        return write_chart(self.store, path, codes=codes, by=by, unit=unit, sort=sort, force=force)

    # -- reading: search, memos, coverage ----------------------------------------------------

    def search(
        self,
        query: str,
        *,
        regex: bool = False,
        code: str | None = None,
        by: Sequence[str] = (),
        transcripts: Sequence[str] | None = None,
    ) -> SearchResult:
        """Every occurrence of words (any inflection) or a regex, keyword in context."""
        from .search import search

        return search(self.store, query, regex=regex, code=code, by=by, transcripts=transcripts)

    def tag_search_hits(
        self, result: SearchResult, code: str, *, coder: str | None = None
    ) -> list[TagChange]:
        """Tag the turns of a search's hits with a code (one command, one undo)."""
        from .search import tag_hits

        return tag_hits(self.store, result, code, coder=coder)

    def add_memo(
        self, text: str, *, kind: str = "project", name: str | None = None, coder: str | None = None
    ) -> Memo:
        """A memo on the project, or a code/transcript/respondent/tag (kind + name)."""
        from .memos import add_memo

        return add_memo(self.store, text, kind=kind, name=name, coder=coder)

    def memos(
        self, *, kind: str | None = None, name: str | None = None, search: str | None = None
    ) -> list[Memo]:
        """Memos, optionally about one target or containing every word of `search`."""
        from .memos import list_memos

        return list_memos(self.store, kind=kind, name=name, search=search)

    def memo(self, memo_id: int) -> Memo:
        """One memo by id."""
        from .memos import show_memo

        return show_memo(self.store, memo_id)

    def remove_memo(self, memo_id: int) -> Memo:
        """Remove a memo (recorded)."""
        from .memos import remove_memo

        return remove_memo(self.store, memo_id)

    def coverage(self, *, by: Sequence[str] = ()) -> CoverageReport:
        """Share of respondent turns and words with a code, per transcript and group."""
        from .coverage import coverage

        return coverage(self.store, by=by)

    def saturation(self, *, order: str = "auto") -> SaturationReport:
        """New codes per interview in interview order, cumulative."""
        from .coverage import saturation

        return saturation(self.store, order=order)
