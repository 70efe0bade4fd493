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

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from .cache import TokenTable

BEFORE = 3
AFTER = 2
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


def token_flags(table: TokenTable, text: str, lang: str) -> tuple[Any, Any, Any]:
    """Per-token arrays (negator before?, negator after?, clause break?) of a transcript."""
    import numpy as np

    n = len(table)
    neg = np.zeros(n, dtype=bool)
    after = np.zeros(n, dtype=bool)
    brk = np.zeros(n, dtype=bool)
    if lang not in ("lv", "en") or not n:
        return neg, after, brk
    forms: dict[str, tuple[bool, bool, bool]] = {}
    for i, (s, e) in enumerate(zip(table.starts.tolist(), table.ends.tolist(), strict=True)):
        form = text[s:e].lower()
        flags = forms.get(form)
        if flags is None:
            flags = forms[form] = (
                is_negator(form, lang),
                form in AFTER_NEGATORS,
                form in CLAUSE_BREAKS,
            )
        neg[i], after[i], brk[i] = flags
    return neg, after, brk


def negated(
    first: NDArray[np.intp],
    last: NDArray[np.intp],
    neg: NDArray[np.bool_],
    after: NDArray[np.bool_],
    brk: NDArray[np.bool_],
    sentence_of: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """Which hits (token spans [first, last]) have a negator in scope."""
    import numpy as np

    out = np.zeros(len(first), dtype=bool)
    n = len(neg)
    if not n or not len(first) or not neg.any():
        return out
    for offset in range(1, BEFORE + 1):
        j = first - offset
        ok = j >= 0
        jj = np.where(ok, j, 0)
        ok &= sentence_of[jj] == sentence_of[first]
        # every token from j up to the hit must stay inside one clause
        ok &= ~_any_break(brk, jj + 1, first) & ~brk[jj]
        out |= ok & neg[jj]
    for offset in range(1, AFTER + 1):
        j = last + offset
        ok = j < n
        jj = np.where(ok, j, n - 1)
        ok &= sentence_of[jj] == sentence_of[last]
        ok &= ~_any_break(brk, last + 1, jj) & ~brk[jj]
        out |= ok & after[jj]
    return out


def _any_break(brk: Any, lo: Any, hi: Any) -> Any:
    """For each pair, whether any token in [lo, hi) is a clause break (prefix sums)."""
    import numpy as np

    csum = np.concatenate(([0], np.cumsum(brk)))
    return (csum[np.maximum(hi, lo)] - csum[lo]) > 0
