"""Passages/s and peak memory of the int8 ONNX encoder per batch token budget
(`weights.onnx.MAX_BATCH_TOKENS`): which budget the runtime should use.

Texts: the first N passages of the bundled unarXive papers, chunked as `synth` chunks them
(what a report embeds). Each budget runs in its own process, so its peak RSS is its own:
open the export, one warm-up pass over 64 texts, then three timed passes (median).

    python -m bench.onnx_batch [--n 1000] [--budget 1024 --budget 4096 ...]

Writes bench/results/<date>_onnx_batch.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from bench.manifest import manifest, write_result

BUDGETS = [512, 1024, 2048, 4096, 8192, 16384]


def passages(n: int) -> list[str]:
    from synth.core.settings import ParseSettings
    from synth.fetch.corpus import iter_fulltext_records
    from synth.parse.chunk import chunk_doc
    from synth.parse.text_sources import unarxive_doc
    from synth.retrieve.embed import PASSAGE_PREFIX

    texts: list[str] = []
    for record in iter_fulltext_records():
        texts.extend(
            PASSAGE_PREFIX + p.text for p in chunk_doc(unarxive_doc(record), ParseSettings())
        )
        if len(texts) >= n:
            break
    return texts[:n]


def one(budget: int, n: int, rows: int) -> dict:
    """Run in a child process: time the encoder at one budget."""
    from synth.core.paths import Home
    from synth.core.settings import load_settings
    from synth.retrieve.embed import load_embedder

    texts = passages(n)
    settings = load_settings()
    section = settings.retrieve.model_copy(update={"runtime": "onnx-int8"})
    embedder = load_embedder(settings.retrieve.model_dir or Home(settings.home).models, section)
    embedder.batch_size, embedder.max_tokens = rows, budget
    embedder.encode(texts[:64])
    opened_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        embedder.encode(texts)
        runs.append(len(texts) / (time.perf_counter() - start))
    return {
        "budget": budget,
        "max_rows": rows,
        "passages_per_s": sorted(runs)[1],
        "runs": runs,
        "rss_after_warmup_mb": round(opened_mb),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "threads": embedder.threads,
        "mean_chars": sum(map(len, texts)) / len(texts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=256, help="most texts per batch")
    parser.add_argument("--budget", type=int, action="append")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.n, args.rows)))
        return
    rows = []
    for budget in args.budget or BUDGETS:
        command = [sys.executable, "-m", "bench.onnx_batch", "--n", str(args.n)]
        command += ["--rows", str(args.rows), "--child", str(budget)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"budget {budget:6d}: {row['passages_per_s']:6.1f} passages/s, "
            f"peak RSS {row['peak_rss_mb']} MB",
            file=sys.stderr,
        )
    path = write_result(
        "onnx_batch",
        manifest(
            "onnx_batch", [sys.executable, "-m", "bench.onnx_batch", *sys.argv[1:]], rows=rows
        ),
    )
    print(path)


if __name__ == "__main__":
    main()
