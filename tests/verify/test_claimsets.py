"""Reading labelled claims with their whole sources (SciFact/MultiVerS and Check-COVID
layouts) and the claim-level metrics."""

from __future__ import annotations

import json

import pytest

from synth.core.errors import NotFoundError, ParseError
from synth.core.types import Label
from synth.verify.claimsets import claim_metrics, read_claim_set


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_scifact_layout_labels_come_from_evidence_and_no_evidence_is_nei(tmp_path):
    _jsonl(
        tmp_path / "corpus.jsonl",
        [
            {"doc_id": 1, "title": "T1", "abstract": ["A rises.", "B falls."]},
            {"doc_id": 2, "title": "T2", "abstract": ["C is stable."]},
        ],
    )
    _jsonl(
        tmp_path / "claims_dev.jsonl",
        [
            {
                "id": 1,
                "claim": "A rises.",
                "cited_doc_ids": [1],
                "evidence": {"1": [{"sentences": [0], "label": "SUPPORT"}]},
            },
            {
                "id": 2,
                "claim": "B rises.",
                "cited_doc_ids": [1, 2],
                "evidence": {"1": [{"sentences": [1], "label": "CONTRADICT"}]},
            },
            {"id": 3, "claim": "D is new.", "cited_doc_ids": [2], "evidence": {}},
            {"id": 4, "claim": "E.", "cited_doc_ids": [99], "evidence": {}},
        ],
    )
    _jsonl(tmp_path / "claims_train.jsonl", [{"id": 9, "claim": "x", "cited_doc_ids": [1]}])
    read = read_claim_set(tmp_path, "dev")
    assert [c.label for c in read.claims] == [
        Label.SUPPORTED,
        Label.CONTRADICTED,
        Label.NOT_ENOUGH_INFO,
    ]
    assert [d.id for d in read.claims[1].docs] == ["1", "2"]
    assert read.skipped == {"no cited document in the corpus": 1}
    assert read.files == ["claims_dev.jsonl"]


def test_check_covid_layout_reads_claims_of_the_split(tmp_path):
    _jsonl(tmp_path / "corpus.json", [{"cord_id": "a", "title": "t", "abstract": ["S1.", "S2."]}])
    _jsonl(
        tmp_path / "covidCheck_test_composed.json",
        [{"id": "1", "claim": "Masks work.", "cord_id": "a", "label": "REFUTE"}],
    )
    read = read_claim_set(tmp_path, "test")
    assert read.layout == "check-covid"
    assert read.claims[0].label is Label.CONTRADICTED
    assert read.claims[0].docs[0].sentences == ("S1.", "S2.")


def test_a_malformed_line_names_the_file_and_line(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"doc_id": 1, "abstract": ["x"]}\n[1, 2]\n')
    _jsonl(tmp_path / "claims_dev.jsonl", [])
    with pytest.raises(ParseError, match="corpus.jsonl: line 2"):
        read_claim_set(tmp_path, "dev")


def test_a_directory_of_neither_layout_or_a_missing_split_is_a_clear_error(tmp_path):
    with pytest.raises(NotFoundError, match="neither corpus.jsonl"):
        read_claim_set(tmp_path)
    _jsonl(tmp_path / "corpus.jsonl", [])
    with pytest.raises(NotFoundError, match="split 'test'"):
        read_claim_set(tmp_path, "test")


def test_metrics_count_crosses_on_supported_claims_and_the_precision_of_cross():
    s, c, n = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_ENOUGH_INFO
    gold = [s, s, s, s, c, c, n, n]
    pred = [s, s, c, n, c, n, n, c]
    m = claim_metrics(gold, pred, [0.9, 0.8, 0.1, 0.3, 0.1, 0.2, 0.2, 0.1])
    assert m["x_on_supported"] == pytest.approx(1 / 4)
    assert m["x_precision"] == pytest.approx(1 / 3)
    assert m["recall"]["supported"] == pytest.approx(2 / 4)
    assert m["precision"]["supported"] == pytest.approx(1.0)
    assert m["predicted_counts"] == {"supported": 2, "contradicted": 3, "not_enough_info": 3}
    assert 0.0 <= m["macro_f1"] <= 1.0
