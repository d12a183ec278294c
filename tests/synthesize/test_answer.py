"""The answer: themes of claims, every sentence citing rows and naming papers, nothing stated
that no paper supports or contradicts."""

from __future__ import annotations

import re

import numpy as np

from synth.core.ids import PaperId
from synth.core.types import Claim, Label, SourceCheck, Verdict
from synth.synthesize.answer import compose_answer, lead_in, themes

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


def test_a_supported_claim_names_its_paper_the_agreeing_and_the_conflicting_ones():
    (para,) = _answer(
        [
            _row(
                "Hybrid batches reduce language bias.",
                Label.SUPPORTED,
                {B: Label.SUPPORTED, C: Label.CONTRADICTED},
            )
        ]
    )
    (sentence,) = para.sentences
    assert sentence == (
        "2408.10536 reports that hybrid batches reduce language bias; 2305.05295 agrees and "
        "2110.15725 conflicts with it [C1]."
    )


def test_claims_no_paper_settles_are_open_questions_not_findings():
    paragraphs = _answer(
        [
            _row("Widgets help.", Label.SUPPORTED, {B: Label.NOT_ENOUGH_INFO}),
            _row("Cheese ages.", Label.NOT_ENOUGH_INFO, {B: Label.NOT_ENOUGH_INFO}, paper=B),
        ]
    )
    assert [p.lead for p in paragraphs][-1] == "Open questions"
    assert "[C2]" in paragraphs[-1].sentences[0] and "2305.05295" in paragraphs[-1].sentences[0]
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


def test_the_lead_in_is_the_themes_most_frequent_content_words():
    assert lead_in(["Language bias falls.", "Language bias is measured."]) == "Language and bias"
