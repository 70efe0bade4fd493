"""Codebook rules matched on cached keys: inflections, excludes, windows, patterns, offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nlp_fixtures import make_code, make_item

from qualcode.errors import CodebookError
from qualcode.nlp.cache import TokenTable, tokenise
from qualcode.nlp.matching import compile_rules, match_transcript, phrase_keys
from qualcode.nlp.phrases import find_phrase
from qualcode.nlp.pipeline import pipeline


def run(turns: list[tuple[str, str]], *codes, lang: str = "lv", respondent_only: bool = True):
    item = make_item(turns, lang)
    table = tokenise(item)
    only = {i for i, t in enumerate(item.turns) if t.role == "respondent"}
    spans = [(t.start, t.end) for t in item.turns]
    return item, match_transcript(
        table,
        item.text,
        spans,
        compile_rules(list(codes), lang),
        only_turns=only if respondent_only else None,
    )


def test_a_keyword_matches_its_inflected_forms() -> None:
    code = make_code("needs-training", ["mācības", "kursi"])
    item, found = run(
        [
            ("interviewer", "Ko vajag?"),
            ("respondent", "Viņai vajag mācību kursus un vairāk mācībām laika."),
            ("respondent", "Par mācībās apgūto runāsim vēlāk."),
        ],
        code,
    )
    assert [p.turn_index for p in found] == [1, 2]
    words = [item.text[h.start : h.end] for h in found[0].hits]
    assert words == ["mācību", "kursus", "mācībām"]
    assert found[0].score > found[1].score  # two distinct terms beat one


def test_interviewer_turns_are_left_out_unless_asked() -> None:
    code = make_code("low-pay", ["alga"])
    turns = [("interviewer", "Kāda ir alga?"), ("respondent", "Nezinu.")]
    assert run(turns, code)[1] == []
    assert [p.turn_index for p in run(turns, code, respondent_only=False)[1]] == [0]


def test_exclude_cancels_its_sentence_only_with_a_sentence_window() -> None:
    code = make_code("more-hours", ["stunda"], exclude=["mācību stunda"], window="sentence")
    item, found = run([("respondent", "Viņa sēž mācību stundā. Vajag vairāk stundu nedēļā.")], code)
    (passage,) = found
    assert item.text[passage.start : passage.end] == "Vajag vairāk stundu nedēļā."
    assert [item.text[h.start : h.end] for h in passage.hits] == ["stundu"]


def test_exclude_cancels_the_whole_turn_with_a_turn_window() -> None:
    code = make_code("regular-meetings", ["satikties"], exclude=["vecāku sapulce"])
    _, found = run([("respondent", "Vajag biežāk satikties. Bet vecāku sapulcē viņa nav.")], code)
    assert found == []


def test_a_phrase_never_runs_from_one_turn_into_the_next() -> None:
    code = make_code("more-hours", ["darba laiks"])
    _, found = run(
        [("respondent", "Tas ir mans darba"), ("respondent", "laiks nav svarīgs.")], code
    )
    assert found == []
    _, found = run([("respondent", "Mans darba laiks ir par īsu.")], code)
    assert len(found) == 1


def test_patterns_are_case_insensitive_regexes_inside_turns() -> None:
    code = make_code("teacher-assistant", [], patterns=[r"skolās\s+vajag\s+palīg"])
    item, found = run([("respondent", "Skolās vajag palīgus, kas runā romu valodā.")], code)
    (passage,) = found
    assert passage.hits[0].kind == "pattern"
    assert item.text[passage.hits[0].start : passage.hits[0].end] == "Skolās vajag palīg"


def test_a_word_inside_a_matched_phrase_is_not_counted_twice() -> None:
    code = make_code("more-hours", ["slodze", "pilna slodze"])
    _, (passage,) = run([("respondent", "Viņai vajag pilnu slodzi.")], code)
    assert [h.term for h in passage.hits] == ["pilna slodze"]


def test_one_keyword_list_serves_latvian_and_english_transcripts() -> None:
    code = make_code("needs-training", ["mācības", "training"])
    assert len(run([("respondent", "She needs more trainings.")], code, lang="en")[1]) == 1
    assert len(run([("respondent", "Viņai vajag mācības.")], code, lang="lv")[1]) == 1


def test_an_invalid_pattern_is_reported_with_file_line_and_code(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(
        'codes:\n  - name: low-pay\n    keywords: [alga]\n    patterns:\n      - "alg(a"\n',
        encoding="utf-8",
    )
    from qualcode.codebook import read_codebook_file

    with pytest.raises(CodebookError) as err:
        read_codebook_file(path)
    assert f"{path}:5" in str(err.value) and "low-pay" in str(err.value)


# -- the key matcher gives PhraseMatcher's results; offsets slice the matched words ---------

FORMS = [
    "mācības",
    "mācību",
    "stundu",
    "stundām",
    "darbiniekiem",
    "darbinieks",
    "alga",
    "algu",
    "un",
    "ir",
    "vajag",
    "mums",
    "darba",
    "laiks",
    "laiku",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(FORMS), min_size=1, max_size=12), min_size=1, max_size=5),
    st.lists(st.lists(st.sampled_from(FORMS), min_size=1, max_size=3), min_size=1, max_size=4),
    st.lists(st.sampled_from([" ", "  ", ", ", ". "]), min_size=1, max_size=4),
)
def test_key_matching_equals_phrasematcher_on_norm(
    turn_words: list[list[str]], phrases: list[list[str]], seps: list[str]
) -> None:
    from spacy.matcher import PhraseMatcher

    nlp = pipeline("lv").nlp
    texts = [
        "".join(w + seps[i % len(seps)] for i, w in enumerate(words)).strip()
        for words in turn_words
    ]
    item = make_item([("respondent", t) for t in texts])
    table = tokenise(item)
    patterns = [" ".join(p) for p in phrases]
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    for i, doc in enumerate(nlp.pipe(patterns)):
        matcher.add(str(i), [doc])
    expected: set[tuple[str, int, int]] = set()
    for turn in item.turns:
        doc = nlp(turn.text)
        for match_id, s, e in matcher(doc):
            span = doc[s:e]
            expected.add(
                (
                    nlp.vocab.strings[match_id],
                    turn.start + span.start_char,
                    turn.start + span.end_char,
                )
            )
    got: set[tuple[str, int, int]] = set()
    for i, keys in enumerate(phrase_keys(patterns, "lv")):
        for p in find_phrase(table, keys):
            start, end = int(table.starts[p]), int(table.ends[p + len(keys) - 1])
            got.add((str(i), start, end))
            # the offsets slice exactly the matched words, whose keys are the phrase's keys
            assert tuple(t.norm_ for t in nlp(item.text[start:end])) == keys
    assert got == expected


def test_token_tables_round_trip_and_refuse_other_turns() -> None:
    item = make_item([("respondent", "Viņai vajag mācības. Jā!"), ("interviewer", "Labi.")])
    table = tokenise(item)
    blob = table.to_bytes(item.signature())
    back = TokenTable.from_bytes(blob, item.signature())
    assert back is not None
    assert back.keys == table.keys
    for name in ("key_ids", "starts", "ends", "sent_starts", "turn_starts"):
        assert getattr(back, name).tolist() == getattr(table, name).tolist()
    assert TokenTable.from_bytes(blob, "other turns") is None
    assert TokenTable.from_bytes(b"\x00\x01garbage", item.signature()) is None
    words = [item.text[s:e] for s, e in zip(table.starts, table.ends, strict=True)]
    assert words == ["Viņai", "vajag", "mācības", ".", "Jā", "!", "Labi", "."]
    assert table.sent_starts.tolist() == [1, 0, 0, 0, 1, 0, 1, 0]
    assert table.turn_starts.tolist() == [0, 6]


# -- precision tools: exclude_context, min_score, the question's support; folded keys -----


def test_exclude_context_vetoes_a_keyword_near_its_words() -> None:
    code = make_code("more-hours", ["stunda"], exclude_context={"stunda": ["skola", "mācības"]})
    assert run([("respondent", "Bērns skolā nokavēja stundu.")], code)[1] == []
    assert run([("respondent", "Mācību stundu sarakstu mainīja.")], code)[1] == []
    (passage,) = run([("respondent", "Man vajag vairāk stundu nedēļā.")], code)[1]
    assert passage.hits[0].term == "stunda"


def test_exclude_context_for_every_keyword_leaves_far_words_alone() -> None:
    code = make_code("more-hours", ["stunda"], exclude_context={"*": ["skola"]})
    text = "Skola ir tālu no mājām, ceļš ir garš un grūts. Man vajag vairāk stundu."
    assert len(run([("respondent", text)], code)[1]) == 1


def test_min_score_drops_weak_passages() -> None:
    code = make_code("needs-training", ["mācības", "kursi"], min_score=0.6)
    _, found = run(
        [("respondent", "Vajag mācības un kursus."), ("respondent", "Vajag mācības.")], code
    )
    assert [p.turn_index for p in found] == [0]


def test_the_question_supports_an_answer_but_is_never_suggested() -> None:
    code = make_code("needs-training", ["mācības"])
    _, found = run(
        [("interviewer", "Vai jums vajag mācības?"), ("respondent", "Jā, mācības palīdzētu.")],
        code,
    )
    (passage,) = found
    assert passage.turn_index == 1
    assert [h.kind for h in passage.context] == ["context"]
    assert passage.score > 0.5  # one word (0.5) plus the question's support
    _, alone = run([("interviewer", "Vai jums vajag mācības?"), ("respondent", "Jā.")], code)
    assert alone == []


def test_a_word_typed_without_diacritics_matches_at_a_lower_weight() -> None:
    code = make_code("needs-training", ["mācības"])
    _, (weak,) = run([("respondent", "Vajag macibas.")], code)
    _, (full,) = run([("respondent", "Vajag mācības.")], code)
    assert [h.kind for h in weak.hits] == ["folded"]
    assert 0 < weak.score < full.score


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), min_size=0, max_size=25))
def test_dropping_nested_hits_equals_the_pairwise_rule(spans: list[tuple[int, int]]) -> None:
    from qualcode.nlp.matching import Hit, _drop_nested

    hits = [Hit(f"t{i}", "keyword", s, s + n, 0, 0) for i, (s, n) in enumerate(spans)]
    expected = [
        h
        for h in hits
        if not any(
            k.start <= h.start and h.end <= k.end and (k.end - k.start) > (h.end - h.start)
            for k in hits
        )
    ]
    assert sorted(_drop_nested(hits)) == sorted(expected)
