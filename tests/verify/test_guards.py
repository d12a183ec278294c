"""Guards on numbers, names and negation: surface forms must not fool them, in any language."""

from __future__ import annotations

import pytest

from synth.verify.guards import (
    is_negated,
    name_mismatch,
    names,
    negation_mismatch,
    number_mismatch,
    numbers,
)


@pytest.mark.parametrize(
    "text",
    ["3e-5", "3E-5", "3 × 10^-5", "3x10^-5", "3·10⁻⁵", "3 * 10**-5", "0.00003", "3×10^{-5}"],
    ids=["e", "E", "times-caret", "x-caret", "superscript", "python", "decimal", "latex-brace"],
)
def test_every_spelling_of_three_times_ten_to_the_minus_five_is_one_value(text):
    assert [q.value for q in numbers(f"lr = {text}.")] == pytest.approx([3e-5])


def test_thousands_separators_percent_signs_and_leading_dots_are_read():
    found = numbers("1,000 samples, 30 % and 45% gains, .5 and −2")
    assert [(q.value, q.percent) for q in found] == [
        (1000, False),
        (30, True),
        (45, True),
        (0.5, False),
        (-2, False),
    ]


def test_digits_inside_names_are_not_numbers():
    assert numbers("XQuAD-R uses mE5 and GPT-4") == []


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("The learning rate is 3e-5.", "We train with a learning rate of 3 × 10^-5."),
        (
            "XQuAD-R and MLQA-R have 11 and 7 languages, respectively.",
            "XQuAD-R covers 11 languages and MLQA-R covers 7.",
        ),
        ("Accuracy improves by 30%.", "Accuracy improves by 0.3 absolute."),
        ("Recall reaches 0.5.", "Recall reaches 50%."),
        ("In 2024 the model reached 91.2 mAP.", "The model reaches 91.2 mAP."),
    ],
    ids=[
        "sci-notation",
        "respectively",
        "percent-as-fraction",
        "fraction-as-percent",
        "year-ignored",
    ],
)
def test_matching_numbers_in_other_forms_pass(claim, evidence):
    assert number_mismatch(claim, evidence) is None


@pytest.mark.parametrize(
    ("claim", "evidence", "reason"),
    [
        (
            "The learning rate is 3e-4.",
            "We use a learning rate of 3 × 10^-5.",
            "number_mismatch: claim 3e-4, source 3 × 10^-5",
        ),
        (
            "The model covers 12 languages.",
            "The model covers 11 languages.",
            "number_mismatch: claim 12, source 11",
        ),
        (
            "Das Modell erreicht 85% Genauigkeit.",
            "Das Modell erreicht 58% Genauigkeit.",
            "number_mismatch: claim 85%, source 58%",
        ),
    ],
    ids=["exponent", "count", "german-percent"],
)
def test_a_number_the_source_does_not_state_fires_with_both_values(claim, evidence, reason):
    assert number_mismatch(claim, evidence) == reason


def test_no_verdict_on_numbers_when_the_source_states_none():
    assert number_mismatch("It improves by 12%.", "It improves a lot.") is None


def test_names_are_tokens_with_inner_capitals_or_digits():
    assert names(
        "Experiments use XQuAD-R, MLQA-R and MIRACL with mE5, LaBSE and GPT-4. The Model"
    ) == {"XQuAD-R", "MLQA-R", "MIRACL", "mE5", "LaBSE", "GPT-4"}


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("mAP is reported.", "MAP is reported."),
        ("XQuAD-R is used.", "XQuAD R is used."),
        ("MLQA_R is used.", "mlqa-r is used."),
        ("EuclidNets keep accuracy at 8 bits.", "8-bit EuclidNet keeps its accuracy."),
    ],
    ids=["case", "hyphen-space", "underscore", "plural"],
)
def test_a_name_in_another_spelling_is_the_same_name(claim, evidence):
    assert name_mismatch(claim, evidence) is None


