"""What a trained verifier says about itself: the name and data a report's Methodology shows."""

from __future__ import annotations

from synth.core.types import Label
from synth.train.verifier_data import Pair
from synth.train.verifier_loop import VerifierConfig, combiner_pairs, training_data_line


def pair(source: str) -> Pair:
    return Pair("claim", "evidence", Label.SUPPORTED, source, "g", "en", "en")


def test_the_training_data_line_names_sources_most_pairs_first():
    pairs = [pair("edit")] + [pair("snli")] * 3 + [pair("scifact")] * 2
    assert training_data_line(pairs) == "SNLI, SciFact and rule-made contradictions"


def test_one_source_is_named_alone_and_an_unknown_source_by_its_key():
    assert training_data_line([pair("mednli")]) == "mednli"


def test_the_combiner_is_fitted_on_the_calibration_split_or_on_claim_verification_pairs():
    splits = {
        "train": [pair("scifact")],
        "calibration": [pair("snli"), pair("scifact")],
        "dev_rest": [pair("check_covid"), pair("jnli")],
    }
    assert VerifierConfig.model_fields["combiner_fit"].default == "calibration"
    fitted = combiner_pairs(splits, "claims")
    assert [p.source for p in fitted] == ["scifact", "check_covid"]
    assert combiner_pairs(splits, "calibration") == splits["calibration"]


def test_without_claim_verification_pairs_the_combiner_falls_back_to_the_calibration_split():
    splits = {"train": [], "calibration": [pair("snli")], "dev_rest": [pair("jnli")]}
    assert combiner_pairs(splits, "claims") == splits["calibration"]
