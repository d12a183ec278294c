"""With the default runtimes (int8 ONNX retriever and verifier), a report never imports torch:
torch is for training and for building the exports, not for answering a question."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

RUN = """
import json, runpy, sys
sys.argv = ["synth", "-q", "--offline", "report", "--question", sys.argv[1], "-f", "json"]
code = 0
try:
    runpy.run_module("synth", run_name="__main__")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"exit": code, "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def test_a_report_with_the_default_runtimes_imports_no_torch(settings):
    from synth.app.context import Context

    assert settings.retrieve.runtime == settings.verify.runtime == "onnx-int8"
    ctx = Context(settings)  # builds both exports first: building one needs torch
    ctx.encoder.queries(["warm up"])
    ctx.verifier.probabilities(["A claim."], ["Some evidence."])
    question = "How does hybrid batch training affect language bias in multilingual retrieval?"
    done = subprocess.run(
        [sys.executable, "-c", RUN, question], capture_output=True, text=True, timeout=600
    )
    outcome = json.loads(done.stderr.strip().splitlines()[-1])
    assert outcome == {"exit": 0, "torch": False}, done.stderr[-2000:]
    assert json.loads(done.stdout)["verdicts"], "a real report, with verdicts"
