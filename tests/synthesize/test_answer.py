"""The answer: an opening sentence that answers (or says the papers do not), themes of claims
led by key phrases of their claims, every sentence citing rows and naming papers, agreement
and conflict only between different papers, nothing stated that no paper supports or
contradicts."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from synth.core.ids import PaperId
from synth.core.types import Claim, Label, Page, SourceCheck, Verdict
from synth.extract.claims import candidates, stand_alone, worth_checking
from synth.synthesize.answer import (
    claim_sentence,
    compose_answer,
    key_phrase,
    lead_in,
    opening,
    themes,
)

A, B, C = PaperId("arxiv:2408.10536"), PaperId("arxiv:2305.05295"), PaperId("arxiv:2110.15725")


def _row(text: str, own: Label, others: dict[PaperId, Label], paper: PaperId = A):
    claim = Claim("c", text, paper)
    verdict = Verdict(claim, own, 0.9 if own is Label.SUPPORTED else 0.1)
    checks = [SourceCheck(paper, verdict, own=True)] + [
        SourceCheck(p, Verdict(claim, label, 0.5), own=False) for p, label in others.items()
    ]
    return verdict, checks


def _answer(rows, vectors=None):
    verdicts = [v for v, _ in rows]
    checks = [c for _, c in rows]
    vectors = np.eye(len(rows)) if vectors is None else vectors
    return compose_answer(verdicts, checks, vectors)


def test_the_opening_sentence_answers_from_the_best_ranked_supported_claim():
    rows = [
        _row("Latency is unchanged.", Label.NOT_ENOUGH_INFO, {}),
        _row("Hybrid batches reduce language bias.", Label.SUPPORTED, {B: Label.SUPPORTED}),
    ]
    first = _answer(rows)[0]
    assert first.lead == ""
    assert first.sentences == (
        "In short, the texts of 2408.10536 and 2305.05295 support that hybrid batches reduce "
        "language bias [C2].",
    )


def test_without_a_supported_claim_the_opening_says_the_papers_do_not_establish_an_answer():
    rows = [_row("Hybrid batches reduce language bias.", Label.NOT_ENOUGH_INFO, {})]
    sentence = opening([v for v, _ in rows], [c for _, c in rows])
    assert sentence.startswith("The selected papers do not establish an answer")
    assert "hybrid batches reduce language bias (2408.10536)" in sentence
    assert sentence.endswith("[C1].")


def test_a_claim_is_stated_with_the_other_papers_that_support_and_contradict_it():
    verdict, checks = _row(
        "Hybrid batches reduce language bias.",
        Label.SUPPORTED,
        {B: Label.SUPPORTED, C: Label.CONTRADICTED},
    )
    assert claim_sentence(0, verdict, checks) == (
        "According to 2408.10536, hybrid batches reduce language bias; 2305.05295's text "
        "supports this too, while 2110.15725's text contradicts it [C1]."
    )


def test_a_claim_that_already_names_its_paper_is_not_attributed_twice():
    verdict, checks = _row("2408.10536's method reduces bias.", Label.SUPPORTED, {})
    assert claim_sentence(0, verdict, checks) == "2408.10536's method reduces bias [C1]."


def test_a_claim_its_own_paper_contradicts_is_listed_for_review_never_stated_as_prose():
    paragraphs = _answer([_row("Bias rises with hybrid batches.", Label.CONTRADICTED, {})])
    text = " ".join(s for p in paragraphs for s in p.sentences)
    assert "its own text" not in text and "conflicts with this" not in text
    review = [s for p in paragraphs for s in p.sentences if s.startswith("For review")]
    assert len(review) == 1 and "[C1]" in review[0]
    stated = [s for p in paragraphs for s in p.sentences if s.startswith(("According", "In short"))]
    assert not stated


def test_claims_no_paper_settles_are_not_stated_as_findings():
    paragraphs = _answer(
        [
            _row("Widgets help.", Label.SUPPORTED, {B: Label.NOT_ENOUGH_INFO}),
            _row("Cheese ages.", Label.NOT_ENOUGH_INFO, {B: Label.NOT_ENOUGH_INFO}, paper=B),
        ]
    )
    last = paragraphs[-1].sentences[0]
    assert "[C2]" in last and "2305.05295" in last and "not stated as a finding" in last
    assert not any("ages" in s for p in paragraphs for s in p.sentences)


def test_every_sentence_cites_rows_that_exist():
    rows = [
        _row("Bias falls with hybrid batches.", Label.SUPPORTED, {B: Label.SUPPORTED}),
        _row("Bias rises with hybrid batches.", Label.CONTRADICTED, {}),
        _row("Recall rises by 5%.", Label.NOT_ENOUGH_INFO, {C: Label.SUPPORTED}),
        _row("Latency is unchanged.", Label.NOT_ENOUGH_INFO, {}),
    ]
    for para in _answer(rows):
        for sentence in para.sentences:
            cited = re.findall(r"C(\d+)", " ".join(re.findall(r"\[[^\]]+\]", sentence)))
            assert cited and all(1 <= int(n) <= len(rows) for n in cited), sentence


def test_close_vectors_share_a_theme_and_far_ones_do_not():
    vectors = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
    assert themes(vectors) == [[0, 1], [2]]


def test_the_lead_in_is_a_phrase_the_themes_claims_share_not_two_frequent_words():
    claims = [
        "Hybrid batch training reduces language bias in retrieval.",
        "Hybrid batch training improves zero-shot retrieval on XQuAD-R.",
    ]
    assert lead_in(claims, ["Robust training improves transfer."]) == "Hybrid batch training"


def test_a_key_phrase_holds_no_verb_number_or_function_word():
    assert key_phrase(["NCL gives 13% relative gains on ActivityNet."]) in {
        "Relative gains",
        "ActivityNet",
        "NCL",
    }


# --- properties over real sentences: every claim the corpus yields, in every answer form ------

CORPUS = Path(__file__).parents[2] / "corpus" / "unarxive-2212.jsonl.gz"


@cache
def corpus_claims() -> list[str]:
    """The claims synth extracts from the bundled corpus's abstracts, introductions and
    conclusions, made to stand alone."""
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            pid = PaperId(record["paper_id"])
            pages = [Page(pid, 0, record["abstract"]["text"])] + [
                Page(pid, i, p["text"], headings=((0, p["section"] or ""),))
                for i, p in enumerate(record["body_text"], start=1)
            ]
            for found in candidates(pages):
                if worth_checking(found.claim):
                    out.append(stand_alone(found.claim.text, record["paper_id"]))
    return out


def _grammatical(sentence: str, claim: str) -> None:
    """The frame around the claim is well formed, whatever the claim's own punctuation."""
    body = claim.rstrip(" .;:,")
    assert body[1:] in sentence, (body, sentence)  # the claim verbatim, first letter aside
    frame = sentence.replace(body[1:], "X")
    assert frame[:1].isupper() or frame[:1].isdigit(), sentence
    assert re.search(r" \[C\d+(, C\d+)*\]\.$", frame), sentence
    assert not re.search(r"\.\s*\[C|[,;]\s*[,;.]|\s[,;.]|\.\.|  ", frame), sentence
    assert frame.count("(") == frame.count(")"), sentence


@pytest.mark.parametrize(
    ("own", "others"),
    [
        (Label.SUPPORTED, {}),
        (Label.SUPPORTED, {B: Label.SUPPORTED, C: Label.CONTRADICTED}),
        (Label.NOT_ENOUGH_INFO, {B: Label.SUPPORTED}),
        (Label.NOT_ENOUGH_INFO, {B: Label.CONTRADICTED, C: Label.CONTRADICTED}),
    ],
)
def test_every_corpus_claim_makes_a_grammatical_answer_sentence(own, others):
    claims = corpus_claims()
    assert len(claims) > 100
    for text in claims:
        verdict, checks = _row(text, own, others)
        _grammatical(claim_sentence(0, verdict, checks), text)
        _grammatical(opening([verdict], [checks]), text)


def test_every_lead_in_is_a_phrase_of_one_of_its_claims():
    claims = corpus_claims()
    for i in range(0, len(claims) - 3, 3):
        group = claims[i : i + 3]
        lead = key_phrase(group, claims[:i])
        assert lead and any(lead.lower() in c.lower() for c in group), (lead, group)
        assert not re.search(r"\d|[.,;:]$", lead), lead
