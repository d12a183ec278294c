"""Batch samplers of arXiv 2408.10536: X-X-mono, X-Y (cross-lingual) and hybrid.

- mono: the whole batch in one language, drawn uniformly over the training languages;
- cross: every triplet has query language != passage language (both drawn uniformly from
  the languages the question exists in);
- hybrid: each batch is mono with probability alpha, cross otherwise.
With several training sets, each batch's source set is drawn in proportion to its size.
Translation pairs (`bitext`, e.g. Tatoeba as two-language groups) fill a `bitext_share` of each
cross-lingual batch, in either direction; mono batches never draw them (a sentence would be
its own positive).
With `positives_per_question` k > 1, a cross-lingual batch takes each question in k languages
at once: k rows whose passages are its answer in k languages and whose queries are the
question in those same languages, each paired with another language's answer; every answer in
the batch is then a positive for each of the k queries (the loss reads `Triplet.relevant`).
A batch never holds two triplets with the same positive sentence (in-batch negatives would
then contain a false negative). Batches depend only on (seed, epoch): rerunning an epoch
reproduces it exactly, which is what makes training resumable.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from synth.train.data import Group, Triplet

STRATEGIES = ("mono", "cross", "hybrid")


@dataclass(frozen=True, slots=True)
class BatchSampler:
    datasets: Sequence[Sequence[Group]]
    batch_size: int
    strategy: str = "hybrid"
    alpha: float = 0.5
    seed: int = 0
    bitext: Sequence[Group] = ()
    bitext_share: float = 0.0
    positives_per_question: int = 1

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, not {self.strategy!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must lie in [0, 1]")
        if not 0.0 <= self.bitext_share <= 1.0:
            raise ValueError("bitext_share must lie in [0, 1]")
        if self.bitext_share and not self.bitext:
            raise ValueError("bitext_share > 0 needs bitext groups")
        if self.positives_per_question < 1:
            raise ValueError("positives_per_question must be at least 1")

    @property
    def steps_per_epoch(self) -> int:
        return max(1, sum(len(d) for d in self.datasets) // self.batch_size)

    def batches(self, epoch: int) -> Iterator[tuple[str, list[Triplet]]]:
        """(kind, triplets) for every step of `epoch`; kind is "mono" or "cross"."""
        rng = np.random.default_rng([self.seed, epoch])
        sizes = np.array([len(d) for d in self.datasets], dtype=float)
        for _ in range(self.steps_per_epoch):
            groups = self.datasets[int(rng.choice(len(sizes), p=sizes / sizes.sum()))]
            if self.strategy == "mono" or (self.strategy == "hybrid" and rng.random() < self.alpha):
                yield "mono", self._mono(groups, rng)
            else:
                yield "cross", self._cross(groups, rng)

    def _mono(self, groups: Sequence[Group], rng: np.random.Generator) -> list[Triplet]:
        languages = sorted({lang for g in groups for lang in g.by_lang})
        lang = languages[int(rng.integers(len(languages)))]
        pool = [g for g in groups if lang in g.by_lang]
        return self._fill(pool, rng, lambda g: [(lang, lang)])

    def _cross(self, groups: Sequence[Group], rng: np.random.Generator) -> list[Triplet]:
        pool = [g for g in groups if len(g.by_lang) >= 2]

        def pick(group: Group) -> list[tuple[str, str]]:
            langs = sorted(group.by_lang)
            x, y = rng.choice(len(langs), size=2, replace=False)
            return [(langs[int(x)], langs[int(y)])]

        def pick_k(group: Group) -> list[tuple[str, str]]:
            # k languages in random order; row j: the question in language j+1, the answer in
            # language j (never its own language, and each language once on either side)
            langs = sorted(group.by_lang)
            k = min(self.positives_per_question, len(langs))
            chosen = [langs[int(i)] for i in rng.choice(len(langs), size=k, replace=False)]
            return [(chosen[(j + 1) % k], chosen[j]) for j in range(k)]

        n_bitext = round(self.batch_size * self.bitext_share)
        rows = pick_k if self.positives_per_question > 1 else pick
        batch = self._fill(pool, rng, rows, self.batch_size - n_bitext)
        if n_bitext:
            seen = {t.positive_key for t in batch}
            batch += self._fill(self.bitext, rng, pick, n_bitext, seen)
        return batch

    def _fill(
        self,
        pool: Sequence[Group],
        rng: np.random.Generator,
        rows,
        size: int | None = None,
        seen: set[int] | None = None,
    ) -> list[Triplet]:
        """Up to `size` triplets from the groups of `pool` in random order; `rows(group)` names
        the (query language, passage language) of each triplet a group gives."""
        size = self.batch_size if size is None else size
        batch: list[Triplet] = []
        seen = set() if seen is None else seen
        if size <= 0:
            return batch
        for index in rng.permutation(len(pool)):
            group = pool[int(index)]
            for query_lang, passage_lang in rows(group):
                example = group.by_lang[passage_lang]
                if example.positive_key in seen or not example.negatives:
                    continue
                seen.add(example.positive_key)
                negative = example.negatives[int(rng.integers(len(example.negatives)))]
                query = group.by_lang[query_lang]
                batch.append(
                    Triplet(
                        query.question,
                        example.positive,
                        negative,
                        query_lang,
                        passage_lang,
                        example.positive_key,
                        query.relevant | {query.positive_key},
                    )
                )
                if len(batch) == size:
                    return batch
        return batch
