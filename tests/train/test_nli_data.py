"""Verifier-v4 mixture: SNLI detokenized, labels mapped, FarsTail repaired, dev slices by premise,
no benchmark text in training, Tatoeba pairs across languages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from synth.core.types import Label
from synth.train.nli_data import (
    ReadStats,
    check_covid_pairs,
    detokenize,
    farstail_pairs,
    farstail_row,
    label_of,
    nli_sets,
    stratified,
    tatoeba_pairs,
)
from synth.train.verifier_data import Pair


@pytest.mark.parametrize(
    ("tokenized", "expected"),
    [
        ("Two women are holding to go packages .", "Two women are holding to go packages."),
        ("He do n't know , she ca n't tell .", "He don't know, she can't tell."),
        ("The man 's dog is n't here ; wo n't come !", "The man's dog isn't here; won't come!"),
        ("A sign reads `` Stop '' .", 'A sign reads "Stop".'),
        (
            "A shirt with the words ' hippie killer ' on it",
            "A shirt with the words 'hippie killer' on it",
        ),
        ("A man ( in red ) sells it for $ 5 , 50 % off", "A man (in red) sells it for $5, 50% off"),
        ("The dogs ' toys", "The dogs' toys"),
    ],
    ids=["period", "negation", "clitics", "ptb-quotes", "single-quotes", "brackets", "plural-poss"],
)
def test_detokenize_undoes_snli_tokenization(tokenized, expected):
    assert detokenize(tokenized) == expected


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("entailment", Label.SUPPORTED),
        ("e", Label.SUPPORTED),
        ("SUPPORT", Label.SUPPORTED),
        ("contradiction", Label.CONTRADICTED),
        ("c", Label.CONTRADICTED),
        ("REFUTE", Label.CONTRADICTED),
        ("neutral", Label.NOT_ENOUGH_INFO),
        ("n", Label.NOT_ENOUGH_INFO),
        ("NOTENOUGHINFO", Label.NOT_ENOUGH_INFO),
        ("-", None),
    ],
)
def test_labels_map_entailment_contradiction_neutral(raw, label):
    assert label_of(raw) is label


def test_a_farstail_premise_quoted_over_tab_separated_bullets_is_joined():
    fields = ['"Results: •', "a city was freed •", 'prisoners were taken"', " Hypothesis.", "e"]
    assert farstail_row(fields, 0) == (
        "Results: • a city was freed • prisoners were taken",
        "Hypothesis.",
        "e",
    )


def test_a_farstail_lone_quote_column_is_dropped_and_test_columns_are_skipped():
    assert farstail_row(["Premise.", '"', "Hypothesis.", "c"], 0) == (
        "Premise.",
        "Hypothesis.",
        "c",
    )
    assert farstail_row(["Premise.", "Hypothesis.", "n", "1", "0"], 2) == (
        "Premise.",
        "Hypothesis.",
        "n",
    )


def test_farstail_keeps_every_row_and_counts_the_repaired(shared):
    stats = ReadStats()
    pairs = farstail_pairs(shared / "data" / "nli" / "farstail", "Train", stats)
    assert len(pairs) == 7266  # every row, the 13 with stray tabs repaired
    assert stats.repaired["farstail Train: stray tabs"] == 13 and not stats.dropped
    assert all("\t" not in p.evidence and p.claim for p in pairs)
    assert {p.claim_lang for p in pairs} == {"fa"}


def _pair(text: str) -> Pair:
    return Pair("claim " + text, "evidence " + text, Label.SUPPORTED, "x", "x:" + text)


def test_stratified_calibration_is_deterministic_and_shares_sources():
    pairs = [_pair(str(i)) for i in range(50)]
    pairs += [Pair(f"c{i}", f"e{i}", Label.CONTRADICTED, "y", f"y:{i}") for i in range(5)]
    kept, rest = stratified(pairs, 20)
    assert stratified(list(reversed(pairs)), 20)[0] == kept  # order-free
    assert len(kept) == 20 and sum(p.source == "y" for p in kept) == 5  # small source: all
    assert set(kept).isdisjoint(rest) and len(kept) + len(rest) == len(pairs)


@pytest.fixture(scope="module")
def sets(shared: Path):
    return nli_sets(shared / "data" / "nli", shared / "data" / "tatoeba", seed=0)


def test_dev_slices_are_about_a_tenth_deterministic_and_by_premise(sets, shared):
    again = nli_sets(shared / "data" / "nli", shared / "data" / "tatoeba", seed=0)
    for name in ("snli", "klue_nli", "jnli", "tatoeba"):
        train, dev = sets[name]["train"], sets[name]["dev"]
        assert again[name]["dev"] == dev
        assert 0.06 < len(dev) / (len(train) + len(dev)) < 0.14
        assert {p.group for p in train}.isdisjoint({p.group for p in dev})
        assert {(p.claim, p.evidence) for p in train}.isdisjoint(
            {(p.claim, p.evidence) for p in dev}
        )


def test_official_validation_splits_are_the_dev_side(sets):
    assert len(sets["indonli"]["dev"]) == 2197 and len(sets["farstail"]["dev"]) == 1537
    assert len(sets["check_covid"]["dev"]) == 207
    assert len(sets["indonli"]["train"]) == 10330 + 2201 + 2984


def test_snli_training_text_is_detokenized(sets):
    texts = [t for p in sets["snli"]["train"] for t in (p.claim, p.evidence)]
    assert len(sets["snli"]["train"]) + len(sets["snli"]["dev"]) == 9842 + 9824
    assert not any(t.endswith(" .") or " n't" in t or "``" in t for t in texts)


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def test_no_check_covid_test_text_in_training(sets, shared):
    with (shared / "data" / "nli" / "check_covid" / "pairs_flat.tsv").open(encoding="utf-8") as f:
        test = [r for r in csv.DictReader(f, delimiter="\t") if r["split"].startswith("test")]
    assert len(test) == 229
    training = [p for parts in sets.values() for p in parts["train"]]
    claims = {_norm(p.claim) for p in training}
    evidence = {_norm(p.evidence) for p in training}
    assert not any(_norm(r["claim"]) in claims for r in test)
    assert not any(_norm(r["evidence"]) in evidence for r in test)
    with pytest.raises(ValueError, match="benchmark"):
        check_covid_pairs(shared / "data" / "nli" / "check_covid", "test")


def test_no_xnli_text_in_training_or_dev(sets, shared):
    # XNLI is read here only to prove it is absent (CC BY-NC: measurement only)
    seen = {
        _norm(t)
        for parts in sets.values()
        for s in parts.values()
        for p in s
        for t in (p.claim, p.evidence)
    }
    xnli = shared / "data" / "nli" / "xnli"
    for path in [*xnli.glob("dev-*.tsv"), *xnli.glob("test/*.tsv")]:
        # split on newlines only: splitlines() would also cut at U+2028 inside a text
        for line in filter(None, path.read_text(encoding="utf-8").split("\n")):
            premise, hypothesis = line.split("\t")[:2]
            assert _norm(premise) not in seen or len(premise) < 25, (path.name, premise)
            assert _norm(hypothesis) not in seen or len(hypothesis) < 25, (path.name, hypothesis)


def test_no_scifact_dev_claim_in_training(shared):
    from synth.train.nli_data import build_mixture

    splits = build_mixture(
        shared / "data" / "nli",
        shared / "data" / "scifact",
        [shared / "data" / "xquad-r"],
        [],
        tatoeba_dir=shared / "data" / "tatoeba",
    )
    dev_claims = {_norm(p.claim) for p in splits["scifact_dev"]}
    assert dev_claims and not dev_claims & {_norm(p.claim) for p in splits["train"]}
    assert not dev_claims & {_norm(p.claim) for p in splits["calibration"] + splits["dev_rest"]}
    assert len(splits["calibration"]) == 720


def test_tatoeba_pairs_cross_languages_with_both_labels(shared):
    pairs = tatoeba_pairs(shared / "data" / "tatoeba", seed=0, per_language=20)
    assert pairs and all(p.claim_lang != p.evidence_lang for p in pairs)
    assert {p.label for p in pairs} == {Label.SUPPORTED, Label.NOT_ENOUGH_INFO}
    assert any("en" not in (p.claim_lang, p.evidence_lang) for p in pairs)  # X↔Y, not only X↔en
    assert pairs == tatoeba_pairs(shared / "data" / "tatoeba", seed=0, per_language=20)


# the v5 additions -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def v5(shared: Path):
    from synth.train.nli_data import v5_sets

    return v5_sets(shared / "data" / "nli", seed=0)


def test_v5_sets_read_each_source_with_its_label_space(v5):
    from collections import Counter

    labels = {name: Counter(p.label for p in parts["train"]) for name, parts in v5.items()}
    assert all(sum(c.values()) > 500 for c in labels.values()), labels
    assert labels["wice"][Label.CONTRADICTED] == 0, "WiCE has no contradiction class"
    assert labels["fever_symmetric"][Label.NOT_ENOUGH_INFO] == 0
    assert set(labels["check_covid_nei"]) == {Label.NOT_ENOUGH_INFO}
    breaking = labels["breaking_nli"]
    assert breaking[Label.CONTRADICTED] <= 1500, "the skewed set is sampled"


def test_v5_dev_slices_never_share_a_group_with_training(v5):
    for name, parts in v5.items():
        train_groups = {p.group for p in parts["train"]}
        assert not train_groups & {p.group for p in parts["dev"]}, name


def test_v5_never_reads_a_benchmark_split(v5, shared: Path):
    import json

    from synth.train.nli_data import check_covid_negatives, detokenize

    fever = shared / "data" / "nli" / "fever_symmetric"
    dev_claims = {
        detokenize(json.loads(line)["claim"])
        for line in (fever / "fever_symmetric_v0.2_dev.jsonl").read_text().splitlines()
        if line.strip()
    }
    used = {p.claim for part in v5["fever_symmetric"].values() for p in part}
    assert used <= dev_claims, "FEVER-Symmetric test is a benchmark: only dev is read"
    with pytest.raises(ValueError):
        check_covid_negatives(shared / "data" / "nli" / "check_covid", "test")
