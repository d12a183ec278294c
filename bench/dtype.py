"""Encoding speed per dtype setting on this CPU (the bf16 trap check).

    python -m bench.dtype [--threads 1] [--n 200]
    ATEN_CPU_CAPABILITY=avx2 python -m bench.dtype     # torch's AVX2 kernels

Prints one row per setting (fp32, bf16, auto): torch's kernel level, what `auto` resolves
to, passages/s for the base encoder on the first N XQuAD-R sentences at batch 32.
"""

from __future__ import annotations

import argparse
import time

from bench.manifest import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()

    from synth.core.paths import Home
    from synth.core.runtime import cpu_capability
    from synth.core.settings import RetrieveSettings, load_settings
    from synth.retrieve.embed import PASSAGE_PREFIX, load_base_embedder
    from synth.retrieve.lareqa import load_lareqa

    data = load_lareqa(ROOT.parent / "shared" / "data" / "xquad-r")
    texts = [PASSAGE_PREFIX + s.text for s in data.sentences[: args.n]]
    settings = load_settings()
    models = settings.retrieve.model_dir or Home(settings.home).models
    for dtype in ("fp32", "bf16", "auto"):
        embedder = load_base_embedder(models, RetrieveSettings(dtype=dtype, threads=args.threads))
        embedder.encode(texts[:16])  # warm-up
        start = time.perf_counter()
        embedder.encode(texts)
        rate = len(texts) / (time.perf_counter() - start)
        runs_as = "bf16" if embedder.bf16 else "fp32"
        print(f"{cpu_capability()}\t{dtype}\truns as {runs_as}\t{rate:.1f} passages/s")


if __name__ == "__main__":
    main()