def test_a_name_the_source_never_mentions_fires():
    reason = name_mismatch(
        "Experiments on XQuAD-R, MLQA-R, and MIRACL.", "Experiments on XQuAD-R and MLQA-R."
    )
    assert reason == "name_missing: claim MIRACL"


@pytest.mark.parametrize(
    "text",
    [
        "It does not improve recall.",
        "It doesn't improve recall.",
        "Es verbessert nicht den Recall.",
        "Il n'améliore pas le rappel.",
        "Это не улучшает полноту.",
        "它不提高召回率。",
        "它没有提高召回率。",
        "यह रिकॉल में सुधार नहीं करता।",
        "لا يحسن الاستدعاء.",
        "มันไม่ได้ปรับปรุง",
        "Nó không cải thiện.",
    ],
    ids=["en", "en-contraction", "de", "fr", "ru", "zh", "zh-meiyou", "hi", "ar", "th", "vi"],
)
def test_negation_is_found_in_many_languages(text):
    assert is_negated(text)


@pytest.mark.parametrize(
    "text",
    [
        "It improves recall.",
        "Nothing else changes.",
        "Es verbessert den Recall.",
        "它提高了召回率。",
        "Notably, recall rises.",
    ],
    ids=["en", "nothing", "de", "zh", "notably"],
)
def test_affirmative_sentences_are_not_negated(text):
    assert not is_negated(text)


def test_negation_mismatch_reports_which_side_is_negated():
    assert negation_mismatch("It does not help.", "It helps.") == (
        "negation_mismatch: claim negated, source affirmed"
    )
    assert negation_mismatch("It helps.", "It helps a lot.") is None


# bindings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "claim, evidence",
    [
        (
            "XQuAD-R covers 7 languages and MLQA-R covers 11 languages.",
            "XQuAD-R covers 11 languages, and MLQA-R covers 7 languages.",
        ),
        (
            "XQuAD-R covers 7 languages and MLQA-R covers 11 languages.",
            "XQuAD-R and MLQA-R are question-answering datasets with parallel questions and "
            "passages in 11 languages and 7 languages, respectively.",
        ),
        (
            "XQuAD-R covers 7 languages and MLQA-R covers 11 languages.",
            "For XQuAD-R (MLQA-R), there are 11 and 7 parallel languages.",
        ),
        ("mE5 reaches 71.2 mAP on MIRACL.", "On MIRACL, mE5 reaches 64.0 mAP."),
        ("LaBSE outperforms mBERT on Tatoeba.", "On Tatoeba, mBERT outperforms LaBSE."),
        (
            "Vitamin D supplementation reduces the risk of fractures in older women.",
            "Vitamin D supplementation increased the risk of fractures in older women.",
        ),
    ],
)
def test_numbers_names_and_directions_bound_to_other_things_conflict(claim, evidence):
    from synth.verify.guards import conflict

    assert conflict(claim, evidence) is not None


@pytest.mark.parametrize(
    "claim, evidence",
    [
        (
            "XQuAD-R covers 11 languages and MLQA-R covers 7 languages.",
            "XQuAD-R covers 11 languages, and MLQA-R covers 7 languages.",
        ),
        (
            "XQuAD-R covers 11 languages.",
            "XQuAD-R and MLQA-R are question-answering datasets with parallel questions and "
            "passages in 11 languages and 7 languages, respectively.",
        ),
        ("LaBSE outperforms mBERT on Tatoeba.", "LaBSE clearly outperforms mBERT on Tatoeba."),
        (
            "Hybrid batch training reduces language bias in multilingual retrieval.",
            "Hybrid batch training improves zero-shot retrieval performance while mitigating "
            "language bias.",
        ),
        (
            "The method improves accuracy on XNLI.",
            "The method reduces training cost by half.",
        ),
    ],
)
def test_the_same_bindings_or_different_subjects_are_no_conflict(claim, evidence):
    from synth.verify.guards import conflict

    assert conflict(claim, evidence) is None
