"""LAReQA-format data (XQuAD-R, MLQA-R): sentences as candidates, questions with one relevant
sentence per language, and the evaluation protocol of Roy et al. (2020) / arXiv 2408.10536.

A LAReQA directory holds one SQuAD-v1.1-style JSON file per language (`en.json`, …) whose
paragraphs carry `sentences` and `sentence_breaks` and align by position across the files. A
question's relevant sentence in language L is the sentence of L's aligned paragraph that holds
the answer's start offset. Questions missing in some languages are kept with the languages
they have.

Splits are by article position, identical in every language file. XQuAD-R (48 articles) uses
the project's fixed split: train 0–35, dev 36–39, test 40–47. Other directories use the same
proportions (75% / 8.3% / 16.7%, rounded down, test last). The candidate pool is always every
sentence of every article, so scores sit on the paper's scale.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth.core.errors import ConfigError, NotFoundError, ParseError
from synth.core.inputs import parse_json, read_text
from synth.retrieve import evaluate

SPLITS = ("train", "dev", "test", "all")
XQUAD_R_SPLIT = {"train": range(0, 36), "dev": range(36, 40), "test": range(40, 48)}


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int  # row in LareqaSet.sentences
    lang: str
    article: int
    paragraph: int  # position within the article
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    qid: str  # shared by the question's translations
    lang: str
    article: int
    paragraph: int
    text: str
    answers: dict[str, int]  # language -> Sentence.index of the relevant sentence


@dataclass(frozen=True, slots=True)
class LareqaSet:
    languages: tuple[str, ...]
    n_articles: int
    sentences: tuple[Sentence, ...]
    questions: tuple[Question, ...]

    def articles(self, split: str) -> range:
        if split == "all":
            return range(self.n_articles)
        if split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}", hint=f"use one of {', '.join(SPLITS)}")
        if self.n_articles == 48:
            return XQUAD_R_SPLIT[split]
        n_train = int(self.n_articles * 0.75)
        n_dev = max(1, int(self.n_articles * 0.083))
        bounds = {
            "train": (0, n_train),
            "dev": (n_train, n_train + n_dev),
            "test": (n_train + n_dev, self.n_articles),
        }
        return range(*bounds[split])

    def questions_in(self, split: str) -> list[Question]:
        keep = set(self.articles(split))
        return [q for q in self.questions if q.article in keep]


LAYOUT = (
    'expected SQuAD-style JSON as in ../shared/data/xquad-r: a top-level "data" list of '
    'articles, each with "paragraphs" holding "sentences", "sentence_breaks" (start/end '
    'pairs) and "qas" (id, question, answers)'
)


def load_lareqa(directory: Path) -> LareqaSet:
    """Read every `<lang>.json` in a LAReQA directory.

    Raises:
        NotFoundError: the directory has no language files.
        ParseError: a file is not UTF-8 JSON in the layout, or none holds a question.
    """
    files = sorted(p for p in Path(directory).glob("*.json") if len(p.stem) <= 5)
    if not files:
        raise NotFoundError(
            f"{directory} holds no LAReQA language files (<lang>.json)",
            hint="point --data at a directory like ../shared/data/xquad-r",
        )
    sentences: list[Sentence] = []
    by_qid: dict[str, list[tuple[str, int, int, str]]] = defaultdict(list)
    answer_rows: dict[tuple[str, str], int] = {}  # (qid, lang) -> sentence index
    n_articles = 0
    for path in files:
        lang = path.stem
        data = _articles(path)
        n_articles = max(n_articles, len(data))
        try:
            _read_articles(data, lang, sentences, by_qid, answer_rows)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
            raise ParseError(
                f"{path} is not in the LAReQA/SQuAD layout ({type(exc).__name__}: {exc})",
                hint=LAYOUT,
            ) from None
    if not sentences or not by_qid:
        raise ParseError(
            f"{directory} holds no {'sentence' if not sentences else 'question'}", hint=LAYOUT
        )
    return _assemble(sentences, by_qid, answer_rows, n_articles)


def _articles(path: Path) -> list:
    data = parse_json(read_text(path, what="LAReQA file", hint=LAYOUT), path, hint=LAYOUT)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ParseError(f'{path} has no "data" list at its top level', hint=LAYOUT)
    return data["data"]


def _read_articles(data: list, lang: str, sentences: list, by_qid: dict, answer_rows: dict) -> None:
    """One language file's sentences and questions, appended to the running lists."""
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            first = len(sentences)
            starts = [start for start, _ in paragraph["sentence_breaks"]]
            for text in paragraph["sentences"]:
                # some files open paragraphs with a byte-order mark; it is not text
                sentences.append(Sentence(len(sentences), lang, a, p, text.replace("\ufeff", "")))
            for qa in paragraph["qas"]:
                answer_start = qa["answers"][0]["answer_start"]
                # the sentence whose break starts at or before the answer
                offset = max(0, bisect_right(starts, answer_start) - 1)
                answer_rows[(qa["id"], lang)] = first + min(offset, len(starts) - 1)
                by_qid[qa["id"]].append((lang, a, p, qa["question"]))


