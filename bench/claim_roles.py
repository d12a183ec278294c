"""How well `extract.claims.role` tells findings from background, method and other sentences,
against sentences of the bundled corpus's full texts labelled by hand (bench/data/claim_roles.tsv).

    python -m bench.claim_roles [--json]
    python -m bench.claim_roles --sample   # how the labelled sentences were drawn (needs a library)

Precision of "finding" is the share of sentences the rules call findings that are findings by
hand: what decides how many claim rows of a report carry findings.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter
from pathlib import Path

from synth.core.types import ClaimKind
from synth.extract.claims import role

DATA = Path(__file__).parent / "data" / "claim_roles.tsv"
NAMES = {
    ClaimKind.RESULT: "finding",
    ClaimKind.METHOD: "method",
    ClaimKind.BACKGROUND: "background",
    ClaimKind.OTHER: "other",
}


def load(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def measure(rows: list[dict[str, str]]) -> dict:
    predicted = [NAMES[role(r["text"])] for r in rows]
    gold = [r["label"] for r in rows]
    called = [g for p, g in zip(predicted, gold, strict=True) if p == "finding"]
    findings = sum(g == "finding" for g in gold)
    hits = sum(g == "finding" for g in called)
    return {
        "sentences": len(rows),
        "findings_by_hand": findings,
        "called_finding": len(called),
        "finding_precision": hits / len(called) if called else 0.0,
        "finding_recall": hits / findings if findings else 0.0,
        "base_rate": findings / len(rows) if rows else 0.0,
        "accuracy_4way": sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(rows),
        "confusion": dict(Counter(f"{g}->{p}" for p, g in zip(predicted, gold, strict=True))),
    }


def sample(library_path: Path, n: int = 200, per_paper: int = 5, seed: int = 7) -> list[tuple]:
    """Sentences that pass the claim gate in papers with a full text (as the report sees them)."""
    from synth.extract.claims import _BACK_MATTER, _candidate
    from synth.parse.sentences import sentence_spans
    from synth.store.db import connect
    from synth.store.library import Library

    library = Library(connect(library_path))
    rows = []
    for paper in library.papers():
        pages = library.pages(paper.id)
        if sum(len(page.text) for page in pages) < 5000:  # abstract-only records
            continue
        for page in pages:
            for start, end in sentence_spans(page.text):
                section = page.section_at(start) or ("Abstract" if page.index == 0 else "")
                if not _BACK_MATTER.search(section) and (
                    c := _candidate(page, start, end, section)
                ):
                    rows.append((paper.id, section, c.claim.text))
    random.Random(seed).shuffle(rows)
    taken: Counter[str] = Counter()
    out = []
    for row in rows:
        if taken[row[0]] < per_paper:
            taken[row[0]] += 1
            out.append(row)
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sample", type=Path, help="a library.sqlite to draw sentences from")
    args = parser.parse_args()
    if args.sample:
        for i, (pid, section, text) in enumerate(sample(args.sample)):
            print(f"{i}\t{pid}\t{section[:40]}\t{text}")
        return
    rows = load()
    result = {"dev (rows 0-99)": measure(rows[:100]), "test (rows 100-199)": measure(rows[100:])}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for split, m in result.items():
        print(
            f"{split}: finding precision {m['finding_precision']:.2f} "
            f"({m['called_finding']} called), recall {m['finding_recall']:.2f}, "
            f"base rate {m['base_rate']:.2f}, 4-way accuracy {m['accuracy_4way']:.2f}"
        )


if __name__ == "__main__":
    main()
