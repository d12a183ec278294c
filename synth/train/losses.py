"""Contrastive losses over (query, positive, hard negative) batches: in-batch InfoNCE, and the
same loss with gradient caching for batches of hundreds. Both take an optional relevance mask:
with it, every passage of the batch that answers a query is a positive for it (multi-positive
InfoNCE); without it, a query's own positive is its only one (the diagonal)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def multi_positive_infonce(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """Mean over rows of the mean over a row's positives p of -log(e^p / (e^p + sum_n e^n)).

    logits: (rows, candidates); positives: bool, same shape, at least one True per row. Each
    positive competes with the row's negatives only, never with its other positives: a
    question's answers in eleven languages should all rank above every non-answer, not against
    each other. With one positive per row this is plain cross-entropy.
    """
    if not bool(positives.any(dim=1).all()):
        raise ValueError("every row needs at least one positive")
    log_negatives = torch.logsumexp(logits.masked_fill(positives, float("-inf")), dim=1)
    # -log(e^p / (e^p + e^N)) = softplus(N - p); a row with no negative has N = -inf: loss 0
    per_positive = F.softplus(log_negatives[:, None] - logits)
    per_row = (per_positive * positives).sum(dim=1) / positives.sum(dim=1)
    return per_row.mean()


def _positive_mask(relevant: torch.Tensor | None, rows: int, columns: int) -> torch.Tensor:
    """(rows, columns) bool: `relevant` (rows x rows, over the positive columns) padded with
    False for the hard-negative columns; the diagonal when no relevance is given."""
    mask = torch.zeros(rows, columns, dtype=torch.bool)
    if relevant is None:
        mask[torch.arange(rows), torch.arange(rows)] = True
    else:
        mask[:, : relevant.shape[1]] = relevant
    return mask


class InfoNCELoss:
    """InfoNCE with in-batch negatives: each query scores every positive and every hard
    negative in the batch; its own positive (or, given `relevant`, every passage that answers
    it) is the target.

    The paper names no temperature; 0.05 is the common choice for e5-style encoders.
    """

    def __init__(self, temperature: float = 0.05) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        self.temperature = temperature

    def __call__(
        self,
        queries: torch.Tensor,
        positives: torch.Tensor,
        negatives: torch.Tensor | None = None,
        relevant: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # queries, positives, negatives: (batch, dim), L2-normalised; relevant: (batch, batch)
        candidates = positives if negatives is None else torch.cat([positives, negatives])
        logits = queries @ candidates.T / self.temperature  # (batch, batch or 2*batch)
        if relevant is None:
            targets = torch.arange(queries.shape[0], device=queries.device)
            return F.cross_entropy(logits, targets)
        return multi_positive_infonce(logits, _positive_mask(relevant, *logits.shape))

    def config_dict(self) -> dict:
        return {"name": "infonce", "temperature": self.temperature}


class CachedInfoNCELoss:
    """InfoNCE over a batch far larger than fits in memory at once, by gradient caching
    (GradCache, arXiv 2101.06983) through sentence-transformers' CachedLossMixin (the engine
    of its CachedMultipleNegativesRankingLoss): embed in mini-batches without gradients, take
    the loss and its gradient at the embeddings over the whole batch, then re-embed each
    mini-batch with gradients, replaying its dropout. Same loss as `InfoNCELoss` (cosine /
    temperature, each query against every positive and hard negative), memory of one
    mini-batch.

    Columns are sorted by the passage's length before embedding (the loss does not depend on
    the order of triplets): mini-batches of similar lengths waste little on padding.
    """

    def __init__(self, model, temperature: float, mini_batch_size: int, bf16: bool) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        from sentence_transformers.base.losses.gradcache import CachedLossMixin
        from torch import nn

        scale = 1.0 / temperature

        class _Cached(CachedLossMixin, nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model
                self.mini_batch_size = mini_batch_size

            # both embedding passes under the same autocast: the replay in the backward hook
            # runs outside the caller's autocast context
            def embed_minibatch(self, *args, **kwargs):
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    reps, state = super().embed_minibatch(*args, **kwargs)
                return reps.float(), state

            def calculate_loss(self, reps, labels=None, *, with_backward=False):
                queries, *columns = (F.normalize(torch.cat(r), dim=-1) for r in reps)
                candidates = torch.cat(columns)
                logits = queries @ candidates.T * scale
                loss = multi_positive_infonce(logits, _positive_mask(labels, *logits.shape))
                if with_backward:
                    loss.backward()
                    loss = loss.detach()
                return loss

            def forward(self, features, labels=None):
                return self.forward_cached(features, labels)

        self.model = model
        self.temperature = temperature
        self.mini_batch_size = mini_batch_size
        self.loss = _Cached()

    def __call__(
        self,
        queries: list[str],
        positives: list[str],
        negatives: list[str],
        relevant: torch.Tensor | None = None,
    ):
        order = sorted(range(len(queries)), key=lambda i: len(positives[i]) + len(negatives[i]))
        columns = [[column[i] for i in order] for column in (queries, positives, negatives)]
        features = [self.model.preprocess(column) for column in columns]
        if relevant is not None:
            index = torch.tensor(order)
            relevant = relevant[index][:, index]
        return self.loss(features, relevant)

    def config_dict(self) -> dict:
        return {
            "name": "cached_infonce",
            "temperature": self.temperature,
            "mini_batch_size": self.mini_batch_size,
        }
