"""Negation scope: is a matched keyword negated ("mācības nav vajadzīgas", "no training")?

Works on a transcript's cached token table plus the text (for surface forms), so nothing is
re-tokenised. A token negates a hit when it lies in the same sentence and clause, up to
BEFORE tokens before the hit or AFTER tokens after it (Latvian puts `nav` after the noun:
"mācības nav vajadzīgas"; after a hit only a negated predicate such as `nav`, `nevajag`
counts, see AFTER_NEGATORS). The hit's own tokens never negate it, so a keyword written with
its negation ("nav datora") still matches.

Latvian negators: `ne`, `nav`, `nebija`, `nebūs`, `nevajag`, `bez`, `nekad`, `neviens`,
`nekas`, `nemaz`, and any `ne-` verb whose form without `ne` is a known verb form
("nezinu", "neesmu"); English: `not`, `no`, `never`, `don't` (spaCy's `n't`), `without`,
`nobody`, `nothing`, `cannot`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from .cache import TokenTable
    from .caseless import CaselessText

BEFORE = 3
AFTER = 2
# Bump when the negators or clause breaks change: flags stored with token tables are then
# found again when matching (see flags_key).
LEXICON_VERSION = "1"
LANGUAGES = ("lv", "en")  # those negation is defined for
# After a keyword only a negated predicate counts ("mācības nav vajadzīgas"): a negated
# action verb there says something about the keyword ("algu nemaksā laikus" is a pay
# complaint), so it does not cancel it.
AFTER_NEGATORS = frozenset(
    "nav nebija nebūs nebūtu nevajag nevajadzētu nevajadzēja not n't never".split()
)

LV_NEGATORS = frozenset(
    "ne nav nebija nebūs nebūtu nevajag nevajadzētu bez nekad neviens neviena nekas nekā "
    "nemaz nedrīkst nevar nevaru".split()
)
EN_NEGATORS = frozenset(
    "not no never n't without nobody nothing cannot neither nor none don't doesn't "
    "didn't isn't aren't wasn't won't can't".split()
)
# Words and marks that end a clause: a negation does not reach past them.
CLAUSE_BREAKS = frozenset(", ; : . ! ? – — bet taču tomēr but however although".split())
# Latvian words that start with "ne" but negate nothing.
LV_NOT_NEGATED = frozenset(
    "nedēļa nedēļas nedēļu nedēļā nedēļām nepieciešams nepieciešama nepieciešami "
    "nepieciešamas nepieciešamība nepieciešamību nekustamais nekustamā nelaime".split()
)


@cache
def _lv_ne_verb(form: str) -> bool:
    """True for a Latvian `ne-` verb form: the rest is a verb the keyer knows."""
    if len(form) < 5 or not form.startswith("ne") or form in LV_NOT_NEGATED:
        return False
    from .keys import keyer

    k = keyer("lv")
    rest = form[2:]
    lemma = k.lemma(rest) or k._lv_verb_lemma(rest)
    # A Latvian infinitive ends in -t or -ties (zināt, būt, mācīties).
    return lemma is not None and (lemma.endswith("t") or lemma.endswith("ties"))


def is_negator(form: str, lang: str) -> bool:
    """True when a word form negates what is near it."""
    lower = form.lower()
    if lang == "lv":
        return lower in LV_NEGATORS or _lv_ne_verb(lower)
    if lang == "en":
        return lower in EN_NEGATORS
    return False


@cache
def _finders(lang: str) -> re.Pattern[str]:
    """A regex for candidate negators (each checked with is_negator after)."""
    words = sorted(LV_NEGATORS if lang == "lv" else EN_NEGATORS, key=len, reverse=True)
    alts = "|".join(re.escape(w) for w in words if w != "n't")
    ne_verbs = r"ne\w+|" if lang == "lv" else ""
    return re.compile(rf"(?<!\w)(?:{ne_verbs}{alts})(?!\w)|n['’]t\b", re.IGNORECASE)


def token_flags(table: TokenTable, text: str | CaselessText, lang: str) -> tuple[Any, Any, Any]:
    """Per-token arrays (negator before?, negator after?, clause break?) of a transcript.

    One regex pass over the text finds the candidate negators (no per-token Python loop);
    a match counts when a token starts where it starts, and each distinct form is judged
    once. Clause breaks are only looked up in the few tokens around a negator, the only
    place they matter. A CaselessText lets the pass run on the lowered text (caseless.py).
    """
    import numpy as np

    n = len(table)
    brk = np.zeros(n, dtype=bool)
    neg, after = negator_flags(text, table.starts, lang)
    plain = text if isinstance(text, str) else text.text
    starts, ends = table.starts, table.ends
    for i in near_negators(neg).tolist():
        brk[i] = is_clause_break(plain[starts[i] : ends[i]])
    return neg, after, brk


def negator_flags(text: str | CaselessText, starts: Any, lang: str) -> tuple[Any, Any]:
    """Per token (given by its start offset, ascending): is it a negator, and one that
    counts after a hit? Its form is what the negator pattern matches from its start.

    The pattern never reaches across whitespace, so the flags of the tokens in a
    whitespace-separated span do not depend on the text around it (nlp/span_tokens.py).
    """
    import numpy as np

    from .caseless import CaselessText

    n = len(starts)
    neg = np.zeros(n, dtype=bool)
    after = np.zeros(n, dtype=bool)
    if lang not in LANGUAGES or not n:
        return neg, after
    caseless = text if isinstance(text, CaselessText) else CaselessText(text)
    plain = caseless.text
    spans = np.array([m.span() for m in caseless.finditer(_finders(lang))], dtype=np.int64)
    if not len(spans):
        return neg, after
    spans = spans.reshape(-1, 2)
    idx = np.searchsorted(starts, spans[:, 0], side="left")
    on_token = idx < n
    on_token[on_token] = starts[idx[on_token]] == spans[on_token, 0]
    idx, spans = idx[on_token], spans[on_token]
    # The form from the original text, lowered alone, exactly as is_negator lowers it.
    forms = [plain[a:b].lower() for a, b in spans.tolist()]
    verdict: dict[str, tuple[bool, bool]] = {}
    for i, form in zip(idx.tolist(), forms, strict=True):
        flag = verdict.get(form)
        if flag is None:
            flag = verdict[form] = (is_negator(form, lang), form in AFTER_NEGATORS)
        if flag[0]:
            neg[i] = True
            after[i] = flag[1]
    return neg, after


def near_negators(neg: Any) -> Any:
    """Token indices within reach of a negator (the only ones whose clause breaks matter)."""
    import numpy as np

    n = len(neg)
    near = np.flatnonzero(neg)
    return np.unique(
        np.clip(near[:, None] + np.arange(-BEFORE, AFTER + 1)[None, :], 0, n - 1).ravel()
    )


def is_clause_break(form: str) -> bool:
    """True for a token that ends a clause (a negation does not reach past it)."""
    return form.lower() in CLAUSE_BREAKS


def flags_key(lang: str) -> str:
    """What a token table's stored negation flags must have been made for to be used."""
    return f"{lang}/negation-{LEXICON_VERSION}"


