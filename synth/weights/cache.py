"""Built model folders in the model cache: built by one process at a time, complete or absent,
and rebuilt when damaged.

A folder counts as built only when its marker (`synth_complete.json`, written last) lists
every file with its size and the files on disk match: a folder left half-written by a full
disk, a kill or a bad copy of the home is rebuilt, with one line saying so. The build runs in a
per-process temporary folder (`<name>.part-<pid>-<random>`) renamed into place when complete,
under a lock file beside the target: two first runs at once build it once, the second waits
and finds it done. Temporary folders of processes that no longer exist are swept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from synth.core.console import NullProgress, Progress

log = logging.getLogger(__name__)

MARKER = "synth_complete.json"
LOCK_TIMEOUT_S = 900  # a build takes ~20-60 s; a lock held this long belongs to a stuck process
_PART = re.compile(r"\.part-(\d+)-")
_LEGACY_PART_AGE_S = 3600  # ".part" folders of older synth versions (no pid): swept when stale


def _files(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def ready(target: Path) -> bool:
    """Whether `target` is a complete build: its marker exists and every file it lists is
    there with its size."""
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
        return bool(files) and all(
            (target / name).stat().st_size == size for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def invalidate(target: Path) -> None:
    """Mark `target` for a rebuild (its files failed to load)."""
    (target / MARKER).unlink(missing_ok=True)


def _write_marker(folder: Path, what: str) -> None:
    files = _files(folder)
    digests = {}
    for name in files:
        digest = hashlib.sha256()
        with (folder / name).open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
        digests[name] = digest.hexdigest()
    marker = {"what": what, "built_at": time.time(), "files": files, "sha256": digests}
    (folder / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(parent: Path) -> list[Path]:
    """Remove temporary build folders of processes that are gone; returns what was removed."""
    removed = []
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        match = _PART.search(entry.name)
        stale = (match and not _alive(int(match.group(1)))) or (
            entry.name.endswith(".part")
            and time.time() - entry.stat().st_mtime > _LEGACY_PART_AGE_S
        )
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    if removed:
        log.info("removed %d leftover build folder(s) in %s", len(removed), parent)
    return removed


def build_once(
    target: Path,
    build: Callable[[Path], None],
    *,
    what: str,
    announce: str = "",
    progress: Progress = NullProgress(),
) -> Path:
    """`target`, built by `build(part)` unless complete already. `build` creates the folder
    `part` (which does not exist yet) and writes the whole model into it; `announce` is the
    status line shown while it runs. Any exception removes the partial folder and propagates."""
    if ready(target):
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent)
    with FileLock(str(target) + ".lock", timeout=LOCK_TIMEOUT_S):
        if ready(target):  # another process built it while this one waited
            return target
        if target.exists():
            progress.status(
                f"the cached {what} in {target} is incomplete or damaged: rebuilding it"
            )
            log.warning("the cached %s in %s is incomplete or damaged: rebuilding it", what, target)
            shutil.rmtree(target, ignore_errors=True)
        if announce:
            progress.status(announce)
        holder = Path(
            tempfile.mkdtemp(prefix=f"{target.name}.part-{os.getpid()}-", dir=target.parent)
        )
        part = holder / "model"
        try:
            build(part)
            _write_marker(part, what)
            os.replace(part, target)
        finally:
            shutil.rmtree(holder, ignore_errors=True)
    return target
