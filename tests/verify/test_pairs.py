"""Labelled pairs for `synth eval verifier`: the layouts users bring, and the metrics."""

from __future__ import annotations

import json

import pytest

from synth.core.errors import NotFoundError, ParseError
from synth.core.types import Label
from synth.verify.pairs import NOT_SUPPORTED, read_pairs, verdict_metrics

S, C, N = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_ENOUGH_INFO


def test_jsonl_with_any_label_vocabulary_and_an_optional_language(tmp_path):
    rows = [
        {"claim": "A.", "evidence": "A!", "label": "supported", "lang": "de"},
        {"hypothesis": "B.", "premise": "not B", "label": "contradiction"},
        {"claim": "C.", "evidence": "D", "label": "NOTENOUGHINFO"},
        {"claim": "E.", "evidence": "E", "label": "maybe"},
        {"claim": "", "evidence": "F", "label": "neutral"},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    read = read_pairs(path)
    assert [(p.claim, p.evidence, p.label, p.lang) for p in read.pairs] == [
        ("A.", "A!", S, "de"),
        ("B.", "not B", C, ""),
        ("C.", "D", N, ""),
    ]
    assert read.skipped == {"unknown label": 1, "no claim or evidence": 1}


def test_xnli_layout_takes_its_language_from_the_file_name(tmp_path):
    (tmp_path / "test-de.tsv").write_text("Prämisse.\tHypothese.\tentailment\n", encoding="utf-8")
    (tmp_path / "test-fr.tsv").write_text("Prémisse.\tHypothèse.\tneutral\n", encoding="utf-8")
    pairs = read_pairs(tmp_path).pairs
    assert [(p.evidence, p.claim, p.label, p.lang) for p in pairs] == [
        ("Prämisse.", "Hypothese.", S, "de"),
        ("Prémisse.", "Hypothèse.", N, "fr"),
    ]


def test_a_header_table_can_be_filtered_by_split(tmp_path):
    path = tmp_path / "pairs_flat.tsv"
    path.write_text(
        "split\tlabel\tevidence\tclaim\n"
        "train\tSUPPORT\tE1\tC1\n"
        "test_composed\tREFUTE\tE2\tC2\n"
        "test_extracted\tSUPPORT\tE3\tC3\n",
        encoding="utf-8",
    )
    assert [p.claim for p in read_pairs(path, split="test").pairs] == ["C2", "C3"]
    assert len(read_pairs(path, limit=1).pairs) == 1


def test_unusable_inputs_are_clear_errors(tmp_path):
    with pytest.raises(NotFoundError):
        read_pairs(tmp_path / "missing.jsonl")
    with pytest.raises(NotFoundError, match="no .jsonl"):
        read_pairs(tmp_path)
    bad = tmp_path / "x.tsv"
    bad.write_text("just one column\n", encoding="utf-8")
    with pytest.raises(ParseError):
        read_pairs(bad)


def test_three_way_metrics_by_hand():
    gold = [S, S, C, N]
    predicted = [S, N, C, N]
    m = verdict_metrics(gold, predicted, [1.0, 0.5, 0.0, 0.0])
    assert m["accuracy"] == 0.75
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 1 + 1) / 3)
    # F1: supported 2/3, contradicted 1, nei 2/3
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert m["per_label_recall"] == {"supported": 0.5, "contradicted": 1.0, "not_enough_info": 1.0}
    # ECE over 15 bins: |1-1|*1/4 + |0.5-0|*1/4 + |0-0|*2/4
    assert m["ece"] == pytest.approx(0.125)


def test_binary_gold_labels_measure_supported_vs_not():
    m = verdict_metrics([S, NOT_SUPPORTED, NOT_SUPPORTED], [S, C, S], [0.9, 0.1, 0.6])
    assert m["binary"] and m["accuracy"] == pytest.approx(2 / 3)
    assert m["per_label_recall"] == {"supported": 1.0, "not_supported": 0.5}
