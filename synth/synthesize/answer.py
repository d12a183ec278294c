"""Verified claims -> the answer to the question: themes of claims, each a paragraph with a
bold lead-in, every sentence citing claim ids ([C3], [C3, C5]) and naming the papers.
Extractive and template-based: deterministic, offline, no statement beyond the table.

Rules (Cn is row n of the claims table):
- a claim its own paper supports (✓) is stated as that paper's finding, with the other
  papers that agree (✓) or conflict (×) named in the same sentence;
- a claim its own paper contradicts (×) is stated as a conflict inside that paper;
- a claim only another paper supports is stated as that paper's support;
- claims with no ✓ or × anywhere are not stated as findings: one closing sentence names them
  as lacking verifiable evidence, with their papers.
Themes: claims are grouped greedily by the cosine of their vectors (CLUSTER_COSINE); a
theme's lead-in is its most frequent content words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from synth.core.types import AnswerParagraph, Label, SourceCheck, Verdict

CLUSTER_COSINE = 0.86
_WORD = re.compile(r"[^\W\d_][\w\-]{2,}", re.UNICODE)
_STOP = set(
    "the and for with that this from into than were was are has have had been which while "
    "where when what their there these those such also only both each more most other some "
    "very over under between across using used based show shows shown paper work approach "
    "method methods propose proposed results result our we its can may our not all new".split()
)


def short_id(paper_id: str) -> str:
    return paper_id.removeprefix("arxiv:")


def themes(vectors: np.ndarray, threshold: float = CLUSTER_COSINE) -> list[list[int]]:
    """Row indices grouped greedily: each row joins the first theme whose mean vector it is
    close to, else starts a new one. Rows keep their order inside a theme."""
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        scores = [float(vector @ c / (np.linalg.norm(c) or 1.0)) for c in centroids]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= threshold:
            groups[best].append(i)
            centroids[best] = centroids[best] + vector
        else:
            groups.append([i])
            centroids.append(np.array(vector, dtype=float))
    return groups


def lead_in(texts: Sequence[str]) -> str:
    """The theme's two most frequent content words (ties: first seen), as a short title."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if word not in _STOP:
                counts[word] += 1
                first.setdefault(word, len(first))
    top = sorted(counts, key=lambda w: (-counts[w], first[w]))[:2]
    title = " and ".join(top) if top else "Other findings"
    return title[:1].upper() + title[1:]


def _cite(rows: Sequence[int]) -> str:
    return "[" + ", ".join(f"C{r + 1}" for r in rows) + "]"


def _names(ids: Sequence[str]) -> str:
    ids = [short_id(i) for i in ids]
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _statement(text: str) -> str:
    """A claim as a clause after 'reports that': no final period, first letter lowered unless
    it starts an acronym or a name with capitals inside."""
    clause = text.rstrip(" .")
    first = clause.split(" ", 1)[0]
    if first[1:2].islower() and not any(ch.isupper() for ch in first[1:]):
        clause = clause[:1].lower() + clause[1:]
    return clause


def claim_sentence(row: int, verdict: Verdict, checks: Sequence[SourceCheck]) -> str | None:
    """The sentence stating one claim, or None when nothing supports or contradicts it."""
    claim = verdict.claim
    own = short_id(claim.paper_id or "") or "its source"
    supporters = [c.paper_id for c in checks if not c.own and c.verdict.label is Label.SUPPORTED]
    against = [c.paper_id for c in checks if not c.own and c.verdict.label is Label.CONTRADICTED]
    clause = _statement(claim.text)
    tail = ""
    if supporters:
        tail += f"; {_names(supporters)} {'agrees' if len(supporters) == 1 else 'agree'}"
    if against:
        joiner = " and " if supporters else "; "
        verb = "conflicts" if len(against) == 1 else "conflict"
        tail += f"{joiner}{_names(against)} {verb} with it"
    if verdict.label is Label.SUPPORTED:
        return f"{own} reports that {clause}{tail} {_cite([row])}."
    if verdict.label is Label.CONTRADICTED:
        conflict = "but its own text conflicts with this"
        return f"{own} states that {clause}, {conflict}{tail} {_cite([row])}."
    if supporters:
        return (
            f"{_names(supporters)} {'supports' if len(supporters) == 1 else 'support'} that "
            f"{clause}, which {own} states without further evidence of its own"
            + (f"; {_names(against)} conflicts with it" if against else "")
            + f" {_cite([row])}."
        )
    if against:
        return f"{_names(against)} conflicts with {own}'s statement that {clause} {_cite([row])}."
    return None


def compose_answer(
    verdicts: Sequence[Verdict],
    checks: Sequence[Sequence[SourceCheck]],
    vectors: np.ndarray,
) -> tuple[AnswerParagraph, ...]:
    """Paragraphs by theme, then one sentence on the claims without verifiable evidence."""
    paragraphs = []
    unsettled: list[int] = []
    for group in themes(vectors) if len(verdicts) else []:
        sentences = []
        for row in group:
            sentence = claim_sentence(row, verdicts[row], checks[row])
            if sentence is None:
                unsettled.append(row)
            else:
                sentences.append(sentence)
        if sentences:
            lead = lead_in([verdicts[r].claim.text for r in group])
            paragraphs.append(AnswerParagraph(lead, tuple(sentences)))
    if unsettled:
        unsettled.sort()
        papers = sorted({verdicts[r].claim.paper_id or "" for r in unsettled} - {""})
        whose = f" (from {_names(papers)})" if papers else ""
        paragraphs.append(
            AnswerParagraph(
                "Open questions",
                (
                    f"No selected paper gives verifiable evidence for or against "
                    f"{'this claim' if len(unsettled) == 1 else 'these claims'}{whose}, so "
                    f"{'it is' if len(unsettled) == 1 else 'they are'} not stated as findings "
                    f"{_cite(unsettled)}.",
                ),
            )
        )
    if not paragraphs:
        paragraphs.append(
            AnswerParagraph("No answer", ("The selected papers yielded no claim to check.",))
        )
    return tuple(paragraphs)
