"""Model builds happen in child processes before a command loads any model, so their peaks
never stack on the command's own memory."""

from __future__ import annotations

import os
import subprocess
import sys

from synth.app.build_models import SETTINGS_ENV


def test_models_handed_in_need_no_build(fake_context):
    ctx = fake_context()
    ctx.prepare_models(verifier=True)
    assert ctx._builds is None


def test_a_cached_model_starts_no_build(fake_context, monkeypatch):
    from synth.weights import cache

    ctx = fake_context()
    ctx._embedder = ctx._verifier = None  # as the CLI's context: nothing handed in
    monkeypatch.setattr(cache, "ready", lambda target: True)
    ctx.prepare_models(verifier=True)
    assert ctx._builds is None


def test_the_child_names_what_it_builds(synth_home):
    from synth.core.settings import load_settings

    env = {**os.environ, SETTINGS_ENV: load_settings(synth_home).model_dump_json()}
    done = subprocess.run(
        [sys.executable, "-m", "synth.app.build_models", "everything"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "base|encoder|verifier" in done.stderr
