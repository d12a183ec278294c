"""The model cache: a built folder is complete or absent, built once however many processes
ask at the same moment, rebuilt when damaged, and a killed build leaves nothing behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from synth.weights import cache


def _write_model(part: Path, delay: float = 0.0, log: Path | None = None) -> None:
    part.mkdir(parents=True)
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
    (part / "model.bin").write_bytes(b"w" * 1000)
    time.sleep(delay)
    (part / "config.json").write_text('{"hidden_size": 4}')


class Status:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def status(self, text: str) -> None:
        self.lines.append(text)


def test_a_folder_is_built_once_and_then_trusted(tmp_path):
    calls = []
    target = tmp_path / "models" / "enc"

    def build(part):
        calls.append(part)
        _write_model(part)

    cache.build_once(target, build, what="encoder")
    cache.build_once(target, build, what="encoder")
    assert len(calls) == 1 and cache.ready(target)
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", cache.MARKER]
    assert sorted(p.name for p in target.parent.iterdir()) == ["enc", "enc.lock"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: (t / "model.bin").write_bytes(b""),  # emptied by a full disk
        lambda t: (t / "model.bin").write_bytes(b"w" * 10),  # half-written
        lambda t: (t / "config.json").unlink(),
        lambda t: (t / cache.MARKER).write_text("{garbled"),
        lambda t: (t / cache.MARKER).unlink(),  # a folder from before markers
    ],
    ids=["empty", "truncated", "missing", "garbled-marker", "no-marker"],
)
def test_a_damaged_folder_is_rebuilt_with_one_line_saying_so(tmp_path, damage):
    target = tmp_path / "enc"
    cache.build_once(target, _write_model, what="encoder")
    damage(target)
    status = Status()
    cache.build_once(target, _write_model, what="encoder", progress=status)
    assert cache.ready(target) and (target / "model.bin").stat().st_size == 1000
    assert any("incomplete or damaged: rebuilding" in line for line in status.lines)


def test_a_failed_build_leaves_nothing_behind(tmp_path):
    def fails(part):
        _write_model(part)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        cache.build_once(tmp_path / "enc", fails, what="encoder")
    assert [p.name for p in tmp_path.iterdir()] == ["enc.lock"]


def _build_in_process(target: str, log: str, start) -> None:
    start.wait()
    cache.build_once(Path(target), lambda p: _write_model(p, 1.0, Path(log)), what="encoder")


def test_several_first_runs_at_once_build_once_and_all_find_it_complete(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    target, log = tmp_path / "enc", tmp_path / "builds.log"
    workers = [
        ctx.Process(target=_build_in_process, args=(str(target), str(log), start)) for _ in range(3)
    ]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert len(log.read_text().split()) == 1, "one build, the others waited for it"
    assert cache.ready(target)


def test_a_build_killed_from_outside_leaves_no_model_and_its_leftovers_are_swept(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    target, log = tmp_path / "enc", tmp_path / "builds.log"
    worker = ctx.Process(target=_build_in_process, args=(str(target), str(log), start))
    worker.start()
    start.set()
    deadline = time.time() + 30
    while not log.exists() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    assert not target.exists(), "no half-written model"
    leftovers = [p for p in tmp_path.iterdir() if ".part-" in p.name]
    assert leftovers, "the dead build's temporary folder is still there before the sweep"
    cache.build_once(target, _write_model, what="encoder")
    assert cache.ready(target)
    assert not [p for p in tmp_path.iterdir() if ".part-" in p.name], "swept"


def test_the_sweep_keeps_the_folders_of_live_processes(tmp_path):
    mine = tmp_path / f"enc.part-{os.getpid()}-abc"
    mine.mkdir()
    cache.sweep(tmp_path)
    assert mine.exists()


def test_an_export_that_does_not_load_is_one_clear_error_and_rebuilt_next_time(tmp_path):
    from synth.core.errors import ModelError
    from synth.weights.onnx import MODEL_FILE, open_export

    target = tmp_path / "enc.onnx-int8"

    def build(part):
        part.mkdir()
        (part / MODEL_FILE).write_bytes(b"not an onnx graph")
        (part / "tokenizer.json").write_text("{}")

    cache.build_once(target, build, what="export")
    with pytest.raises(ModelError) as caught:
        open_export(target, 128, 1)
    assert "run the command again" in caught.value.hint
    assert not cache.ready(target), "marked for a rebuild"


def test_an_export_that_does_not_load_is_rebuilt_once_in_the_same_command(tmp_path, caplog):
    from synth.core.errors import ModelError
    from synth.weights.onnx import MODEL_FILE, open_export

    target = tmp_path / "enc.onnx-int8"
    rebuilds = []

    def build(part):
        part.mkdir()
        (part / MODEL_FILE).write_bytes(b"not an onnx graph")
        (part / "tokenizer.json").write_text("{}")

    def rebuild():
        rebuilds.append(1)
        return cache.build_once(target, build, what="export")

    cache.build_once(target, build, what="export")
    with pytest.raises(ModelError):  # the rebuilt one is as bad: no second rebuild, one error
        open_export(target, 128, 1, rebuild=rebuild)
    assert rebuilds == [1], "rebuilt exactly once"
    assert "rebuilding it once" in caplog.text
