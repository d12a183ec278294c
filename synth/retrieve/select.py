"""Which papers a question draws on: question-to-(title + abstract) similarity, keeping the
close leaders. Pure ranking over a `CachedEncoder`; the library decides what the candidates are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synth.core.types import Paper
from synth.retrieve.embed import CachedEncoder


def paper_text(paper: Paper) -> str:
    """What a paper is ranked by: its title and abstract."""
    return f"{paper.title}. {paper.abstract}"


def rank_papers(
    question: str, papers: Sequence[Paper], encoder: CachedEncoder
) -> list[tuple[Paper, float]]:
    """Every paper with its similarity to the question, best first (ties keep input order)."""
    if not papers:
        return []
    vectors = encoder.passages([paper_text(p) for p in papers], description="embedding abstracts")
    scores = vectors @ encoder.queries([question])[0]  # (n_papers,)
    order = np.argsort(-scores, kind="stable")
    return [(papers[i], float(scores[i])) for i in order]


def select_papers(
    question: str,
    papers: Sequence[Paper],
    encoder: CachedEncoder,
    max_papers: int,
    margin: float,
) -> list[tuple[Paper, float]]:
    """At most `max_papers` papers scoring within `margin` of the best one."""
    ranked = rank_papers(question, papers, encoder)
    if not ranked:
        return []
    best = ranked[0][1]
    return [(p, s) for p, s in ranked[:max_papers] if s >= best - margin]
