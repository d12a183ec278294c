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
