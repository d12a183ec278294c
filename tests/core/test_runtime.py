"""Precision and threads follow the CPU: bf16 only where it is native, never slower than fp32."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from synth.core import runtime


def _in_fresh_process(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_explicit_dtypes_are_obeyed():
    assert runtime.use_bf16("bf16") is True
    assert runtime.use_bf16("fp32") is False


def test_auto_is_fp32_when_torch_runs_avx2_kernels():
    # ATEN_CPU_CAPABILITY=avx2 makes torch use its AVX2 kernels, as on an AVX2-only CPU.
    out = _in_fresh_process(
        "from synth.core import runtime as r; import json;"
        "print(json.dumps([r.cpu_capability(), r.use_bf16('auto')]))",
        ATEN_CPU_CAPABILITY="avx2",
    )
    assert json.loads(out) == ["AVX2", False]


def test_auto_follows_native_bf16():
    assert runtime.use_bf16("auto") is runtime.has_native_bf16()


def test_no_native_bf16_below_avx512(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_capability", lambda: "AVX2")
    assert runtime.has_native_bf16() is False


@pytest.mark.parametrize(("env", "expected"), [("3", 3), ("", None), ("zero", None)])
def test_default_threads_respect_omp_num_threads(monkeypatch, env, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", env)
    assert runtime.default_threads() == (expected or runtime.available_cores())


def test_doctor_reports_capability_dtype_threads_and_paths(tmp_path):
    out = _in_fresh_process(
        f"from synth.cli import main; main(['--home', {str(tmp_path)!r}, 'doctor', '--json'])",
        ATEN_CPU_CAPABILITY="avx2",
        OMP_NUM_THREADS="1",
    )
    facts = json.loads(out)
    assert facts["cpu_capability"] == "AVX2"
    assert facts["dtype"] == "fp32", "emulated bf16 must never be the default"
    assert facts["threads"] == 1
    assert facts["library"].startswith(str(tmp_path))
    assert facts["encoder"] and facts["verifier"]
