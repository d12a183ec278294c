"""The evaluation pictures: reliability bins and the confusion matrix are computed right,
and `--plot` writes a PNG with both."""

from __future__ import annotations

import json

from synth.render.plots import confusion, plot_evaluation, reliability


def test_reliability_bins_hold_mean_confidence_share_supported_and_count():
    rows = reliability([0.05, 0.15, 0.12, 0.95, 1.0], [False, True, False, True, True])
    assert rows == [(0.05, 0.0, 1), (0.135, 0.5, 2), (0.975, 1.0, 2)]


def test_the_confusion_matrix_counts_gold_rows_against_predicted_columns():
    counts = confusion(
        ["supported", "supported", "contradicted", "not_enough_info"],
        ["supported", "not_enough_info", "supported", "not_enough_info"],
    )
    assert counts == [[1, 0, 1], [1, 0, 0], [0, 0, 1]]


def test_plot_writes_a_png(tmp_path):
    points = {
        "p_supported": [0.9, 0.2, 0.6],
        "supported": [True, False, False],
        "gold": ["supported", "contradicted", "not_enough_info"],
        "predicted": ["supported", "contradicted", "supported"],
    }
    path = plot_evaluation(points, tmp_path / "eval.png", "title")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_evaluations_points_make_its_picture(fake_context, tmp_path):
    from synth.app.evaluate import evaluate_verifier

    rows = [
        {"claim": "Sales rose.", "evidence": "Sales rose in May.", "label": "supported"},
        {"claim": "Costs fell.", "evidence": "The sky is blue.", "label": "not_enough_info"},
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    points = evaluate_verifier(fake_context(), data, points=True)["points"]
    assert points["gold"] == ["supported", "not_enough_info"]
    assert len(points["predicted"]) == 2
    assert plot_evaluation(points, tmp_path / "eval.png", "t").stat().st_size > 1000
