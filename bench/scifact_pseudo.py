"""SciFact claims with pseudo-abstracts, in the SciFact/MultiVerS layout `synth eval claims`
reads. The 5,183-abstract corpus is not in ../shared (see its SOURCE.txt); what is there are the
claims and, for supported and contradicted claims, their rationale sentences (`rte/*.tsv`).

Each cited document's pseudo-abstract is every rationale sentence known for it (from any claim
of any split that has evidence in it) hidden among distractor sentences: rationale sentences of
other documents, half of them those sharing most words with the document's own claims (so the
candidates are on topic), half drawn by a seeded hash. A not-enough-info claim whose cited
document has no known sentence gets such a pseudo-abstract of distractors only: related
sentences that do not decide it. Gold labels are SciFact's (evidence -> its label; none -> NEI).
Deterministic: the same files every run.

    python -m bench.scifact_pseudo --out runs/scifact-pseudo
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
from pathlib import Path

from bench.manifest import ROOT

SCIFACT = ROOT.parent / "shared" / "data" / "scifact"
DISTRACTORS = 6
_WORD = re.compile(r"[a-z]{4,}")


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower())}


def build(scifact: Path, out: Path) -> dict:
    from synth.parse.sentences import sentence_spans

    rationale: dict[str, str] = {}  # claim text -> rationale sentences (joined)
    for name in ("train.tsv", "dev.tsv"):
        with (scifact / "rte" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                rationale[" ".join(row["sentence2"].split())] = row["sentence1"]
    claims = {
        split: [
            json.loads(line)
            for line in (scifact / "claims" / f"claims_{split}.jsonl").read_text().splitlines()
            if line.strip()
        ]
        for split in ("train", "dev")
    }
    known: dict[str, list[str]] = {}  # doc id -> its known sentences
    for rows in claims.values():
        for row in rows:
            text = rationale.get(" ".join(row["claim"].split()))
            if not text or not row.get("evidence"):
                continue
            sentences = [text[s:e].strip() for s, e in sentence_spans(text)]
            for doc in row["evidence"]:
                bucket = known.setdefault(str(doc), [])
                bucket.extend(s for s in sentences if s and s not in bucket)
    pool = sorted({(doc, s) for doc, ss in known.items() for s in ss})
    pool_words = [_words(s) for _, s in pool]
    doc_claims: dict[str, list[str]] = {}
    for rows in claims.values():
        for row in rows:
            for doc in row["cited_doc_ids"]:
                doc_claims.setdefault(str(doc), []).append(row["claim"])
    corpus = []
    for doc in sorted(doc_claims):
        own = known.get(doc, [])
        topic = set().union(*(_words(c) for c in doc_claims[doc]))
        others = [i for i, (d, _) in enumerate(pool) if d != doc]
        by_topic = sorted(others, key=lambda i: (-len(pool_words[i] & topic), _h(doc + pool[i][1])))
        chosen = by_topic[: DISTRACTORS // 2]
        rest = sorted(set(others) - set(chosen), key=lambda i: _h(doc + "|" + pool[i][1]))
        chosen += rest[: DISTRACTORS - len(chosen)]
        sentences = own + [pool[i][1] for i in chosen]
        sentences.sort(key=lambda s: _h(doc + "#" + s))  # rationales anywhere in the abstract
        corpus.append({"doc_id": doc, "title": "", "abstract": sentences})
    out.mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for row in corpus:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    for split, rows in claims.items():
        with (out / f"claims_{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                # the claim's label stays; sentence indices do not apply to pseudo-abstracts
                evidence = {
                    doc: [{"sentences": [], "label": e["label"]} for e in entries]
                    for doc, entries in (row.get("evidence") or {}).items()
                }
                handle.write(json.dumps({**row, "evidence": evidence}, ensure_ascii=False) + "\n")
    (out / "SOURCE.txt").write_text(
        "Made by `python -m bench.scifact_pseudo` from ../shared/data/scifact (claims CC BY 4.0;\n"
        "rationale sentences ODC-By 1.0): SciFact claims against pseudo-abstracts (see the\n"
        "module docstring). Not SciFact's real abstracts: a stand-in for claim-level checks.\n",
        encoding="utf-8",
    )
    return {
        "documents": len(corpus),
        "with_rationales": sum(bool(known.get(r["doc_id"])) for r in corpus),
        "claims": {k: len(v) for k, v in claims.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "scifact-pseudo")
    parser.add_argument("--scifact", type=Path, default=SCIFACT)
    args = parser.parse_args()
    print(json.dumps(build(args.scifact, args.out), indent=2))


if __name__ == "__main__":
    main()
