"""Contrastive losses over (query, positive, hard negative) batches: plain in-batch InfoNCE,
and the same loss with gradient caching for batches of hundreds."""

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


class CachedInfoNCELoss:
    """InfoNCE over a batch far larger than fits in memory at once, by gradient caching
    (GradCache, arXiv 2101.06983) through sentence-transformers'
    CachedMultipleNegativesRankingLoss: embed in mini-batches without gradients, take the
    loss and its gradient at the embeddings over the whole batch, then re-embed each
    mini-batch with gradients. Same loss as `InfoNCELoss` (cosine / temperature, each query
    against every positive and hard negative), memory of one mini-batch.

    Columns are sorted by the passage's length before embedding (the loss does not depend on
    the order of triplets): mini-batches of similar lengths waste little on padding.
    """

    def __init__(self, model, temperature: float, mini_batch_size: int, bf16: bool) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        from sentence_transformers.sentence_transformer.losses import (
            CachedMultipleNegativesRankingLoss,
        )

        class _Cached(CachedMultipleNegativesRankingLoss):
            # both embedding passes under the same autocast: the replay in the backward hook
            # runs outside the caller's autocast context
            def embed_minibatch(self, *args, **kwargs):
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    reps, state = super().embed_minibatch(*args, **kwargs)
                return reps.float(), state

        self.model = model
        self.temperature = temperature
        self.mini_batch_size = mini_batch_size
        self.loss = _Cached(model, scale=1.0 / temperature, mini_batch_size=mini_batch_size)

    def __call__(self, queries: list[str], positives: list[str], negatives: list[str]):
        order = sorted(range(len(queries)), key=lambda i: len(positives[i]) + len(negatives[i]))
        columns = [[column[i] for i in order] for column in (queries, positives, negatives)]
        features = [self.model.preprocess(column) for column in columns]
        return self.loss(features, None)

    def config_dict(self) -> dict:
        return {
            "name": "cached_infonce",
            "temperature": self.temperature,
            "mini_batch_size": self.mini_batch_size,
        }
