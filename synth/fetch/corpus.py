"""The bundled corpus in `corpus/`: what ships, read as records for the parser.

Two files, each with its license in MANIFEST.md: `seed-refs.jsonl` (arXiv metadata and
abstracts, CC0) and `unarxive-2212.jsonl.gz` (49 full texts from the unarXive open subset).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from synth.core.paths import resource_dir


def corpus_dir() -> Path:
    return resource_dir("corpus")


def iter_abstract_records(root: Path | None = None) -> Iterator[dict[str, Any]]:
    path = (root or corpus_dir()) / "seed-refs.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def iter_fulltext_records(root: Path | None = None) -> Iterator[dict[str, Any]]:
    path = (root or corpus_dir()) / "unarxive-2212.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def corpus_version(root: Path | None = None) -> str:
    """A hash of the shipped files' contents: any change to them makes the library re-ingest
    (a size alone would miss an edit that keeps the size)."""
    import hashlib

    root = root or corpus_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
