"""User errors end in one `error:` line and a `hint:` line on stderr, exit code 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def synth(*args: str, home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYNTH_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "synth", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _assert_clean_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert "error:" in result.stderr and "hint:" in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("bad", ["abc", "../../x", "2408.10536/../../etc"])
def test_fetch_of_a_malformed_id_is_a_clear_error(bad, synth_home):
    result = synth("fetch", bad, home=synth_home)
    _assert_clean_error(result, bad)
    assert not (synth_home.parent / "x").exists()


def test_fetch_offline_of_an_uncached_id_names_the_id(synth_home):
    _assert_clean_error(synth("--offline", "fetch", "2408.10536", home=synth_home), "2408.10536")


def test_fetch_with_no_network_names_the_id(synth_home):
    # the test environment has no route to arXiv, like a machine without network
    result = synth("fetch", "2408.10536", home=synth_home)
    if result.returncode == 0:
        pytest.skip("this machine can reach arXiv")
    _assert_clean_error(result, "2408.10536")


def test_add_of_a_broken_pdf_names_the_file_and_goes_on(synth_home, tmp_path, make_pdf):
    good = make_pdf([["A readable page of text about widgets."]], name="good.pdf")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good.read_bytes()[:200])
    result = synth("add", str(broken), str(good), home=synth_home)
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.startswith("pdf:"), "the good file is still added"


def test_add_of_an_encrypted_pdf_says_so(synth_home, make_pdf):
    locked = make_pdf([["secret"]], encrypt=True, name="locked.pdf")
    result = synth("add", str(locked), home=synth_home)
    assert result.returncode == 1 and "encrypted" in result.stderr


def test_report_with_an_empty_question_is_a_user_error(synth_home):
    _assert_clean_error(synth("report", "--question", "  ", home=synth_home), "question")