def _assemble(sentences, by_qid, answer_rows, n_articles) -> LareqaSet:
    questions = []
    for qid, versions in by_qid.items():
        answers = {lang: answer_rows[(qid, lang)] for lang, *_ in versions}
        for lang, a, p, text in versions:
            questions.append(Question(qid, lang, a, p, text, answers))
    languages = tuple(sorted({s.lang for s in sentences}))
    return LareqaSet(languages, n_articles, tuple(sentences), tuple(questions))


def evaluate_lareqa(
    data: LareqaSet,
    questions: list[Question],
    query_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> dict:
    """Mo / Cr / Mul scores for `questions` against the whole sentence pool.

    Returns a dict with `summary` (mo_map, cr_map, mul_map, mo_r1, cr_r1, mul_r10, bias,
    top1_same_lang) and per-language tables (`per_language`, `cross_matrix`).
    """
    scores = query_vectors @ sentence_vectors.T  # (n_questions, n_sentences)
    cand_lang = np.array([s.lang for s in data.sentences])
    columns = {lang: np.flatnonzero(cand_lang == lang) for lang in data.languages}
    q_lang = np.array([q.lang for q in questions])

    # Mo and Cr: one relevant sentence per (question, candidate language)
    pair_map: dict[tuple[str, str], float] = {}
    pair_r1: dict[tuple[str, str], float] = {}
    for x in data.languages:
        rows = np.flatnonzero(q_lang == x)
        for y in data.languages:
            keep = [r for r in rows if y in questions[r].answers]
            if not keep:
                continue
            relevant = np.array([questions[r].answers[y] for r in keep])
            sub = scores[np.ix_(keep, columns[y])]
            ranks = evaluate.ranks_of(sub, scores[keep, relevant][:, None])
            pair_map[(x, y)] = float(np.mean(1.0 / ranks[:, 0]))
            pair_r1[(x, y)] = float(np.mean(ranks[:, 0] == 1))

    # Mul: every relevant sentence in every language, against the pooled candidates
    mul_ap, mul_r10, bias, same = [], [], defaultdict(list), defaultdict(list)
    for r, question in enumerate(questions):
        relevant = np.array(sorted(question.answers.values()))
        ranks = np.sort(evaluate.ranks_of(scores[r][None, :], scores[r, relevant][None, :])[0])
        mul_ap.append(evaluate.average_precision(ranks))
        mul_r10.append(evaluate.recall_at_k(ranks, len(relevant), 10))
        bias[question.lang].append(float(ranks[-1] - ranks[0]))
        same[question.lang].append(float(cand_lang[int(np.argmax(scores[r]))] == question.lang))

    mo = [v for (x, y), v in pair_map.items() if x == y]
    cr = [v for (x, y), v in pair_map.items() if x != y]
    per_language = {}
    for x in data.languages:
        rows = np.flatnonzero(q_lang == x)
        if not len(rows):
            continue
        per_language[x] = {
            "queries": int(len(rows)),
            "mo_map": pair_map.get((x, x)),
            "cr_map": float(np.mean([v for (a, b), v in pair_map.items() if a == x and b != x])),
            "mul_map": float(np.mean([mul_ap[r] for r in rows])),
            "bias": float(np.mean(bias[x])),
            "top1_same_lang": float(np.mean(same[x])),
        }
    summary = {
        "mo_map": float(np.mean(mo)),
        "cr_map": float(np.mean(cr)),
        "mul_map": float(np.mean(mul_ap)),
        "mo_r1": float(np.mean([v for (x, y), v in pair_r1.items() if x == y])),
        "cr_r1": float(np.mean([v for (x, y), v in pair_r1.items() if x != y])),
        "mul_r10": float(np.mean(mul_r10)),
        # macro over query languages of the per-language mean (worst rank - best rank)
        "bias": float(np.mean([np.mean(v) for v in bias.values()])),
        "top1_same_lang": float(np.mean([np.mean(v) for v in same.values()])),
        "queries": len(questions),
        "candidates": len(data.sentences),
    }
    cross = {f"{x}->{y}": v for (x, y), v in pair_map.items()}
    return {"summary": summary, "per_language": per_language, "cross_matrix": cross}
