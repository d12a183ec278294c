"""Where things live: the `$SYNTH_HOME` layout and the resources shipped beside the package.

`templates/` and `corpus/` sit at the repository's top level. An editable install finds them
next to the package; a wheel carries them inside it as `synth/_resources/…` (pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.core.errors import NotFoundError

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
    def models(self) -> Path:
        return self.home / "models"

    def ensure(self) -> Home:
        for path in (self.home, self.pdfs, self.models):
            path.mkdir(parents=True, exist_ok=True)
        return self


def resource_dir(name: str) -> Path:
    """The shipped `templates` or `corpus` directory, for an editable install or a wheel."""
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise NotFoundError(
        f"synth's {name}/ directory is missing from this installation",
        hint="reinstall synth (pip install -e . from a clone, or the wheel)",
    )
