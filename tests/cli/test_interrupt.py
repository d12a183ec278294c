"""Ctrl-C ends every command with exit code 130 and a one-line note, whatever it interrupted."""

from __future__ import annotations

import subprocess
import sys

# A command whose Ctrl-C lands inside a C-level eval, as when it hits pybind11's py::exec while
# torch imports: CPython then flags the KeyboardInterrupt as unhandled even though synth
# handles it.
MODULE = """
import ctypes

from synth.cli import app, main

run = ctypes.pythonapi.PyRun_String
run.restype = ctypes.py_object
run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object]


@app.command("cut-short")
def cut_short():
    run(b"raise KeyboardInterrupt", 257, {}, {})  # 257: Py_file_input


main(["cut-short"])
"""


def test_ctrl_c_inside_a_c_level_eval_still_exits_130(tmp_path):
    (tmp_path / "cut_short.py").write_text(MODULE)
    # run as `python -m`, like `python -m synth`: only that entry turns the flag into SIGINT
    result = subprocess.run(
        [sys.executable, "-m", "cut_short"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 130, (result.returncode, result.stderr)
    assert "interrupted" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
