"""Where things live: the `$SYNTH_HOME` layout and the resources shipped beside the package.

`templates/` and `corpus/` sit at the repository's top level. An editable install finds them
next to the package; a wheel carries them inside it as `synth/_resources/…` (pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.core.errors import NotFoundError, StorageError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Home:
    """Where things live under `$SYNTH_HOME`."""

    home: Path

    @property
    def db(self) -> Path:
        return self.home / "library.sqlite"

    @property
    def pdfs(self) -> Path:
        return self.home / "pdfs"

    @property
    def crops(self) -> Path:
        """Page images of quotes (the HTML report), keyed by what produced them."""
        return self.home / "crops"

    @property
    def models(self) -> Path:
        return self.home / "models"

    def ensure(self) -> Home:
        """Create the layout.

        Raises:
            StorageError: the home is a file, or cannot be created or written.
        """
        for path in (self.home, self.pdfs, self.models):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"{path} cannot be used as part of synth's home ({exc.strerror})",
                    hint="point SYNTH_HOME (or --home) at a writable directory",
                ) from exc
        return self


def write_atomic(path: Path, text: str) -> Path:
    """Write `text` where `path` points: a regular file (or a new one) through a `.part` file
    renamed into place, so a failed write (disk full, interrupted) leaves neither a partial
    file nor the `.part`; a symlink through to its target (atomically beside the target); a
    FIFO, a character device, a socket, anything under /dev or /proc (`/dev/stdout`) and `-`
    (standard output) streamed into, never replaced.

    Raises:
        StorageError: the file cannot be written.
    """
    import stat
    import sys

    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return path
    target = path.resolve() if path.is_symlink() else path
    special = any(str(p).startswith(("/dev/", "/proc/")) for p in (path, target))
    if not special:
        try:
            mode = target.stat().st_mode
            special = not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
        except OSError:
            pass  # a new file
    if special:  # /dev/stdout, a FIFO, a device: the stream itself, never replaced
        try:
            with path.open("w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            raise StorageError(
                f"{path} could not be written ({exc.strerror})",
                hint="check the path and its permissions",
            ) from exc
        return path
    path = target
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(text, encoding="utf-8")
        part.replace(path)
    except OSError as exc:
        if part.is_file():
            part.unlink()
        raise StorageError(
            f"{path} could not be written ({exc.strerror})",
            hint="check the path, its permissions and the free disk space",
        ) from exc
    except BaseException:
        if part.is_file():
            part.unlink()
        raise
    return path


def resource_dir(name: str) -> Path:
    """The shipped `templates`, `corpus` or `prompts` directory (editable install or wheel)."""
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise NotFoundError(
        f"synth's {name}/ directory is missing from this installation",
        hint="reinstall synth (pip install -e . from a clone, or the wheel)",
    )
