"""Data flows one way: a stage imports earlier stages and core, never later ones; only the
application layer (app/) and the CLI see the whole Settings."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "synth"
# weights (model files on disk) sits under every stage that loads a model
ORDER = [
    "core",
    "weights",
    "fetch",
    "parse",
    "store",
    "retrieve",
    "extract",
    "verify",
    "synthesize",
    "render",
]
SIDE = {"train": ORDER, "app": ORDER, "cli": [*ORDER, "app", "train"]}  # what they may import
HEAVY = ("torch", "faiss", "sentence_transformers", "transformers", "pymupdf", "fitz")


def _imports(path: Path) -> set[str]:
    """Every synth module a file imports, `from synth import x` resolved to `synth.x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "synth":
                names.update(f"synth.{alias.name}" for alias in node.names)
    return names


def _packages_imported(path: Path) -> set[str]:
    return {
        name.split(".")[1]
        for name in _imports(path)
        if name.startswith("synth.") and name.split(".")[1] != "__version__"
    }


def _modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize("stage", ORDER)
def test_a_stage_imports_only_earlier_stages(stage):
    allowed = set(ORDER[: ORDER.index(stage) + 1])
    for path in _modules(stage):
        wrong = _packages_imported(path) - allowed
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


@pytest.mark.parametrize("side", sorted(SIDE))
def test_train_app_and_cli_import_only_what_lies_below_them(side):
    allowed = {side, *SIDE[side]}
    for path in _modules(side):
        wrong = _packages_imported(path) - allowed
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_import_check_sees_from_synth_import_x(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from synth import app, cli\nimport synth.render.render\n")
    assert _packages_imported(module) == {"app", "cli", "render"}


def test_only_app_and_cli_see_the_whole_settings():
    word = re.compile(r"\bSettings\b")
    for path in PACKAGE.rglob("*.py"):
        top = path.relative_to(PACKAGE).parts[0]
        if top in ("app", "cli") or path == PACKAGE / "core" / "settings.py":
            continue
        hits = [line for line in path.read_text(encoding="utf-8").splitlines() if word.search(line)]
        assert not hits, f"{path.relative_to(PACKAGE)}: {hits[0].strip()}"


def test_synth_help_imports_no_heavy_library():
    code = (
        "import sys, synth.cli as c; c._register(); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
