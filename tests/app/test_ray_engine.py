"""`synth verify --engine ray`: a local Ray cluster of 2 workers re-verifies 40 generated
reports; one worker process is killed from outside mid-run; every claim is still verified,
once, and the result is the local engine's."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parents[2] / "corpus" / "unarxive-2212.jsonl.gz"
PAPERS = 8
REPORTS = 40
CLAIMS = 5


@pytest.fixture(scope="module")
def ray_installed() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        if os.environ.get("SYNTH_REQUIRE_RAY"):
            pytest.fail("ray is not installed (SYNTH_REQUIRE_RAY is set)")
        pytest.skip('needs Ray: pip install "synth[ray]"')


def _reports(path: Path) -> int:
    """40 reports of 5 claims: sentences of 8 corpus papers' abstracts, each citing its paper."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f][:PAPERS]
    rows = []
    for r in range(REPORTS):
        record = records[r % PAPERS]
        sentences = [s.strip() for s in record["abstract"]["text"].replace("\n", " ").split(". ")]
        sentences = [s for s in sentences if len(s) > 40] or [record["metadata"]["title"]]
        for c in range(CLAIMS):
            claim = sentences[(r + c) % len(sentences)].rstrip(".") + "."
            rows.append(
                {"report": f"report-{r:02d}", "claim": claim, "references": record["paper_id"]}
            )
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return len(rows)


def _verify(home: Path, models: Path, reports: Path, out: Path, *extra: str):
    env = {
        **os.environ,
        "SYNTH_HOME": str(home),
        "SYNTH_RETRIEVE__MODEL_DIR": str(models),
        "SYNTH_VERIFY__MODEL": "similarity",  # the encoder's cosines: the engine is what is tested
        "OMP_NUM_THREADS": "1",
    }
    command = [sys.executable, "-m", "synth", "--offline", "verify", str(reports), "--json",
               "-o", str(out), *extra]  # fmt: skip
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill_one_worker(stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first Ray actor process seen running a task."""
    import psutil

    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if cmdline.startswith("ray::Worker.run"):
                time.sleep(1.0)  # mid-task
                try:
                    os.kill(proc.info["pid"], signal.SIGKILL)
                    killed.append(proc.info["pid"])
                except ProcessLookupError:
                    continue
                return
        time.sleep(0.2)


def test_a_killed_worker_loses_nothing_and_the_result_is_the_local_engines(
    ray_installed, model_dir, tmp_path
):
    reports = tmp_path / "reports.jsonl"
    total = _reports(reports)

    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_one_worker, args=(stop, killed), daemon=True)
    killer.start()
    run = _verify(
        tmp_path / "ray",
        model_dir,
        reports,
        tmp_path / "out-ray",
        "--engine",
        "ray",
        "--workers",
        "2",
    )
    stdout, stderr = run.communicate(timeout=900)
    stop.set()
    assert run.returncode == 0, stderr[-3000:]
    assert killed, "a worker was killed mid-run"
    on_ray = json.loads(stdout)
    assert on_ray["claims"] == on_ray["claims_checked"] == total, "nothing lost"
    assert on_ray["verified_now"] + on_ray["from_library"] == total

    local = _verify(tmp_path / "local", model_dir, reports, tmp_path / "out-local")
    stdout, stderr = local.communicate(timeout=900)
    assert local.returncode == 0, stderr[-3000:]
    here = json.loads(stdout)
    for field in ("reports_read", "claims", "claims_checked", "verified_now", "findings"):
        assert on_ray[field] == here[field], field
    # marks agree; int8 activations are quantised per batch, so a confidence may move in the
    # second decimal with what shared its batch (two local runs differ as much)
    ray_rows = (tmp_path / "out-ray" / "reports.jsonl").read_text().splitlines()
    local_rows = (tmp_path / "out-local" / "reports.jsonl").read_text().splitlines()
    assert len(ray_rows) == len(local_rows) == total
    same = sum(
        json.loads(a)["mark"] == json.loads(b)["mark"]
        for a, b in zip(ray_rows, local_rows, strict=True)
    )
    assert same >= 0.95 * total, f"{same} of {total} marks agree"

    rerun = _verify(tmp_path / "ray", model_dir, reports, tmp_path / "out-ray-2", "--engine", "ray")
    stdout, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr[-3000:]
    again = json.loads(stdout)
    assert again["from_library"] == total and again["verified_now"] == 0, "nothing twice"
