"""Model builds in a child process: `python -m synth.app.build_models base|encoder|verifier`.

A first run converts the base encoder, applies the retriever's and the verifier's weights and
exports both to ONNX: torch, two copies of a model's weights and an export's buffers, ~2 GB at
the peak of each build. Done inside the command's own process, those peaks stack on what the
command then keeps (a 3.1 GB first run, BENCHMARKS.md); done here, in a process that ends when
its build is done, each is returned to the system before the command loads the ONNX models
(which need no torch). The command's settings come in `SYNTH_BUILD_SETTINGS` (JSON). Builds are
the model cache's (`weights.cache`): safe beside another process building the same model,
complete or absent if killed.
"""

from __future__ import annotations

import os
import sys

SETTINGS_ENV = "SYNTH_BUILD_SETTINGS"


def main(argv: list[str]) -> int:
    from synth.app.context import Context
    from synth.core.console import LineProgress, NullProgress
    from synth.core.errors import SynthError
    from synth.core.settings import Settings

    what = argv[0] if argv else ""
    if what not in ("base", "encoder", "verifier"):
        print(
            "usage: python -m synth.app.build_models base|encoder|verifier [--quiet]",
            file=sys.stderr,
        )
        return 2
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    progress = NullProgress() if "--quiet" in argv else LineProgress(sys.stderr)
    ctx = Context(settings, progress)
    try:
        if what == "base":
            from synth.weights import base_model_dir

            base_model_dir(ctx.models_dir, progress)
        elif what == "encoder":
            from synth.retrieve.embed import load_embedder

            load_embedder(ctx.models_dir, settings.retrieve, progress)
        elif ctx.verifier_spec.files:
            from synth.verify.registry import build_verifier

            build_verifier(ctx.verifier_spec, ctx.models_dir, progress)
    except SynthError as exc:  # the command builds in-process after this and reports it
        print(f"building the {what} in a child process failed: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
