"""Paper and passage identifiers, normalised in one place.

Paper ids are strings with a scheme: `arxiv:2408.10536v1`, `arxiv:astro-ph/0601001`,
`pdf:<sha256 prefix>` for local files without an arXiv id. Never compare raw ids.
"""

from __future__ import annotations

import re
from typing import NewType

from synth.core.errors import InvalidIdError

PaperId = NewType("PaperId", str)
PassageId = NewType("PassageId", str)

# New-style (0704.0001 onwards) and old-style (archive[.subject]/YYMMNNN) arXiv identifiers.
_NEW = re.compile(r"(?P<num>[0-9]{4}\.[0-9]{4,5})(?P<version>v[0-9]+)?")
_OLD = re.compile(r"(?P<num>[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})(?P<version>v[0-9]+)?")
_PREFIXES = (
    "https://www.arxiv.org/abs/",
    "http://www.arxiv.org/abs/",
    "https://www.arxiv.org/pdf/",
    "http://www.arxiv.org/pdf/",
    "https://arxiv.org/abs/",
    "http://arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "http://arxiv.org/pdf/",
    "arxiv.org/abs/",
    "arxiv:",
)


def arxiv_id(text: str) -> str:
    """Normalise a user-given arXiv id or URL to `2408.10536v1` / `astro-ph/0601001` form.

    Raises:
        InvalidIdError: the text is not an arXiv identifier.
    """
    raw = text.strip()
    candidate = raw
    lowered = candidate.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            candidate = candidate[len(prefix) :]
            break
    candidate = candidate.removesuffix(".pdf").strip("<>/ ")
    for pattern in (_NEW, _OLD):
        match = pattern.fullmatch(candidate)
        if match and _plausible(match.group("num"), match.group("version")):
            return match.group("num") + (match.group("version") or "")
    shown = raw if len(raw) <= 60 else raw[:57] + "…"  # a 5,000-character id is not echoed
    raise InvalidIdError(
        f"{shown!r} is not an arXiv identifier",
        hint="use a form like 2408.10536, 2408.10536v1 or astro-ph/0601001",
    )


def _plausible(number: str, version: str | None) -> bool:
    """arXiv's own rules: versions start at v1; new-style ids have a month 01-12, and four
    digits after the dot until 2014 (YYMM < 1501), five from 2015."""
    if version is not None and int(version[1:]) < 1:
        return False
    if "/" in number:
        yymm = number.split("/")[1][:4]
        return 1 <= int(yymm[2:]) <= 12
    yymm, serial = number.split(".")
    if not 1 <= int(yymm[2:]) <= 12:
        return False
    return len(serial) == (5 if int(yymm) >= 1501 else 4)


def split_version(identifier: str) -> tuple[str, str | None]:
    """`2408.10536v1` -> (`2408.10536`, `v1`); unversioned ids give (id, None)."""
    match = re.fullmatch(r"(.+?)(v\d+)?", identifier)
    assert match  # the pattern matches every string
    return match.group(1), match.group(2)


def paper_id(text: str) -> PaperId:
    """Normalise any paper reference (`arxiv:…`, a bare arXiv id, `pdf:…`) to a PaperId."""
    raw = text.strip()
    if raw.startswith("pdf:") and re.fullmatch(r"pdf:[0-9a-f]{8,64}", raw):
        return PaperId(raw)
    return PaperId("arxiv:" + arxiv_id(raw))


def passage_id(paper: PaperId, page_index: int, start: int) -> PassageId:
    return PassageId(f"{paper}#p{page_index}:{start}")


def safe_filename(pid: PaperId) -> str:
    """A file name for a paper id that can never leave its directory."""
    name = re.sub(r"[^A-Za-z0-9.\-]", "_", pid)
    # Dots alone would name the directory itself or its parent.
    return name if name.strip(".") else "_" + name


def display_id(pid: str) -> str:
    """A paper id as reports print it: an arXiv id bare (`2408.10536`), others as stored."""
    return pid.removeprefix("arxiv:")
