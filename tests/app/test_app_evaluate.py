"""`synth eval verifier` / `synth eval claims` orchestration with the fake verifier: every pair
judged once; every claim against its whole source, through the product's path."""

from __future__ import annotations

import json

from synth.app.evaluate import evaluate_bitext, evaluate_claims, evaluate_verifier


def test_pairs_are_judged_and_measured_per_language(fake_context, tmp_path):
    rows = [
        {
            "claim": "Sales rose.",
            "evidence": "Sales rose in May.",
            "label": "entailment",
            "lang": "en",
        },
        {"claim": "Costs fell.", "evidence": "The sky is blue.", "label": "neutral", "lang": "en"},
        {
            "claim": "Umsatz stieg.",
            "evidence": "Umsatz stieg im Mai.",
            "label": "entailment",
            "lang": "de",
        },
        {
            "claim": "Kosten sanken.",
            "evidence": "Kosten stiegen.",
            "label": "contradiction",
            "lang": "de",
        },
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    ctx = fake_context()
    result = evaluate_verifier(ctx, path)
    assert ctx.verifier.calls == [r["claim"] for r in rows]
    assert result["pairs"] == 4 and result["accuracy"] == 0.75  # the contradiction is missed
    assert set(result["per_language"]) == {"de", "en"}
    assert result["per_language"]["en"]["accuracy"] == 1.0
    assert {"macro_f1", "balanced_accuracy", "accuracy", "ece"} <= set(result)
    assert "points" not in result, "the per-pair points are only for reliability diagrams"


def test_points_give_each_pairs_p_supported_beside_its_gold_label(fake_context, tmp_path):
    rows = [
        {"claim": "Sales rose.", "evidence": "Sales rose in May.", "label": "supported"},
        {"claim": "Costs fell.", "evidence": "The sky is blue.", "label": "not_enough_info"},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    points = evaluate_verifier(fake_context(), path, points=True)["points"]
    assert points["supported"] == [True, False]
    assert points["p_supported"][0] > 0.5 > points["p_supported"][1]


def test_bitext_accuracy_is_measured_both_ways_per_language(fake_context, tmp_path):
    # the fake embedder knows "cat", "dog", "sun": "le cat again" (a bad translation of "the
    # moon") finds "the cat", and "the moon" finds nothing better than the first line
    own = ["le cat", "le dog", "le sun", "le cat again"]
    english = ["the cat", "the dog", "the sun", "the moon"]
    (tmp_path / "tatoeba.fra-eng.fra").write_text("\n".join(own), encoding="utf-8")
    (tmp_path / "tatoeba.fra-eng.eng").write_text("\n".join(english), encoding="utf-8")
    ctx = fake_context(["cat", "dog", "sun"])
    result = evaluate_bitext(ctx, tmp_path, ["fra"])
    assert result["per_language"]["fra"] == {
        "pairs": 4,
        "xx_to_en": 0.75,
        "en_to_xx": 0.75,
        "mean": 0.75,
    }
    assert result["mean"] == 0.75 and result["model_id"] == "fake-embedder"


def test_claims_are_judged_against_their_whole_source_with_claim_level_metrics(
    fake_context, tmp_path
):
    abstract = [
        "Sparse widgets were studied in three cities.",
        "Sparse widgets improve retrieval accuracy.",
        "Cheese ages faster in warm caves.",
    ]
    (tmp_path / "corpus.json").write_text(
        json.dumps({"cord_id": "a", "title": "Widgets", "abstract": abstract}) + "\n"
    )
    claims = [
        {
            "id": "1",
            "claim": "Sparse widgets improve retrieval accuracy.",
            "cord_id": "a",
            "label": "SUPPORT",
        },
        {"id": "2", "claim": "Sparse widgets hurt retrieval.", "cord_id": "a", "label": "REFUTE"},
        {"id": "3", "claim": "Widgets are cheap.", "cord_id": "a", "label": "NOTENOUGHINFO"},
    ]
    (tmp_path / "covidCheck_dev_x.json").write_text("".join(json.dumps(c) + "\n" for c in claims))
    ctx = fake_context(["widget", "retrieval", "cheese"])
    result = evaluate_claims(ctx, tmp_path, split="dev")
    assert ctx.verifier.calls == [c["claim"] for c in claims]
    assert result["claims"] == 3 and result["candidates"] >= 3
    assert result["recall"]["supported"] == 1.0
    assert result["x_on_supported"] == 0.0
    assert {"macro_f1", "accuracy", "ece", "precision", "recall", "x_precision"} <= set(result)
