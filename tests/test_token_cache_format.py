"""The token cache blob: compact, lossless for any offsets, older formats simply recomputed."""

from __future__ import annotations

import json
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.nlp.cache import TokenTable


def _table(keys: int, gaps: list[int], lengths: list[int], turns: int) -> TokenTable:
    n = len(gaps)
    starts = np.cumsum(np.array(gaps, dtype=np.int64)).astype(np.int32)
    ends = (starts + np.array(lengths, dtype=np.int64)).astype(np.int32)
    rng = np.random.default_rng(n)
    return TokenTable(
        keys=[f"k{i}" for i in range(keys)],
        key_ids=rng.integers(0, max(keys, 1), n).astype(np.int32) if keys else np.zeros(n, "i4"),
        starts=starts,
        ends=ends,
        sent_starts=rng.random(n) < 0.1,
        turn_starts=np.sort(rng.integers(0, max(n, 1), turns)).astype(np.int32),
    )


def _same(a: TokenTable, b: TokenTable) -> bool:
    fields = ("key_ids", "starts", "ends", "sent_starts", "turn_starts")
    return a.keys == b.keys and all(
        getattr(a, f).tolist() == getattr(b, f).tolist() for f in fields
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 70_000),
    st.lists(st.tuples(st.integers(0, 70_000), st.integers(0, 300)), max_size=50),
    st.integers(0, 5),
)
def test_blob_round_trips_whatever_the_sizes(
    keys: int, tokens: list[tuple[int, int]], turns: int
) -> None:
    # keys past 255 and 65,535, gaps and lengths past a byte: every narrow type is exercised
    table = _table(keys if tokens else 0, [g for g, _ in tokens], [n for _, n in tokens], turns)
    back = TokenTable.from_bytes(table.to_bytes("sig"), "sig")
    assert back is not None
    assert _same(back, table)
    assert back.starts.dtype == np.int32 and back.key_ids.dtype == np.int32


def test_blob_takes_a_few_bytes_a_token() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    table = _table(3_000, rng.integers(1, 12, n).tolist(), rng.integers(1, 11, n).tolist(), 200)
    table.key_ids = np.minimum(rng.zipf(1.3, n), 2_999).astype(np.int32)  # words follow Zipf
    blob = table.to_bytes("sig")
    assert len(blob) / n < 4  # format 1 took 12 bytes a token plus the keys


def test_an_entry_in_the_old_format_is_not_read_but_recomputed() -> None:
    header = json.dumps({"format": 1, "turns": "sig", "n": 0, "t": 0, "keys": []}).encode()
    old = struct.pack("<I", len(header)) + header
    assert TokenTable.from_bytes(old, "sig") is None


def test_a_damaged_entry_is_not_read() -> None:
    blob = _table(5, [1, 2, 3], [1, 1, 1], 1).to_bytes("sig")
    assert TokenTable.from_bytes(blob[:-5], "sig") is None
    assert TokenTable.from_bytes(blob, "other turns") is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=70))
def test_negation_flags_round_trip_with_the_table(flags: list[tuple[bool, bool, bool]]) -> None:
    n = len(flags)
    table = _table(4 if n else 0, [1] * n, [1] * n, 1)
    table.negation = tuple(np.array([f[k] for f in flags], dtype=bool) for k in range(3))
    table.negation_key = "lv/negation-x"
    back = TokenTable.from_bytes(table.to_bytes("sig"), "sig")
    assert back is not None and _same(back, table)
    assert back.negation_key == "lv/negation-x" and back.negation is not None
    assert [a.tolist() for a in back.negation] == [a.tolist() for a in table.negation]


def test_an_entry_of_format_2_is_read_without_negation_flags() -> None:
    table = _table(5, [1, 2, 3], [1, 1, 1], 1)
    blob = table.to_bytes("sig")
    (size,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + size])
    header["format"] = 2
    del header["negation"]  # format 2 had neither the key nor the flags
    new = json.dumps(header).encode()
    back = TokenTable.from_bytes(struct.pack("<I", len(new)) + new + blob[4 + size :], "sig")
    assert back is not None and _same(back, table) and back.negation is None
