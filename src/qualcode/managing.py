"""Managing what was imported: remove, rename and relink transcripts; edit respondents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import QualcodeError
from .models import Respondent, Transcript

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class TranscriptRemoved:
    """A removed transcript and how many tags went with it (undo brings them back)."""

    name: str
    tags: int


def remove_transcript(store: Store, name: str) -> TranscriptRemoved:
    """Remove a transcript; its tags and decisions are recorded, so `undo` restores them."""
    t = store.transcripts.get(name)
    with store.write():
        n = store.transcripts.delete(t.id)
    return TranscriptRemoved(t.name, n)


def rename_transcript(store: Store, name: str, new: str) -> Transcript:
    """Rename a transcript; refuses a name in use."""
    t = store.transcripts.get(name)
    new = new.strip()
    if not new:
        raise QualcodeError("give the new name")
    if new != t.name and new in store.transcripts.names():
        raise QualcodeError(f"a transcript named {new!r} exists already; choose another name")
    with store.write():
        store.transcripts.rename(t.id, new)
    return store.transcripts.get(new)


def relink_transcript(store: Store, name: str, respondent: str) -> Transcript:
    """Link a transcript to a respondent (created if new)."""
    t = store.transcripts.get(name)
    with store.write():
        store.respondents.upsert(respondent, {})
        store.transcripts.relink(t.id, respondent)
    return store.transcripts.get(t.name)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """['town=Talsi', 'role=mediator'] -> dict; a clear error for anything else."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"{item!r} is not KEY=VALUE; write e.g. town=Talsi")
        out[key.strip()] = value.strip()
    return out


def _canonical_keys(store: Store, values: dict[str, str]) -> dict[str, str]:
    """Attribute names as stored when they differ only by case (Town -> town)."""
    known = {k.casefold(): k for k in store.respondents.keys()}
    return {known.get(k.casefold(), k): v for k, v in values.items()}


def set_attributes(store: Store, respondent: str, values: dict[str, str]) -> Respondent:
    """Set attributes of an existing respondent."""
    r = store.respondents.get(respondent)
    if not values:
        raise QualcodeError("give at least one KEY=VALUE")
    with store.write():
        store.respondents.upsert(r.id, _canonical_keys(store, values))
    return store.respondents.get(r.id)


def unset_attributes(store: Store, respondent: str, keys: Sequence[str]) -> Respondent:
    """Remove attributes of a respondent; an attribute it lacks is an error."""
    r = store.respondents.get(respondent)
    lowered = {k.casefold(): k for k in r.attributes}
    missing = [k for k in keys if k.casefold() not in lowered]
    if missing:
        raise QualcodeError(
            f"{r.id} has no attribute {', '.join(map(repr, missing))}; it has "
            f"{', '.join(r.attributes) or 'none'}"
        )
    with store.write():
        store.respondents.unset(r.id, [lowered[k.casefold()] for k in keys])
    return store.respondents.get(r.id)


def rename_respondent(store: Store, old: str, new: str) -> Respondent:
    """Give a respondent a new id; its attributes and transcripts follow."""
    r = store.respondents.get(old)
    new = new.strip()
    if not new:
        raise QualcodeError("give the new respondent id")
    if store.respondents.exists(new):
        raise QualcodeError(
            f"respondent {new!r} exists already; relink transcripts to it instead "
            "(`qualcode transcripts relink NAME RESPONDENT`)"
        )
    with store.write():
        store.respondents.rename(r.id, new)
    return store.respondents.get(new)
