"""Reading a user's input file: bounded, and every fault one `ParseError` that names the file,
where in it, and what was expected (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synth.core.errors import ParseError

MAX_INPUT_BYTES = 512 << 20  # an evaluation set larger than this is not one (XNLI: 60 MB)
MAX_TEXT_CHARS = 20_000  # one claim or evidence text: far past any model's 512-token window


def read_text(path: Path, *, what: str, hint: str = "") -> str:
    """The file as UTF-8 text.

    Raises:
        ParseError: it is larger than MAX_INPUT_BYTES, unreadable, or not UTF-8.
    """
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ParseError(
                f"{path} is {size / 2**20:.0f} MB, more than any {what} "
                f"({MAX_INPUT_BYTES >> 20} MB)",
                hint=hint or "split it, or check that it is the file you meant",
            )
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{path} is not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x})",
            hint=hint or "convert it to UTF-8 (e.g. iconv -t UTF-8)",
        ) from None
    except OSError as exc:
        raise ParseError(f"{path} cannot be read ({exc.strerror})") from None


def parse_json(text: str, path: Path, *, line: int | None = None, hint: str = "") -> Any:
    """`json.loads` whose faults name the file and the line."""
    where = f"{path}" + (f", line {line}" if line else "")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno}, column {exc.colno}" if line is None else f"column {exc.colno}"
        raise ParseError(f"{where} is not valid JSON ({exc.msg} at {at})", hint=hint) from None
    except RecursionError:
        raise ParseError(f"{where} nests JSON too deeply to be data", hint=hint) from None


def cut(text: str) -> str:
    """A text cut to MAX_TEXT_CHARS: the models see far less, and a 50 MB field must not be
    tokenised whole."""
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]
