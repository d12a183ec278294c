"""Training examples from LAReQA data: per question, its translations, each language's
relevant sentence and the hard negatives (the other sentences of the answer's paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass

from synth.retrieve.lareqa import LareqaSet


@dataclass(frozen=True, slots=True)
class Example:
    """One question in one language with its positive and hard negatives in that language."""

    question: str
    positive: str
    positive_key: int  # identifies the positive sentence (no two in one batch)
    negatives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """A question and its translations: language -> Example."""

    qid: str
    by_lang: dict[str, Example]


@dataclass(frozen=True, slots=True)
class Triplet:
    query: str
    positive: str
    negative: str
    query_lang: str
    passage_lang: str
    positive_key: int


def groups_from_lareqa(data: LareqaSet, split: str) -> list[Group]:
    """Groups for the questions of a split; only languages the question exists in."""
    by_paragraph: dict[tuple[str, int, int], list[int]] = {}
    for s in data.sentences:
        by_paragraph.setdefault((s.lang, s.article, s.paragraph), []).append(s.index)
    per_qid: dict[str, dict[str, Example]] = {}
    for q in data.questions_in(split):
        positive = q.answers[q.lang]
        siblings = by_paragraph[(q.lang, q.article, q.paragraph)]
        negatives = tuple(data.sentences[i].text for i in siblings if i != positive)
        per_qid.setdefault(q.qid, {})[q.lang] = Example(
            q.text, data.sentences[positive].text, positive, negatives
        )
    return [Group(qid, by_lang) for qid, by_lang in sorted(per_qid.items())]
