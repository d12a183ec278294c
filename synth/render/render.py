"""Report -> Markdown, LaTeX, JSON or HTML through the jinja2 templates in `templates/`.

Escaping is per format and happens here, in filters, never in the templates' callers: LaTeX
gets its ten special characters escaped; Markdown table cells get `|` escaped; HTML is
autoescaped by jinja2 (every text from a source or an input), and its page carries a strict
Content-Security-Policy that allows only its own inline style and script, by hash.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2

from synth.core.paths import resource_dir
from synth.core.types import Report

SCHEMA_VERSION = 2  # 2: verdicts' not_checked, counts' not_checked


class Format(StrEnum):
    MD = "md"
    TEX = "tex"
    JSON = "json"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class QuoteView:
    """How the HTML report shows one quote: a page image (a data: URI or a relative path) with
    the quote highlighted, and/or the paragraph around it with the quote marked."""

    image: str | None = None
    width: int = 0
    height: int = 0
    boxes: str = ""  # JSON: the highlight boxes in image pixels (for checks and tools)
    before: str | None = None  # text context (text-only sources)
    after: str | None = None
    note: str = ""


def quote_key(evidence) -> tuple[str, int, int, int]:
    return (evidence.paper_id, evidence.page_index, evidence.start, evidence.end)


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIALS))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Runs of right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko), spaces inside a run kept.
_RTL_RUN = re.compile(
    r"[\u0590-\u07FF\uFB1D-\uFDFF\uFE70-\uFEFF]+(?:[ \u060C]+[\u0590-\u07FF\uFB1D-\uFDFF\uFE70-\uFEFF]+)*"
)


# Bidi embedding/override/isolate controls and invisible zero-width characters make a quote
# read differently from what the source says ("Hidden \u202egnirts\u202c" shows reversed): in
# every human-readable output they are shown as what they are; JSON keeps the verbatim text.
# The joiners (U+200C/D) and the marks (U+200E/F) stay: Persian, Indic scripts and emoji
# need them, and they cannot reorder a line.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")


def show_invisible(text: str) -> str:
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def latex_escape(value: Any) -> str:
    text = _CONTROL.sub(" ", show_invisible(str(value)))
    text = _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], text)
    # LuaTeX sets right-to-left runs in their own direction (else Arabic reads backwards).
    text = _RTL_RUN.sub(lambda m: "{\\textdir TRT " + m.group() + "}", text)
    # Unicode symbols TeX fonts may lack get a text fallback that never breaks compilation.
    return text.replace("\u00a0", "~").replace("–", "--").replace("—", "---")


# Text from sources and inputs is data: in Markdown, HTML and link syntax are neutralised.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_BACKSLASH = re.compile(r"([\\`*_\[\]()])")
_MD_LINE_START = re.compile(r"(?m)^(\s{0,3})(?:([#>]|[+\-](?=\s))|(\d{1,9})([.)])(?=\s))")
_CITATIONS = re.compile(r"\\\[(C\d{1,4}(?:, C\d{1,4}){0,200})\\\]")


def md_escape(value: Any) -> str:
    """Markdown-safe text: no raw HTML (`<` `>` `&` as entities), no links, images, code or
    emphasis (brackets, parentheses, backslash, backtick, star, underscore escaped), no heading, quote or list started by the
    text itself; control characters become spaces."""
    text = _CONTROL.sub(" ", show_invisible(str(value)))
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    text = _MD_BACKSLASH.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_escape_block_marker, text)


def _escape_block_marker(match: re.Match[str]) -> str:
    indent, marker, digits, dot = match.groups()
    return indent + ("\\" + marker if marker else digits + "\\" + dot)


def md_cell(value: Any) -> str:
    return md_escape(" ".join(str(value).split())).replace("|", r"\|")


def md_answer(value: Any) -> str:
    """An answer sentence: escaped like any text, its own [Cn] citations kept readable."""
    return _CITATIONS.sub(r"[\1]", md_quote(value))


def md_quote(value: Any) -> str:
    return md_escape(" ".join(str(value).split()))


def environment(templates: Path | None = None) -> jinja2.Environment:
    """The templates folder (default: the shipped `templates/`) with synth's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates or resource_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["tex"] = latex_escape
    env.filters["cell"] = md_cell
    env.filters["quote"] = md_quote
    env.filters["sources"] = sources_cell
    env.filters["md"] = md_escape
    env.filters["answer"] = md_answer
    env.filters["safe_url"] = safe_url
    return env


_SAFE_URL = re.compile(r"https?://[A-Za-z0-9.\-]{1,253}(?:/[A-Za-z0-9._~/\-]{0,500})?")


def safe_url(url: str | None) -> str:
    """`url` when it is a plain http(s) address (host and path, no query or fragment), else "":
    a URL is the one field templates print without escaping (inside `\\url{}` or `<…>`), and a
    brace, a backslash or a `>` from a hostile source must not break out of it."""
    return url if url and _SAFE_URL.fullmatch(url) else ""


