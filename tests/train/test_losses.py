"""InfoNCE with in-batch and hard negatives, against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from synth.train.losses import InfoNCELoss


def test_loss_is_cross_entropy_over_positives_and_negatives_scaled_by_temperature():
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    p = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    n = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    loss = InfoNCELoss(temperature=0.5)(q, p, n)
    # each row: logits [2, 0, 0, 2] / target 0 (or 1): -log(e^2 / (2e^2 + 2))
    expected = -math.log(math.exp(2) / (2 * math.exp(2) + 2))
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_perfectly_separated_batch_has_near_zero_loss():
    q = torch.eye(4)
    assert float(InfoNCELoss(0.01)(q, q.clone())) < 1e-6


def test_swapping_positives_raises_the_loss():
    q = torch.eye(3)
    loss = InfoNCELoss(0.1)
    assert float(loss(q, q[[1, 2, 0]])) > float(loss(q, q))


def test_config_dict_names_the_temperature_and_bad_temperatures_fail():
    assert InfoNCELoss(0.05).config_dict() == {"name": "infonce", "temperature": 0.05}
    with pytest.raises(ValueError):
        InfoNCELoss(0.0)


def test_one_positive_per_row_is_plain_cross_entropy():
    from synth.train.losses import multi_positive_infonce

    logits = torch.tensor([[3.0, 1.0, -1.0, 0.5], [0.0, 2.0, 1.0, -2.0]])
    diagonal = torch.zeros_like(logits, dtype=torch.bool)
    diagonal[0, 0] = diagonal[1, 1] = True
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]))
    assert float(multi_positive_infonce(logits, diagonal)) == pytest.approx(float(expected))


def test_each_positive_competes_with_the_negatives_only():
    from synth.train.losses import multi_positive_infonce

    logits = torch.tensor([[2.0, 1.0, 0.0]])
    positives = torch.tensor([[True, True, False]])
    # -log(e^2/(e^2+e^0)) and -log(e^1/(e^1+e^0)), averaged: the other positive is not in
    # either denominator
    expected = (math.log(1 + math.exp(-2)) + math.log(1 + math.exp(-1))) / 2
    assert float(multi_positive_infonce(logits, positives)) == pytest.approx(expected, rel=1e-6)


def test_a_translation_scored_like_the_answer_is_no_longer_penalised():
    q = torch.tensor([[1.0, 0.0]])
    answers = torch.tensor([[1.0, 0.0], [1.0, 0.0]])  # the answer and its translation
    negatives = torch.tensor([[0.0, 1.0], [0.0, 1.0]])
    loss = InfoNCELoss(0.05)
    one = loss(q.repeat(2, 1), answers, negatives)
    both = loss(q.repeat(2, 1), answers, negatives, relevant=torch.ones(2, 2, dtype=torch.bool))
    assert float(one) > 0.6  # the translation is a negative as strong as the positive: ~log 2
    assert float(both) < 1e-6


def test_a_row_without_positive_is_refused():
    from synth.train.losses import multi_positive_infonce

    with pytest.raises(ValueError, match="positive"):
        multi_positive_infonce(torch.zeros(2, 3), torch.tensor([[True, False, False], [False] * 3]))
