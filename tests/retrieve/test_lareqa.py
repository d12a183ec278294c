"""LAReQA loading and the Mo / Cr / Mul protocol, on a two-language set built in the test."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth.retrieve.lareqa import LareqaSet, evaluate_lareqa, load_lareqa

SENTENCES = {"en": ["The cat sat.", "The dog ran."], "de": ["Die Katze saß.", "Der Hund lief."]}
QUESTIONS = {"en": ["Who sat?", "Who ran?"], "de": ["Wer saß?", "Wer lief?"]}


@pytest.fixture
def tiny(tmp_path):
    for lang, (s0, s1) in SENTENCES.items():
        context = f"{s0} {s1}"
        paragraph = {
            "context": context,
            "sentences": [s0, s1],
            "sentence_breaks": [[0, len(s0)], [len(s0) + 1, len(context)]],
            "qas": [
                {
                    "id": "q1",
                    "question": QUESTIONS[lang][0],
                    "answers": [{"answer_start": 0, "text": s0[:3]}],
                },
                {
                    "id": "q2",
                    "question": QUESTIONS[lang][1],
                    "answers": [{"answer_start": len(s0) + 1, "text": s1[:3]}],
                },
            ],
        }
        (tmp_path / f"{lang}.json").write_text(
            json.dumps({"data": [{"title": "t", "paragraphs": [paragraph]}]})
        )
    return load_lareqa(tmp_path)


def test_each_question_knows_its_relevant_sentence_in_every_language(tiny):
    by = {(q.qid, q.lang): q for q in tiny.questions}
    text = {s.index: s.text for s in tiny.sentences}
    assert text[by[("q1", "en")].answers["de"]] == "Die Katze saß."
    assert text[by[("q2", "de")].answers["en"]] == "The dog ran."


def test_protocol_matches_hand_computed_scores(tiny):
    order = [(s.lang, s.text) for s in tiny.sentences]
    assert order == [
        ("de", "Die Katze saß."),
        ("de", "Der Hund lief."),
        ("en", "The cat sat."),
        ("en", "The dog ran."),
    ]
    sentence_vectors = np.eye(4)  # so a query's scores are its own coordinates
    questions = sorted(tiny.questions, key=lambda q: (q.qid, q.lang))  # q1-de, q1-en, q2-de, q2-en
    query_vectors = np.array(
        [
            [0.9, 0.0, 0.8, 0.0],  # q1-de: perfect everywhere
            [0.5, 0.95, 0.9, 0.1],  # q1-en: Cr rank 2; Mul ranks 2 and 3; top-1 is German
            [0.0, 0.9, 0.0, 0.8],  # q2-de: perfect
            [0.0, 0.8, 0.0, 0.9],  # q2-en: perfect
        ]
    )
    s = evaluate_lareqa(tiny, questions, query_vectors, sentence_vectors)["summary"]
    assert s["mo_map"] == pytest.approx(1.0)
    assert s["cr_map"] == pytest.approx((0.75 + 1.0) / 2)
    assert s["cr_r1"] == pytest.approx((0.5 + 1.0) / 2)
    assert s["mul_map"] == pytest.approx(((0.5 + 2 / 3) / 2 + 3) / 4)
    assert s["mul_r10"] == pytest.approx(1.0)
    assert s["bias"] == pytest.approx(1.0)
    assert s["top1_same_lang"] == pytest.approx((1.0 + 0.5) / 2)


def test_xquad_r_uses_the_fixed_article_split():
    data = LareqaSet(("en",), 48, (), ())
    assert (data.articles("train"), data.articles("dev"), data.articles("test")) == (
        range(0, 36),
        range(36, 40),
        range(40, 48),
    )


def test_other_sets_split_by_the_same_proportions_without_overlap():
    data = LareqaSet(("en",), 24, (), ())
    parts = [set(data.articles(s)) for s in ("train", "dev", "test")]
    assert set().union(*parts) == set(range(24)) and sum(map(len, parts)) == 24
    assert max(parts[0]) < min(parts[1]) <= max(parts[1]) < min(parts[2])


def test_split_all_takes_every_article_whatever_the_set():
    # the zero-shot sets (other languages, other sizes) are evaluated whole with --split all
    for n_articles in (48, 24, 7):
        assert LareqaSet(("en",), n_articles, (), ()).articles("all") == range(n_articles)
