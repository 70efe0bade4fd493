"""Tokenising a transcript span by span: each distinct whitespace-separated span once.

spaCy's tokenizer first cuts a text at whitespace and then tokenises each span on its own
(its cache is keyed by the span's text): a span's tokens do not depend on the text around
it. A transcript repeats its spans (a 5,000-word interview has some 1,900 distinct ones,
and a corpus shares most of them), yet making a Doc of it costs per token, in the tokenizer
and in the key component, every time. Here each distinct span goes through the real
pipeline once per process (many spans in one Doc) and its tokens (key, offset in the span,
length, sentence-final?, punctuation?, negation flags) are kept; a transcript's token
arrays are then its spans' arrays laid end to end, with numpy. A span of letters only that
is no special case (three in five) is one token and needs no Doc at all: its key is the
keyer's. The result is the table `table_from_doc` makes from the whole Doc, which the tests
check on text made to break it and on real transcript exports.

The cut is spaCy's: maximal runs of whitespace (`str.isspace`) and of other characters,
where a whitespace run after a word loses one leading ' ' (the token's trailing space),
and nothing is left of a single ' '. Whitespace spans (line breaks, double spaces) are rare
and tokenised alone. Special cases that span whitespace would break the independence, so a
tokenizer with any is left to the Doc path (`for_pipeline` gives None), as is a pipeline
with components other than the key component.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Spans kept per process before the memory starts again (some 200 bytes a span, 60 MB):
# a 1 M-word corpus has some 50,000 distinct spans, a 10 M-word one of real text several
# hundred thousand.
MAX_SPANS = 300_000
# Distinct new spans tokenised in one Doc.
BATCH = 20_000
# The largest code point str.isspace() is true for is U+3000.
_LAST_SPACE = 0x3000


@cache
def _space_table() -> NDArray[np.bool_]:
    """Code point -> str.isspace(), for code points up to U+3000, then one False entry."""
    import numpy as np

    return np.array([chr(c).isspace() for c in range(_LAST_SPACE + 1)] + [False], dtype=bool)


def _runs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Starts and ends of the maximal runs of True."""
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    return edges[0::2], edges[1::2]


class _Grow:
    """A numpy array that grows at its end (capacity doubled as needed)."""

    def __init__(self, dtype: Any) -> None:
        import numpy as np

        self.data = np.empty(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: Any) -> None:
        import numpy as np

        need = self.size + len(values)
        if need > len(self.data):
            bigger = np.empty(max(need, 2 * len(self.data)), dtype=self.data.dtype)
            bigger[: self.size] = self.data[: self.size]
            self.data = bigger
        self.data[self.size : need] = values
        self.size = need

    def view(self) -> Any:
        return self.data[: self.size]


class TokenArrays:
    """A text's tokens as arrays: key (spaCy NORM hash), start, length, sentence-final
    character?, punctuation?, and when known the negation flags (negator?, negator after a
    hit?, clause break? for every token, not only near negators)."""

    __slots__ = ("norm", "start", "length", "period", "punct", "negation")

    def __init__(
        self,
        norm: Any,
        start: Any,
        length: Any,
        period: Any,
        punct: Any,
        negation: tuple[Any, Any, Any] | None = None,
    ) -> None:
        self.norm = norm
        self.start = start
        self.length = length
        self.period = period
        self.punct = punct
        self.negation = negation


def doc_arrays(doc: Any, period_ids: Any) -> TokenArrays:
    """The token arrays of a Doc (the pipeline has set each token's key as its NORM)."""
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, NORM, ORTH

    arr = doc.to_array([NORM, IDX, LENGTH, ORTH, IS_PUNCT]).reshape(-1, 5)
    return TokenArrays(
        arr[:, 0],
        arr[:, 1].astype(np.int64),
        arr[:, 2].astype(np.int64),
        np.isin(arr[:, 3], period_ids),
        arr[:, 4] == 1,
    )


