"""Existing reports with claims tables -> ClaimReport, for batch re-verification.

Layouts read (by content, not by file name alone):
- the seed reports' plain text: headings without `#`, a tab-separated
  `Claim<TAB>Verified<TAB>Confidence` table under "5 Extracted Claims";
- Markdown: `#`/`##` headings, tab-separated or pipe tables (escaped `\\|` kept in the cell);
- synth's own JSON report (schema_version 1);
- claim lists: CSV / TSV / JSONL with columns `claim`, `references` (arXiv ids separated by
  spaces) and optional `mark`, `confidence`, `report`.

A row is never dropped for being odd: a claim with tabs or pipes inside keeps them (the mark
and the confidence are read from the right), a row without mark or confidence keeps `None`.
Claims cut off by the producing system (the seeds cut at 120 characters) are flagged
`truncated` and kept as given. Stray bytes that are not UTF-8 become U+FFFD; a file that is
mostly not UTF-8 is read as cp1252.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

from synth.core.errors import ParseError
from synth.core.types import ClaimReport, ClaimRow, Mark, StatedCounts

SECTIONS = (
    "Abstract",
    "1 Introduction",
    "2 Methodology",
    "3 Results",
    "4 Limitations",
    "5 Extracted Claims",
    "References",
)
MARKS = {
    "✓": Mark.SUPPORTED,
    "✔": Mark.SUPPORTED,
    "×": Mark.CONTRADICTED,
    "✗": Mark.CONTRADICTED,
    "✘": Mark.CONTRADICTED,
    "?": Mark.NOT_ENOUGH_INFO,
    "–": Mark.NOT_CHECKED,
    "-": Mark.NOT_CHECKED,
    "supported": Mark.SUPPORTED,
    "contradicted": Mark.CONTRADICTED,
    "not_enough_info": Mark.NOT_ENOUGH_INFO,
    "not checked": Mark.NOT_CHECKED,
    "yes": Mark.SUPPORTED,
    "no": Mark.CONTRADICTED,
    "true": Mark.SUPPORTED,
    "false": Mark.CONTRADICTED,
}
TRUNCATION_LENGTH = 120
_ARXIV = re.compile(
    r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.I
)
_ARXIV_PREFIXED = re.compile(
    r"(?:\barxiv:\s{0,3}|\b10\.48550/arxiv\.)(\d{4}\.\d{4,5}|[a-z\-]{2,16}(?:\.[A-Z]{2})?/\d{7})"
    r"(v\d{1,3})?(?![\w])",
    re.I,
)
_ARXIV_BARE = re.compile(r"(?<![\w./])(\d{4}\.\d{4,5})(v\d+)?(?![\w])")
_DATE = re.compile(
    r"^\s*(?:[A-Z][a-z]+ \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4})\s*$"
)


def decode(data: bytes) -> str:
    """UTF-8, with stray invalid bytes replaced (U+FFFD) so valid marks like ✓ survive; a
    file that is mostly not UTF-8 is read as cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        return data.decode("utf-16", errors="replace").removeprefix("\ufeff")
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if text.count("\ufffd") > max(3, len(text) // 100):
        return data.decode("cp1252", errors="replace")
    return text


def is_truncated(text: str) -> bool:
    return len(text) >= TRUNCATION_LENGTH and not text.rstrip().endswith(
        (".", "!", "?", ")", '"', "”")
    )


def parse_confidence(cell: str) -> float | None:
    """A confidence cell as a number; NaN and infinities are no confidence (they would also
    make invalid JSON)."""
    try:
        value = float(cell.strip().rstrip("%"))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100 if cell.strip().endswith("%") else value


def normalise_mark(cell: str) -> Mark | None:
    return MARKS.get(cell.strip().lower()) or MARKS.get(cell.strip())


def arxiv_ids(text: str) -> tuple[str, ...]:
    """arXiv ids a reference list names: abs/pdf URLs, `arXiv:2408.10536`, and arXiv DOIs
    (10.48550/arXiv.2408.10536), in order of first mention."""
    seen: dict[str, None] = {}
    found = [(m.start(), m.group(1) + (m.group(2) or "")) for m in _ARXIV.finditer(text)]
    found += [(m.start(), m.group(1) + (m.group(2) or "")) for m in _ARXIV_PREFIXED.finditer(text)]
    for _, identifier in sorted(found):
        seen.setdefault(identifier, None)
    return tuple(seen)


def _split_cells(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    cells = re.split(r"(?<!\\)\|", inner)
    return [c.strip().replace("\\|", "|") for c in cells]


def parse_row(line: str) -> ClaimRow | None:
    """One table line -> a row; mark and confidence are read from the right."""
    if not line.strip() or set(line.strip()) <= set("|-: \t"):
        return None
    cells = [c for c in _split_cells(line)]
    while cells and cells[-1] == "":
        cells.pop()
    if not cells or _is_header(cells):
        return None
    confidence = parse_confidence(cells[-1]) if len(cells) >= 2 else None
    rest = cells[:-1] if confidence is not None else cells
    mark = normalise_mark(rest[-1]) if len(rest) >= 2 else None
    claim_cells = rest[:-1] if mark is not None else rest
    separator = "\t" if "\t" in line else " | "
    text = separator.join(c for c in claim_cells if c).strip()
    if not text:
        return None
    return ClaimRow(text, mark, confidence, is_truncated(text))


def _is_header(cells: list[str]) -> bool:
    """The table's header row (Claim | Verified | Confidence …), not a claim that says "Claim"."""
    names = [c.strip().lower() for c in cells]
    return names[:1] == ["claim"] and any(n in ("verified", "confidence", "mark") for n in names)


def _heading(line: str) -> str | None:
    stripped = " ".join(re.sub(r"^#+\s*", "", line.strip()).split())  # "5  Extracted" too
    for name in SECTIONS:
        if stripped.lower() == name.lower():
            return name
    return None


def lines_of(text: str) -> list[str]:
    """Lines split at \\n, \\r\\n and \\r only: U+2028, U+0085, form feeds or record
    separators inside a claim stay inside it (str.splitlines would split there)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_text_report(path: Path, text: str) -> ClaimReport:
    lines = lines_of(text)
    layout = "markdown" if any(line.lstrip().startswith("#") for line in lines) else "text"
    heads: list[tuple[int, str]] = [(i, h) for i, line in enumerate(lines) if (h := _heading(line))]
    if not any(h == "5 Extracted Claims" for _, h in heads):
        raise ParseError(
            f"{path}: no '5 Extracted Claims' section, so no claims table to check",
            hint="synth verify reads reports in the seed layout, synth's JSON, or "
            "CSV/TSV/JSONL claim lists with a 'claim' column",
        )
    sections: dict[str, str] = {}
    for n, (start, name) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        sections[name] = "\n".join(lines[start + 1 : end]).strip()
    first = heads[0][0] if heads else len(lines)
    preamble = [re.sub(r"^#+\s*", "", line).strip() for line in lines[:first] if line.strip()]
    title = preamble[0] if preamble else path.stem
    date = next((line for line in preamble if _DATE.match(line)), None)
    rows = [
        row
        for line in lines_of(sections["5 Extracted Claims"])
        if (row := parse_row(line)) is not None
    ]
    question = research_question(sections.get("1 Introduction", ""))
    return ClaimReport(
        path,
        layout,
        title,
        date,
        question,
        tuple(rows),
        arxiv_ids(sections.get("References", "")),
        _counts(text),
        sections,
        "tab" if "\t" in sections["5 Extracted Claims"] else "pipe",
    )


def research_question(introduction: str) -> str | None:
    """The text after "Research question:", without a final period (string search, not a
    regex: linear whatever the input)."""
    marker = "Research question:"
    at = introduction.find(marker)
    if at < 0:
        return None
    question = " ".join(introduction[at + len(marker) :].split())
    if question.endswith("?."):
        question = question[:-1]
    elif question.endswith("."):
        question = question[:-1].rstrip()
    return question or None


def _counts(text: str) -> StatedCounts:
    def number(pattern: str) -> int | None:
        match = re.search(pattern, text)
        return int(match.group(1)) if match else None

    # (?<!\d) and bounded repetitions keep these linear on hostile input (a 100k-digit run)
    return StatedCounts(
        number(r"(?<!\d)(\d{1,9})\s{1,9}papers retrieved"),
        number(r"(?<!\d)(\d{1,9})\s{1,9}claims extracted"),
        number(r"(?<!\d)(\d{1,9})\s{1,9}(?:independently )?verified"),
    )


def parse_json_report(path: Path, text: str) -> ClaimReport:
    """synth's JSON: a report (`verdicts`) or a re-verified report (`synth verify -f json`)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ParseError(
            f"{path}: the JSON holds a {type(data).__name__}, not a synth report",
            hint="synth verify reads synth's JSON reports (an object with 'verdicts')",
        )
    if data.get("kind") == "reverified_report":
        rows = tuple(
            ClaimRow(
                r["claim"],
                normalise_mark(str(r.get("mark") or "")),
                _finite(r.get("confidence")),
                r.get("truncated", False),
            )
            for r in data["rows"]
        )
        refs = tuple(r["cited"] for r in data.get("references", []))
    elif "verdicts" in data:
        rows = tuple(
            ClaimRow(
                v["claim"]["text"],
                normalise_mark(str(v.get("mark") or "")),
                _finite(v.get("confidence")),
                is_truncated(v["claim"]["text"]),
            )
            for v in data["verdicts"]
        )
        refs = tuple(
            p["id"].removeprefix("arxiv:")
            for p in data.get("papers", [])
            if p["id"].startswith("arxiv:")
        )
    else:
        raise ParseError(f"{path}: JSON without 'verdicts' is not a synth report")
    title = data.get("title", path.stem)
    return ClaimReport(path, "json", title, data.get("date"), data.get("question"), rows, refs)


def parse_claim_list(path: Path, text: str, layout: str) -> list[ClaimReport]:
    """A CSV/TSV/JSONL claim list -> one ClaimReport per value of its `report` column."""
    if layout == "jsonl":
        parsed = [json.loads(line) for line in lines_of(text) if line.strip()]
        records = [r for r in parsed if isinstance(r, dict)]  # a line like [1,2,3] is no row
    else:
        records = list(
            csv.DictReader(io.StringIO(text), delimiter="\t" if layout == "tsv" else ",")
        )
    if not records or not isinstance(records[0], dict) or "claim" not in records[0]:
        raise ParseError(
            f"{path}: a claim list needs a 'claim' column",
            hint="columns: claim, references (arXiv ids), optional mark, confidence, report",
        )
    groups: dict[str, list[ClaimRow]] = {}
    for record in records:
        text_ = str(record.get("claim") or "").strip()
        if not text_:
            continue
        refs = tuple(
            m.group(1) + (m.group(2) or "")
            for m in _ARXIV_BARE.finditer(str(record.get("references") or ""))
        )
        refs += tuple(r for r in arxiv_ids(str(record.get("references") or "")) if r not in refs)
        mark = normalise_mark(str(record.get("mark") or "")) if record.get("mark") else None
        conf = (
            parse_confidence(str(record["confidence"]))
            if record.get("confidence") not in (None, "")
            else None
        )
        name = str(record.get("report") or path.stem)
        groups.setdefault(name, []).append(ClaimRow(text_, mark, conf, is_truncated(text_), refs))
    reports = []
    for name, rows in groups.items():
        refs = dict.fromkeys(ref for row in rows for ref in row.references)
        reports.append(
            ClaimReport(path, layout, name, None, None, tuple(rows), tuple(refs), table_style="tab")
        )
    return reports


def read_reports(path: Path) -> list[ClaimReport]:
    """Read any supported layout; a claim list may hold several reports (its `report` column).

    Raises:
        ParseError: the file cannot be read as a report (the message names the file and what
            is missing).
    """
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        raise ParseError(f"{path} could not be read ({exc.strerror})") from exc
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".jsonl"):
            return parse_claim_list(path, text, suffix[1:])
        if suffix == ".json" or (text.lstrip().startswith("{") and _is_json_object(text)):
            return [parse_json_report(path, text)]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, csv.Error) as exc:
        raise ParseError(f"{path}: malformed {suffix[1:] or 'JSON'} ({exc})") from exc
    except RecursionError as exc:
        raise ParseError(
            f"{path}: the JSON is nested too deeply to be a report",
            hint="synth's reports nest a few levels; this file is not one",
        ) from exc
    return [parse_text_report(path, text)]


def _finite(value) -> float | None:
    """A JSON confidence as a finite number (json accepts NaN and Infinity; output must not)."""
    return parse_confidence(str(value)) if value is not None else None


def _is_json_object(text: str) -> bool:
    """Whether a file without a .json suffix is a JSON object (else it is read as text)."""
    try:
        return isinstance(json.loads(text), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def read_report(path: Path) -> ClaimReport:
    """Read a file that holds one report (see `read_reports`)."""
    return read_reports(path)[0]
