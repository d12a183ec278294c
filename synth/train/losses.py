"""Contrastive losses over (query, positive, hard negative) batches."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class InfoNCELoss:
    """InfoNCE with in-batch negatives: each query scores every positive and every hard
    negative in the batch; its own positive is the target class.

    The paper names no temperature; 0.05 is the common choice for e5-style encoders.
    """

    def __init__(self, temperature: float = 0.05) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        self.temperature = temperature

    def __call__(
        self, queries: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor | None = None
    ) -> torch.Tensor:
        # queries, positives, negatives: (batch, dim), L2-normalised
        candidates = positives if negatives is None else torch.cat([positives, negatives])
        logits = queries @ candidates.T / self.temperature  # (batch, batch or 2*batch)
        targets = torch.arange(queries.shape[0], device=queries.device)
        return F.cross_entropy(logits, targets)

    def config_dict(self) -> dict:
        return {"name": "infonce", "temperature": self.temperature}
