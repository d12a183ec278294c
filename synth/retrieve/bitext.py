"""Tatoeba bitext (Artetxe & Schwenk 2019): up to 1,000 English sentences and their
translations per language, `tatoeba.xxx-eng.xxx` line i translating `tatoeba.xxx-eng.eng`
line i. Read as translation pairs for training, and measured as bitext retrieval: the share of
sentences whose nearest neighbour among all translations is their own, both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth.core.errors import NotFoundError, ParseError
from synth.core.inputs import cut, read_text


@dataclass(frozen=True, slots=True)
class Bitext:
    """One language's sentences and their English translations, line by line."""

    lang: str  # ISO 639-3, as Tatoeba names it (fra, cmn, ...)
    sentences: tuple[str, ...]
    english: tuple[str, ...]


def tatoeba_languages(root: Path) -> list[str]:
    """The languages with a `tatoeba.xxx-eng.xxx` file in `root`, sorted."""
    return sorted(
        p.name.split(".")[1].split("-")[0]
        for p in root.glob("tatoeba.*-eng.*")
        if not p.name.endswith(".eng")
    )


def load_bitext(root: Path, lang: str) -> Bitext:
    """One language's pairs; lines that are empty on either side are dropped (as pairs)."""
    stem = root / f"tatoeba.{lang}-eng"
    own, english = Path(f"{stem}.{lang}"), Path(f"{stem}.eng")
    if not own.is_file() or not english.is_file():
        raise NotFoundError(
            f"no Tatoeba pair files for {lang!r} in {root}",
            hint="expected tatoeba.xxx-eng.xxx and tatoeba.xxx-eng.eng (LASER's data/tatoeba/v1)",
        )
    hint = "expected one sentence per line, UTF-8 (LASER's data/tatoeba/v1)"
    xs = read_text(own, what="Tatoeba file", hint=hint).splitlines()
    ens = read_text(english, what="Tatoeba file", hint=hint).splitlines()
    if len(xs) != len(ens):
        raise NotFoundError(
            f"{own.name} has {len(xs)} lines but {english.name} has {len(ens)}",
            hint="the two files must translate each other line by line",
        )
    pairs = [(cut(x.strip()), cut(e.strip())) for x, e in zip(xs, ens, strict=True)]
    pairs = [(x, e) for x, e in pairs if x and e]
    if not pairs:
        raise ParseError(f"{own.name} and {english.name} hold no sentence pair", hint=hint)
    return Bitext(lang, tuple(x for x, _ in pairs), tuple(e for _, e in pairs))


def nearest_accuracy(queries: np.ndarray, candidates: np.ndarray) -> float:
    """Share of rows whose nearest candidate (inner product of L2-normalised (n, dim) vectors)
    is the candidate of the same row: each sentence finding its translation among all."""
    if queries.shape != candidates.shape or not len(queries):
        raise ValueError("one candidate vector per query vector, at least one")
    return float(np.mean((queries @ candidates.T).argmax(axis=1) == np.arange(len(queries))))
