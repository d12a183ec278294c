"""What a trained verifier says about itself: the name and data a report's Methodology shows."""

from __future__ import annotations

from synth.core.types import Label
from synth.train.verifier_data import Pair
from synth.train.verifier_loop import training_data_line


def pair(source: str) -> Pair:
    return Pair("claim", "evidence", Label.SUPPORTED, source, "g", "en", "en")


def test_the_training_data_line_names_sources_most_pairs_first():
    pairs = [pair("edit")] + [pair("snli")] * 3 + [pair("scifact")] * 2
    assert training_data_line(pairs) == "SNLI, SciFact and rule-made contradictions"


def test_one_source_is_named_alone_and_an_unknown_source_by_its_key():
    assert training_data_line([pair("mednli")]) == "mednli"
