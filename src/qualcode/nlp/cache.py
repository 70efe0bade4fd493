"""Per-transcript token keys: tokenise once, keep the keys in `token_cache`, reuse them.

A cached table is reused while the transcript's sha256, its turn offsets and the pipeline
version are unchanged, so re-running `suggest` after a codebook edit never tokenises again.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..models import Turn
from .pipeline import pipeline, pipeline_version

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..store import Store
    from .span_tokens import TokenArrays

# 2: keys and arrays zlib-compressed, offsets as gaps and lengths in the narrowest types.
# 3: the same, and the tokens' negation flags (nlp/negation.py) when the language has them.
# An entry in another format is tokenised again and replaced (see from_bytes); one in format
# 2 is read, and its negation flags are found when matching needs them.
FORMAT = 3
_READS = (2, 3)
Progress = Callable[[int], None]  # called with the number of transcripts just finished


@dataclass(frozen=True)
class TranscriptText:
    """What tokenising needs of a stored transcript."""

    id: int
    name: str
    sha256: str
    language: str
    text: str
    turns: tuple[Turn, ...]

    def signature(self) -> str:
        """A hash of the turn offsets: a cache made for other turns is not reused."""
        spans = ",".join(f"{t.start}:{t.end}" for t in self.turns)
        return hashlib.sha1(spans.encode()).hexdigest()[:16]


@dataclass
class TokenTable:
    """The tokens of one transcript: key ids, character offsets, sentence starts."""

    keys: list[str]  # distinct keys; key_ids index into it
    key_ids: NDArray[np.int32]
    starts: NDArray[np.int32]  # character offsets into the transcript text
    ends: NDArray[np.int32]
    sent_starts: NDArray[np.bool_]  # True where a sentence (or a turn) begins
    turn_starts: NDArray[np.int32]  # token index where each turn begins, in turn order
    # (negator before?, negator after?, clause break?) per token, made with the table so a
    # re-match after a codebook edit does not search the text again (a third of its time),
    # and the language and negation lexicon they were made for (negation.flags_key).
    negation: tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]] | None = None
    negation_key: str | None = None
    _index: dict[str, int] | None = field(default=None, repr=False)
    _postings: tuple[Any, Any] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.key_ids)

    def key_index(self) -> dict[str, int]:
        """Key -> key id."""
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self.keys)}
        return self._index

    def positions(self, key_id: int) -> NDArray[np.intp]:
        """Token indices (ascending) where a key occurs."""
        import numpy as np

        if self._postings is None:
            order = np.argsort(self.key_ids, kind="stable")
            bounds = np.concatenate(
                ([0], np.cumsum(np.bincount(self.key_ids, minlength=len(self.keys))))
            )
            self._postings = (order, bounds)
        order, bounds = self._postings
        return order[bounds[key_id] : bounds[key_id + 1]]

    def turn_of(self, token_index: Any) -> Any:
        """Turn position(s) (0-based, in turn order) of token indices."""
        import numpy as np

        return np.searchsorted(self.turn_starts, token_index, side="right") - 1

    def sentence_ids(self) -> NDArray[np.intp]:
        """Sentence number of every token (a sentence never crosses a turn)."""
        import numpy as np

        return np.cumsum(self.sent_starts) - 1

    # -- serialisation ------------------------------------------------------------------

    def to_bytes(self, signature: str) -> bytes:
        """A compact blob: a small JSON header, then the keys and arrays, zlib-compressed.

        Offsets are stored as gaps between token starts and token lengths, and every array in
        the smallest unsigned type that holds it: about 4 bytes a token before compression
        instead of 12, and under 3 after it (level 1: quick to write and to read back).
        """
        import numpy as np

        starts = np.asarray(self.starts, dtype=np.int64)
        gaps = np.diff(starts, prepend=0)
        lengths = np.asarray(self.ends, dtype=np.int64) - starts
        arrays = (np.asarray(self.key_ids), gaps, lengths)
        dtypes = [_smallest_dtype(a) for a in arrays]
        header = json.dumps(
            {
                "format": FORMAT,
                "turns": signature,
                "n": len(self),
                "t": len(self.turn_starts),
                "dtypes": dtypes,
                "negation": self.negation_key if self.negation is not None else None,
            }
        ).encode("utf-8")
        keys = json.dumps(self.keys, ensure_ascii=False).encode("utf-8")
        parts = [struct.pack("<I", len(keys)), keys]
        parts += [
            np.ascontiguousarray(a, dtype=d).tobytes() for a, d in zip(arrays, dtypes, strict=True)
        ]
        parts.append(np.ascontiguousarray(self.turn_starts, dtype="<i4").tobytes())
        parts.append(np.packbits(self.sent_starts).tobytes())
        if self.negation is not None:
            parts += [np.packbits(flags).tobytes() for flags in self.negation]
        return struct.pack("<I", len(header)) + header + zlib.compress(b"".join(parts), 1)

    @classmethod
    def from_bytes(cls, blob: bytes, signature: str) -> TokenTable | None:
        """The table in a blob, or None when it was made in another format or for other turns."""
        import numpy as np

        try:
            (size,) = struct.unpack_from("<I", blob)
            header = json.loads(blob[4 : 4 + size].decode("utf-8"))
            if header.get("format") not in _READS or header.get("turns") != signature:
                return None  # an older cache entry (or other turns): tokenised again
            n, t = int(header["n"]), int(header["t"])
            data = zlib.decompress(blob[4 + size :])
            (keys_size,) = struct.unpack_from("<I", data)
            keys = json.loads(data[4 : 4 + keys_size].decode("utf-8"))
            pos = 4 + keys_size
            arrays = []
            for dtype, count in (*zip(header["dtypes"], (n, n, n), strict=True), ("<i4", t)):
                arr = np.frombuffer(data, dtype=dtype, count=count, offset=pos)
                arrays.append(arr)
                pos += arr.nbytes
            bits = []
            negation_key = header.get("negation")
            for _ in range(4 if negation_key is not None else 1):
                packed = np.frombuffer(data, dtype=np.uint8, count=(n + 7) // 8, offset=pos)
                bits.append(np.unpackbits(packed, count=n).astype(bool))
                pos += packed.nbytes
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError, zlib.error):
            return None  # a damaged cache entry is simply rebuilt
        key_ids, gaps, lengths, turn_starts = arrays
        starts = np.cumsum(gaps, dtype=np.int64)
        return cls(
            list(keys),
            key_ids.astype(np.int32),
            starts.astype(np.int32),
            (starts + lengths).astype(np.int32),
            bits[0],
            turn_starts.astype(np.int32),
            (bits[1], bits[2], bits[3]) if negation_key is not None else None,
            str(negation_key) if negation_key is not None else None,
        )


def _smallest_dtype(values: Any) -> str:
    """The narrowest little-endian integer type that holds every value."""
    low = int(values.min()) if len(values) else 0
    high = int(values.max()) if len(values) else 0
    if low >= 0:
        for dtype, top in (("u1", 0xFF), ("<u2", 0xFFFF), ("<u4", 0xFFFFFFFF)):
            if high <= top:
                return dtype
    return "<i8"


def period_ids(vocab: Any) -> Any:
    """Orth ids of the characters that end a sentence (spaCy's Sentencizer defaults)."""
    import numpy as np
    from spacy.pipeline import Sentencizer

    strings = vocab.strings
    return np.array([strings.add(c) for c in Sentencizer.default_punct_chars], dtype=np.uint64)


def sentence_starts(is_period: Any, is_punct: Any) -> Any:
    """Sentence starts by spaCy's Sentencizer rule, from arrays instead of a token loop.

    A sentence starts at the first token, and at each word (not punctuation) that follows
    a sentence-final character such as . ! ? with only punctuation in between.
    """
    import numpy as np

    out = np.zeros(len(is_period), dtype=bool)
    if not len(out):
        return out
    out[0] = True
    words = np.flatnonzero(~is_punct & ~is_period)
    seen = np.cumsum(is_period)  # periods up to and including each token
    before = np.concatenate(([0], seen[words[:-1]])) if len(words) else words
    out[words[seen[words] - before > 0]] = True
    return out


def tokenise(item: TranscriptText) -> TokenTable:
    """Tokenise one transcript with its language's pipeline."""
    return next(iter(tokenise_many([item])))


def tokenise_many(items: Sequence[TranscriptText]) -> Iterator[TokenTable]:
    """Token tables of transcripts: each transcript is one text, its tokens split by turn.

    Each distinct whitespace-separated span goes through the pipeline once per process
    (nlp/span_tokens.py), which gives the tokens a Doc of the whole text would; a pipeline
    where that does not hold makes the Doc. One text per transcript rather than per turn:
    per-doc overhead made turn-sized docs several times slower. Tokens outside every turn
    (header, speaker labels) are dropped; a sentence or phrase never runs across a turn
    boundary (see TokenTable.turn_of).
    """
    from .span_tokens import for_pipeline

    for item in items:
        spans = for_pipeline(item.language)
        arrays = spans.arrays(item.text) if spans is not None else None
        if arrays is None:
            yield table_from_doc(pipeline(item.language).nlp(item.text), item)
        else:
            yield table_from_arrays(arrays, item, spans.nlp.vocab.strings)  # type: ignore[union-attr]


def table_from_doc(doc: Any, item: TranscriptText) -> TokenTable:
    """The token table of a transcript's doc."""
    from .span_tokens import doc_arrays

    return table_from_arrays(doc_arrays(doc, period_ids(doc.vocab)), item, doc.vocab.strings)


def table_from_arrays(tokens: TokenArrays, item: TranscriptText, strings: Any) -> TokenTable:
    """The token table of a transcript from its tokens' arrays (keys as spaCy string ids,
    looked up in `strings`)."""
    import numpy as np

    starts = tokens.start
    ends = starts + tokens.length
    norms, period, punct, flags = tokens.norm, tokens.period, tokens.punct, tokens.negation
    t_start = np.array([t.start for t in item.turns], dtype=np.int64)
    t_end = np.array([t.end for t in item.turns], dtype=np.int64)
    pos = np.searchsorted(t_start, starts, side="right") - 1
    inside = pos >= 0
    inside[inside] &= starts[inside] < t_end[pos[inside]]
    norms, period, punct = norms[inside], period[inside], punct[inside]
    starts, ends, pos = starts[inside], ends[inside], pos[inside]
    clipped = np.flatnonzero(ends > t_end[pos])
    ends = np.minimum(ends, t_end[pos])  # a token never reaches into the next turn
    sent = sentence_starts(period, punct)
    turn_starts = np.searchsorted(starts, t_start, side="left")
    sent[turn_starts[turn_starts < len(sent)]] = True  # each turn starts a sentence
    uniq, inverse = np.unique(norms, return_inverse=True)
    table = TokenTable(
        keys=[strings[h] for h in uniq.tolist()],
        key_ids=inverse.ravel().astype(np.int32),
        starts=starts.astype(np.int32),
        ends=ends.astype(np.int32),
        sent_starts=sent,
        turn_starts=turn_starts.astype(np.int32),
    )
    if flags is None:
        from .negation import stored_flags

        stored_flags(table, item.text, item.language)
    else:
        from .negation import flags_key, is_clause_break, near_negators

        neg, after, breaks = (f[inside] for f in flags)
        brk = np.zeros(len(neg), dtype=bool)
        near = near_negators(neg)
        brk[near] = breaks[near]  # as token_flags: only near a negator
        for i in np.intersect1d(near, clipped).tolist():  # a token cut short at a turn's end
            brk[i] = is_clause_break(item.text[starts[i] : ends[i]])
        table.negation = (neg, after, brk)
        table.negation_key = flags_key(item.language)
    return table


def is_current(item: TranscriptText, version: str, sha256: str) -> bool:
    """True when a cached token table (made by pipeline `version` from text `sha256`) is
    still the transcript's: same text, same pipeline."""
    return version == pipeline_version(item.language) and sha256 == item.sha256


def load_tables(
    store: Store, items: Sequence[TranscriptText], progress: Progress | None = None
) -> tuple[dict[int, TokenTable], int]:
    """Token tables for transcripts, from the cache or tokenised now (and cached).

    Returns the tables by transcript id and how many transcripts were tokenised now.
    """
    tables: dict[int, TokenTable] = {}
    tokenised = 0
    for item, table, fresh in iter_tables(store, items, progress):
        tables[item.id] = table
        tokenised += fresh
    return tables, tokenised


def iter_tables(
    store: Store,
    items: Sequence[TranscriptText],
    progress: Progress | None = None,
    *,
    chunk: int = 50,
) -> Iterator[tuple[TranscriptText, TokenTable, bool]]:
    """(transcript, token table, tokenised now?) in the order given, CHUNK at a time.

    Only one chunk of tables is held at once, so a caller that uses each table and drops it
    works in bounded memory however large the corpus. Tables tokenised now are cached, each
    chunk in its own transaction (work done survives a later failure).
    """
    for lo in range(0, len(items), chunk):
        part = items[lo : lo + chunk]
        wanted = {i.id: i for i in part}
        found: dict[int, TokenTable] = {}
        for tid, version, sha, data in store.cache.get(list(wanted)):
            item = wanted[tid]
            if is_current(item, version, sha):
                table = TokenTable.from_bytes(data, item.signature())
                if table is not None:
                    found[tid] = table
        if progress and found:
            progress(len(found))
        todo = [i for i in part if i.id not in found]
        batch: list[tuple[int, str, str, bytes]] = []
        for item, table in zip(todo, tokenise_many(todo), strict=True):
            found[item.id] = table
            batch.append(
                (
                    item.id,
                    pipeline_version(item.language),
                    item.sha256,
                    table.to_bytes(item.signature()),
                )
            )
            if progress:
                progress(1)
        if batch:
            _save(store, batch)
        fresh = {i.id for i in todo}
        for item in part:
            yield item, found[item.id], item.id in fresh


def _save(store: Store, rows: list[tuple[int, str, str, bytes]]) -> None:
    # Saved in batches, each its own transaction: work done survives a later failure.
    store.cache.save(rows)


def transcript_texts(
    store: Store,
    *,
    names: Sequence[str] | None = None,
    default_language: str | None = None,
    with_text: bool = True,
) -> list[TranscriptText]:
    """Stored transcripts (all, or these names) with their text, turns and language.

    with_text=False gives heads only: text '' and turns without their text, a small fraction
    of the memory, for work that needs the texts a chunk at a time (`suggest`).
    """
    from ..language import guess_language

    rows = store.transcripts.texts(with_text=with_text)
    if names is not None:
        keep = set(names)
        rows = [r for r in rows if r["name"] in keep]
    turns = store.transcripts.turns_of({r["id"]: r["text"] for r in rows})
    out = []
    for r in rows:
        lang = r["language"] or default_language
        if not lang:
            text = r["text"] if with_text else store.transcripts.text(r["id"])
            lang = guess_language(text) or "xx"
        lang = lang.lower().replace("_", "-").split("-")[0]  # lv-LV -> lv
        out.append(
            TranscriptText(r["id"], r["name"], r["sha256"], lang, r["text"], tuple(turns[r["id"]]))
        )
    return out
