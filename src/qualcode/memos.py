"""Memos: the analyst's notes on the project, a code, a transcript, a respondent or a tag."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import NotFound, QualcodeError
from .store.memos import KINDS, Memo

if TYPE_CHECKING:
    from .store import Store

__all__ = ["KINDS", "Memo", "add_memo", "list_memos", "memos_about", "remove_memo", "show_memo"]

MAX_MEMO = 100_000  # characters; a memo is a note, not a document


def _target(store: Store, kind: str, name: str | None) -> str | None:
    """The stored target id of a memo about this (code, transcript, respondent or tag)."""
    if kind not in KINDS:
        raise QualcodeError(f"a memo is about one of: {', '.join(KINDS)} (not {kind!r})")
    if kind == "project":
        return None
    if not name:
        raise QualcodeError(f"name the {kind} the memo is about")
    if kind == "code":
        return str(store.codes.get(name).id)
    if kind == "transcript":
        return str(store.transcripts.get(name).id)
    if kind == "respondent":
        if not store.respondents.exists(name):
            raise NotFound(f"no respondent {name!r}; see `qualcode respondents`")
        return name
    try:
        tag_id = int(name)
    except ValueError:
        raise QualcodeError(f"a tag is named by its id (a number), not {name!r}") from None
    if store.tags.get(tag_id) is None:
        raise NotFound(f"no tag {tag_id}; see `qualcode tags --format json` for tag ids")
    return str(tag_id)


def add_memo(
    store: Store,
    text: str,
    *,
    kind: str = "project",
    name: str | None = None,
    coder: str | None = None,
) -> Memo:
    """Write a memo about the project or one code/transcript/respondent/tag (recorded)."""
    text = text.strip()
    if not text:
        raise QualcodeError("the memo is empty; nothing was saved")
    if len(text) > MAX_MEMO:
        raise QualcodeError(f"the memo has {len(text)} characters; keep it under {MAX_MEMO}")
    target = _target(store, kind, name)
    who = coder or store.default_coder()
    with store.write(coder=who):
        memo_id = store.memos.add(kind, target, text, who)
    memo = store.memos.get(memo_id)
    assert memo is not None
    return memo


def list_memos(
    store: Store, *, kind: str | None = None, name: str | None = None, search: str | None = None
) -> list[Memo]:
    """Memos, optionally about one target, or containing every one of the words."""
    target = _target(store, kind, name) if kind is not None and kind != "project" else None
    return store.memos.all(kind=kind, target=target, search=search)


def memos_about(store: Store, kind: str, name: str) -> list[Memo]:
    """Memos about one code, transcript, respondent or tag ([] when it has none)."""
    return list_memos(store, kind=kind, name=name)


def show_memo(store: Store, memo_id: int) -> Memo:
    """One memo by id."""
    memo = store.memos.get(memo_id)
    if memo is None:
        raise NotFound(f"no memo {memo_id}; see `qualcode memo list`")
    return memo


def remove_memo(store: Store, memo_id: int, *, coder: str | None = None) -> Memo:
    """Remove a memo (recorded: `undo` brings it back)."""
    memo = show_memo(store, memo_id)
    with store.write(coder=coder or store.default_coder()):
        store.memos.delete(memo_id)
    return memo
