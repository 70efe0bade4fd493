"""The Project's team-coding half: coders, merging, agreement, disagreements, settling."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agreement import AgreementTable, UnitKind
    from .merging import MergePlan, ProjectCopy
    from .store import Store
    from .teamwork import CoderRow, DisagreementRow, Settlement


class TeamMixin:
    """Several coders on one project (typed delegation only)."""

    store: Store

    def coders(self) -> list[CoderRow]:
        """Every coder with their tag counts."""
        from .teamwork import coders

        return coders(self.store)

    def merge(self, path: Path, *, dry_run: bool = False) -> MergePlan:
        """Merge another copy of the project in (dry_run: only say what would change)."""
        from .merging import merge

        return merge(self.store, path, dry_run=dry_run)

    def export_project_db(
        self, target: Path, *, coder: str | None = None, force: bool = False
    ) -> ProjectCopy:
        """A copy of the project (.db), optionally with only one coder's tags."""
        from .merging import export_project_db

        return export_project_db(self.store, target, coder=coder, force=force)

    def agreement(
        self,
        *,
        coders: Sequence[str] | None = None,
        code: str | None = None,
        unit: UnitKind = "turn",
        exclude_uncoded: bool = False,
    ) -> AgreementTable:
        """Inter-coder agreement per code and overall."""
        from .teamwork import agreement_table

        return agreement_table(
            self.store, coders=coders, code=code, unit=unit, exclude_uncoded=exclude_uncoded
        )

    def disagreements(
        self, *, code: str | None = None, coders: Sequence[str] | None = None, width: int = 200
    ) -> list[DisagreementRow]:
        """Codes in turns where the coders differ."""
        from .teamwork import disagreement_rows

        return disagreement_rows(self.store, code=code, coders=coders, width=width)

    def settle(self, transcript: str, turn: int, code: str, keep: Sequence[str]) -> Settlement:
        """Record whose tags of a code stand in one turn (the final coding)."""
        from .teamwork import settle

        return settle(self.store, transcript, turn, code, keep)