class SpanTokens:
    """A pipeline's tokens of every distinct span seen so far in this process."""

    def __init__(self, nlp: Any, lang: str) -> None:
        from .cache import period_ids
        from .negation import LANGUAGES

        self.nlp = nlp
        self.lang = lang
        self.negation = lang in LANGUAGES
        self.period_ids = period_ids(nlp.vocab)
        # Strings the tokenizer has a special case for (the plain-word shortcut skips them).
        self.specials = frozenset(nlp.tokenizer.rules or {})
        self._reset()

    def _reset(self) -> None:
        """Start empty (again, to bound the memory: spans are made again as they come)."""
        import numpy as np

        self.index: dict[str, int] = {}
        self._first = _Grow(np.int32)  # span id -> its first token's row
        self._count = _Grow(np.int32)  # span id -> how many tokens
        self._norm = _Grow(np.uint64)
        self._offset = _Grow(np.int32)  # the token's start within its span
        self._length = _Grow(np.int32)
        self._period = _Grow(bool)
        self._punct = _Grow(bool)
        self._flags = [_Grow(bool), _Grow(bool), _Grow(bool)]  # negator, after, clause break

    def _add(self, spans: Sequence[str], joined: bool) -> bool:
        """Tokenise new spans and keep them: non-whitespace ones many to a Doc, whitespace
        ones alone, plain words without spaCy (see _plain). False (that group not kept) when
        a span made no token, which spaCy does not do: the caller takes the Doc path."""
        if joined:
            plain = [s for s in spans if s.isalpha() and s not in self.specials]
            if plain:
                self._keep(plain, *self._plain(plain))
                if len(plain) < len(spans):
                    kept = set(plain)
                    spans = [s for s in spans if s not in kept]
                else:
                    spans = []
        groups = (
            [spans[i : i + BATCH] for i in range(0, len(spans), BATCH)]
            if joined
            else [[s] for s in spans]
        )
        for group in groups:
            made = self._made(group)
            if made is None:
                return False
            self._keep(group, *made)
        return True

    def _plain(self, words: Sequence[str]) -> tuple[Any, TokenArrays]:
        """The tokens of words of letters only that are no special case: each is one token,
        neither punctuation nor sentence-final, keyed by the keyer (what spaCy and the key
        component make of it, checked by the tests) without the cost of a Doc."""
        import numpy as np

        from .keys import keyer

        key = keyer(self.lang)
        add = self.nlp.vocab.strings.add
        n = len(words)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=n)
        arrays = TokenArrays(
            np.fromiter((add(key(w)) for w in words), dtype=np.uint64, count=n),
            np.zeros(n, dtype=np.int64),
            lengths,
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=bool),
        )
        if self.negation:
            starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
            arrays.negation = self._negation(" ".join(words), starts, lengths)
        return np.ones(n, dtype=np.int64), arrays

    def _made(self, group: Sequence[str]) -> tuple[Any, TokenArrays] | None:
        """The tokens of spans (one space between them in one Doc, never a token): each
        span's token count, and the tokens with their start within their span; None when a
        span made no token."""
        import numpy as np

        text = " ".join(group)
        arrays = doc_arrays(self.nlp(text), self.period_ids)
        lengths = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        offsets = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        of_span = np.searchsorted(offsets, arrays.start, side="right") - 1
        counts = np.bincount(of_span, minlength=len(group))
        if not counts.all():
            return None
        if self.negation:
            arrays.negation = self._negation(text, arrays.start, arrays.length)
        arrays.start = arrays.start - offsets[of_span]
        return counts, arrays

    def _keep(self, group: Sequence[str], counts: Any, arrays: TokenArrays) -> None:
        """Add spans and their tokens (starts within the span) to what is known."""
        import numpy as np

        first = self._norm.size + np.concatenate(([0], np.cumsum(counts)[:-1]))
        for i, span in enumerate(group, start=len(self.index)):
            self.index[span] = i
        self._first.extend(first)
        self._count.extend(counts)
        self._norm.extend(arrays.norm)
        self._offset.extend(arrays.start)
        self._length.extend(arrays.length)
        self._period.extend(arrays.period)
        self._punct.extend(arrays.punct)
        if self.negation:
            assert arrays.negation is not None
            for grow, flags in zip(self._flags, arrays.negation, strict=True):
                grow.extend(flags)

    def _negation(self, text: str, starts: Any, lengths: Any) -> tuple[Any, Any, Any]:
        """Each token's negation flags (tokens given by their starts and lengths in text),
        found in the text of its span alone (the negator pattern never reaches across
        whitespace); clause breaks for every token."""
        import numpy as np

        from .negation import is_clause_break, negator_flags

        neg, after = negator_flags(text, starts, self.lang)
        ends = starts + lengths
        brk = np.fromiter(
            (
                is_clause_break(text[a:b])
                for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
            ),
            dtype=bool,
            count=len(ends),
        )
        return neg, after, brk

    def arrays(self, text: str) -> TokenArrays | None:
        """The token arrays the pipeline gives for a whole text (None: use the Doc path)."""
        import numpy as np

        if len(self.index) > MAX_SPANS:
            self._reset()
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        space = _space_table()[np.minimum(points, _LAST_SPACE + 1)]
        starts, ends = _runs(~space)
        words = text.split()  # the same runs (str.split cuts at str.isspace), as strings
        if len(words) != len(starts):
            return None
        w_starts, w_ends = _runs(space)
        # A whitespace run after a word loses one ' ' (that token's trailing space); a run
        # that was just that ' ' makes no span.
        lone = (w_ends - w_starts == 1) & (w_starts > 0)
        lone[lone] = points[w_starts[lone]] == 32
        gaps: list[tuple[int, str]] = []
        for a, b in zip(w_starts[~lone].tolist(), w_ends[~lone].tolist(), strict=True):
            if a > 0 and text[a] == " ":
                a += 1
            gaps.append((a, text[a:b]))
        index = self.index
        ids = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        missing = np.flatnonzero(ids < 0)
        if len(missing):
            new = [words[i] for i in missing.tolist()]
            if not self._add(list(dict.fromkeys(new)), joined=True):
                return None
            ids[missing] = [index[w] for w in new]
        new_gaps = [g for g in dict.fromkeys(g for _, g in gaps) if g not in index]
        if new_gaps and not self._add(new_gaps, joined=False):
            return None
        span_starts = starts.astype(np.int64)
        if gaps:
            ids = np.concatenate((ids, [index[g] for _, g in gaps]))
            span_starts = np.concatenate((span_starts, [a for a, _ in gaps]))
            order = np.argsort(span_starts, kind="stable")
            ids, span_starts = ids[order], span_starts[order]
        counts = self._count.view()[ids]
        total = int(counts.sum())
        ends_at = np.cumsum(counts)
        rows = np.repeat(self._first.view()[ids] - (ends_at - counts), counts) + np.arange(total)
        return TokenArrays(
            self._norm.view()[rows],
            np.repeat(span_starts, counts) + self._offset.view()[rows],
            self._length.view()[rows],
            self._period.view()[rows],
            self._punct.view()[rows],
            tuple(f.view()[rows] for f in self._flags) if self.negation else None,
        )


def independent(nlp: Any, components: Sequence[str]) -> bool:
    """True when a pipeline tokenises each whitespace-separated span on its own: no special
    case holds whitespace next to other characters (the tokenizer's special-case matcher
    could then join a word with what follows a space; one of whitespace alone, such as
    "\\n", stays inside its span), and its components are exactly `components` (ours, which
    key each lexeme alone)."""
    from spacy.tokenizer import Tokenizer

    if type(nlp.tokenizer) is not Tokenizer:  # Chinese, Japanese ...: their own segmenters
        return False
    rules = nlp.tokenizer.rules or {}
    if any(not text.isspace() and any(ch.isspace() for ch in text) for text in rules):
        return False
    return list(nlp.pipe_names) == list(components)


@cache
def for_pipeline(lang: str) -> SpanTokens | None:
    """The language pipeline's span tokeniser, or None when spans are not independent."""
    from .pipeline import COMPONENT, pipeline

    pipe = pipeline(lang)
    return SpanTokens(pipe.nlp, lang) if independent(pipe.nlp, [COMPONENT]) else None