def stored_flags(table: TokenTable, text: str, lang: str) -> None:
    """Give a new token table its negation flags (kept with it in the token cache), for the
    languages negation is defined for."""
    from .caseless import CaselessText

    if lang in LANGUAGES:
        table.negation = token_flags(table, CaselessText(text), lang)
        table.negation_key = flags_key(lang)


def flags_of(table: TokenTable, text: str | CaselessText, lang: str) -> tuple[Any, Any, Any]:
    """token_flags() of a transcript: those stored with its token table when they were made
    for this language and lexicon, else found now."""
    if table.negation is not None and table.negation_key == flags_key(lang):
        return table.negation
    return token_flags(table, text, lang)


def negated(
    first: NDArray[np.intp],
    last: NDArray[np.intp],
    neg: NDArray[np.bool_],
    after: NDArray[np.bool_],
    brk: NDArray[np.bool_],
    sentence_of: NDArray[np.intp],
    *,
    sums: NDArray[np.intp] | None = None,
) -> NDArray[np.bool_]:
    """Which hits (token spans [first, last]) have a negator in scope.

    sums: break_sums(brk), when the caller keeps it for several calls.
    """
    import numpy as np

    out = np.zeros(len(first), dtype=bool)
    n = len(neg)
    if not n or not len(first) or not neg.any():
        return out
    csum = sums if sums is not None else break_sums(brk)
    for offset in range(1, BEFORE + 1):
        j = first - offset
        ok = j >= 0
        jj = np.where(ok, j, 0)
        ok &= sentence_of[jj] == sentence_of[first]
        # every token from j up to the hit must stay inside one clause
        ok &= ~_any_break(csum, jj + 1, first) & ~brk[jj]
        out |= ok & neg[jj]
    for offset in range(1, AFTER + 1):
        j = last + offset
        ok = j < n
        jj = np.where(ok, j, n - 1)
        ok &= sentence_of[jj] == sentence_of[last]
        ok &= ~_any_break(csum, last + 1, jj) & ~brk[jj]
        out |= ok & after[jj]
    return out


def break_sums(brk: NDArray[np.bool_]) -> NDArray[np.intp]:
    """Prefix sums of the clause breaks, as negated() uses them."""
    import numpy as np

    return np.concatenate(([0], np.cumsum(brk)))


def _any_break(csum: Any, lo: Any, hi: Any) -> Any:
    """For each pair, whether any token in [lo, hi) is a clause break (prefix sums)."""
    import numpy as np

    return (csum[np.maximum(hi, lo)] - csum[lo]) > 0
