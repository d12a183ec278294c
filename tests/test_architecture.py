"""Data flows one way: a stage imports earlier stages and core, never later ones."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "synth"
ORDER = ["core", "fetch", "parse", "store", "retrieve", "extract", "verify", "render"]
HEAVY = ("torch", "faiss", "sentence_transformers", "transformers", "pymupdf", "fitz")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("stage", ORDER)
def test_a_stage_never_imports_a_later_stage(stage):
    later = ORDER[ORDER.index(stage) + 1 :] + ["pipeline", "recheck", "cli"]
    for path in (PACKAGE / stage).glob("*.py"):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "synth" and len(parts) > 1:
                assert parts[1] not in later, f"{path.name} imports {name}"


def test_synth_help_imports_no_heavy_library():
    code = (
        "import sys, synth.cli as c; c._register(); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
