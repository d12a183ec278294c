"""Verifier training pairs: each contradiction rule, labels from SciFact, splits by document."""

from __future__ import annotations

import numpy as np
import pytest

from synth.core.types import Label
from synth.train.verifier_data import (
    contradict,
    edit_antonym,
    edit_negation,
    edit_number,
    edit_order,
    edit_swap,
    scifact_pairs,
)
from synth.verify.guards import negation_mismatch, number_mismatch


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_number_edit_changes_a_number_and_the_number_guard_sees_it():
    claim = "The model covers 11 languages."
    edited = edit_number(claim, rng())
    assert edited != claim and number_mismatch(edited, claim)


def test_number_edit_keeps_decimals_and_never_touches_years():
    edited = edit_number("In 2024 recall was 0.75.", rng(1))
    assert "2024" in edited and re_decimal(edited)


def re_decimal(text: str) -> bool:
    import re

    return bool(re.search(r"\d\.\d\d", text))


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Hybrid batches reduce bias.", None),
        ("Hybrid training increases recall.", "Hybrid training decreases recall."),
        ("Higher learning rates help.", "Lower learning rates help."),
        ("It outperforms the baseline.", "It underperforms the baseline."),
    ],
    ids=["no-antonym-word", "increases", "capitalised", "outperforms"],
)
def test_antonym_edit_flips_a_direction_word(claim, expected):
    assert edit_antonym(claim, rng()) == expected


def test_negation_edit_inserts_not_after_the_auxiliary_or_removes_it():
    assert edit_negation("Language bias is reduced.", rng()) == "Language bias is not reduced."
    assert edit_negation("Language bias is not reduced.", rng()) == "Language bias is reduced."
    assert negation_mismatch(edit_negation("It is reduced.", rng()), "It is reduced.")


def test_swap_edit_replaces_a_name_with_another_of_the_document():
    edited = edit_swap("Experiments use XQuAD-R.", rng(), ["XQuAD-R", "MLQA-R"])
    assert edited == "Experiments use MLQA-R."


def test_order_edit_swaps_respectively_pairs():
    edited = edit_order("XQuAD-R and MLQA-R have 11 and 7 languages, respectively.", rng())
    assert edited in {
        "MLQA-R and XQuAD-R have 11 and 7 languages, respectively.",
        "XQuAD-R and MLQA-R have 7 and 11 languages, respectively.",
    }


def test_contradict_is_deterministic_per_seed_and_names_its_rule():
    claim = "The method improves accuracy by 12 points on XQuAD-R."
    first = contradict(claim, rng(5), ["MLQA-R"])
    assert first == contradict(claim, rng(5), ["MLQA-R"])
    assert first[0] != claim and first[1] in {"number", "antonym", "negation", "swap", "order"}


def test_a_sentence_no_rule_applies_to_gives_none():
    assert contradict("Cats purr softly", rng()) is None


def test_scifact_rte_labels_map_to_supported_and_contradicted(shared):
    pairs = scifact_pairs(shared / "data" / "scifact", "dev")
    labels = [p.label for p in pairs]
    assert len(pairs) == 209
    assert labels.count(Label.SUPPORTED) == 138 and labels.count(Label.CONTRADICTED) == 71
    assert all(p.group.startswith("scifact:") for p in pairs)
