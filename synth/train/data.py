"""Training examples from LAReQA data: per question, its translations, each language's
relevant sentence and the hard negatives (the other sentences of the answer's paragraph);
and from Tatoeba bitext: each translation pair as a two-language group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synth.retrieve.bitext import Bitext
from synth.retrieve.lareqa import LareqaSet


@dataclass(frozen=True, slots=True)
class Example:
    """One question in one language with its positive and hard negatives in that language."""

    question: str
    positive: str
    positive_key: int  # identifies the positive sentence (no two in one batch)
    negatives: tuple[str, ...]
    # keys of every sentence that answers the question, in any language (its own positive's
    # included): the positives of a multi-positive batch
    relevant: frozenset[int] = frozenset()


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
    relevant: frozenset[int] = frozenset()  # positive keys that answer `query`, its own included


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
            q.text,
            data.sentences[positive].text,
            positive,
            negatives,
            frozenset(q.answers.values()),
        )
    return [Group(qid, by_lang) for qid, by_lang in sorted(per_qid.items())]


def text_key(text: str) -> int:
    """A positive key for sentences that have no index (Tatoeba's): equal texts share a key,
    so the same English sentence, translated into two languages, is never its own negative."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=7).digest(), "big")


def groups_from_bitext(bitexts: Sequence[Bitext], seed: int, negatives: int = 3) -> list[Group]:
    """One two-language group per translation pair (its language and English). A sentence's
    negatives are other sentences of its own file, drawn once per seed (Tatoeba has no
    paragraphs to take hard negatives from). Every translation of an English sentence, in any
    language, is relevant to every other: they say the same thing."""
    rng = np.random.default_rng(seed)
    meaning: dict[str, set[int]] = {}
    for bitext in bitexts:
        for own, english in zip(bitext.sentences, bitext.english, strict=True):
            meaning.setdefault(english, {text_key(english)}).add(text_key(own))
    groups: list[Group] = []
    for bitext in bitexts:
        n = len(bitext.sentences)
        if n < 2:
            continue
        for i, (own, english) in enumerate(zip(bitext.sentences, bitext.english, strict=True)):
            others = [int(j) for j in rng.choice(n - 1, size=min(negatives, n - 1), replace=False)]
            others = [j + (j >= i) for j in others]  # skip the pair itself
            relevant = frozenset(meaning[english])
            groups.append(
                Group(
                    f"tatoeba-{bitext.lang}-{i}",
                    {
                        bitext.lang: Example(
                            own,
                            own,
                            text_key(own),
                            tuple(bitext.sentences[j] for j in others),
                            relevant,
                        ),
                        "eng": Example(
                            english,
                            english,
                            text_key(english),
                            tuple(bitext.english[j] for j in others),
                            relevant,
                        ),
                    },
                )
            )
    return groups