def report_dict(report: Report) -> dict[str, Any]:
    """The versioned JSON shape of a report."""
    data = asdict(report)
    data["schema_version"] = SCHEMA_VERSION
    data["counts"] = report.counts
    for verdict, out in zip(report.verdicts, data["verdicts"], strict=False):
        out["mark"] = verdict.mark
        for evidence, ev_out in zip(verdict.evidence, out["evidence"], strict=False):
            ev_out["location"] = evidence.location
    data["checks"] = [
        [
            {
                "paper_id": check.paper_id,
                "own": check.own,
                "label": check.verdict.label.value,
                "mark": check.verdict.mark,
                "not_checked": check.verdict.not_checked,
                "confidence": check.verdict.confidence,
                "evidence": [
                    {**asdict(e), "location": e.location} for e in check.verdict.evidence[:1]
                ],
            }
            for check in row
        ]
        for row in report.checks
    ]
    return data


def sources_cell(checks) -> str:
    """The Sources column: every selected paper with its mark, own paper first."""
    ordered = sorted(checks, key=lambda c: not c.own)
    return "; ".join(f"{c.paper_id.removeprefix('arxiv:')} {c.verdict.mark}" for c in ordered)


def render(
    report: Report,
    fmt: Format,
    templates: Path | None = None,
    quotes: dict[tuple[str, int, int, int], QuoteView] | None = None,
) -> str:
    """The report in `fmt`; for HTML, `quotes` gives each quote's page image or context."""
    if fmt is Format.JSON:
        return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.HTML:
        return render_html(report, templates, quotes or {})
    env = environment(templates)
    template = env.get_template(f"report.{fmt.value}.j2")
    return template.render(report=report, counts=report.counts)


# --- HTML ------------------------------------------------------------------------------------

_MARK_CLASS = {"✓": "supported", "×": "contradicted", "?": "nei", "–": "unchecked"}
BAR_WIDTH = 240
_CITE = re.compile(r"\[(C\d+(?:\s*,\s*C\d+)*)\]")


def _sha256_source(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _cite(sentence: str):
    """An Answer sentence, escaped, its [C3, C5] citations linked to their table rows."""
    from markupsafe import Markup, escape

    def link(match: re.Match[str]) -> str:
        ids = [c.strip() for c in match.group(1).split(",")]
        return "[" + ", ".join(f'<a href="#row-{c}">{c}</a>' for c in ids) + "]"

    return Markup(_CITE.sub(link, str(escape(show_invisible(sentence)))))


def verdict_bars(report: Report) -> list[dict]:
    """Per paper, the marks it gives across all claims (its own claims and the others')."""
    counts: dict[str, dict[str, int]] = {}
    for row in report.checks:
        for check in row:
            marks = counts.setdefault(check.paper_id, {m: 0 for m in _MARK_CLASS})
            marks[str(check.verdict.mark)] += 1
    bars = []
    for paper, marks in counts.items():
        total = sum(marks.values()) or 1
        x, parts = 0.0, []
        for mark, n in marks.items():
            width = BAR_WIDTH * n / total
            if n:
                parts.append(
                    {"x": round(x, 1), "width": round(width, 1), "kind": _MARK_CLASS[mark]}
                )
            x += width
        text = "  ".join(f"{m} {n}" for m, n in marks.items())
        name = paper.removeprefix("arxiv:")
        bars.append({"paper": name, "parts": parts, "text": text, "label": f"{name}: {text}"})
    return bars


def html_page(
    template: str,
    templates: Path | None,
    quotes: dict[tuple[str, int, int, int], QuoteView],
    filters: dict[str, Any] | None = None,
    **values: Any,
) -> str:
    """An HTML page of synth's: the template rendered with autoescape, the page's own style
    and script inline and admitted by hash in a strict Content-Security-Policy, bidi and
    zero-width controls in any text shown as what they are, quotes shown through `quotes`."""
    from markupsafe import Markup

    folder = templates or resource_dir("templates")
    style = (folder / "report.css").read_text(encoding="utf-8")
    script = (folder / "report.js").read_text(encoding="utf-8")
    csp = (
        f"default-src 'none'; img-src data: 'self'; style-src {_sha256_source(style)}; "
        f"script-src {_sha256_source(script)}; base-uri 'none'; form-action 'none'"
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=True,
    )
    # the page's own markup (Markup: the style, the script, linked citations) passes as it is
    env.finalize = lambda v: show_invisible(v) if type(v) is str else v
    env.filters["sources"] = sources_cell
    env.filters["safe_url"] = safe_url
    env.filters.update(filters or {})
    return env.get_template(template).render(
        csp=csp,
        style=Markup(style),  # the page's own files, hashed into the policy: not input
        script=Markup(script),
        cite=_cite,
        short=lambda pid: pid.removeprefix("arxiv:"),
        mark_class=lambda mark: _MARK_CLASS.get(str(mark), ""),
        view=lambda e: quotes.get(quote_key(e)),
        **values,
    )


def render_html(
    report: Report, templates: Path | None, quotes: dict[tuple[str, int, int, int], QuoteView]
) -> str:
    return html_page(
        "report.html.j2",
        templates,
        quotes,
        report=report,
        bars=verdict_bars(report),
        bar_width=BAR_WIDTH,
    )
