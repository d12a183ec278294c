"""Values passed between pipeline stages. Frozen, no behaviour beyond small derived properties.

Offsets are character offsets into one page's text: `page.text[start:end]`. A "page" is a PDF
page, or for sources without pages (abstracts, the text-only corpus papers) one paragraph.
`page_index` is 0-based; `page_number` (1-based) is only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from synth.core.ids import PaperId, PassageId


class SourceKind(StrEnum):
    ARXIV = "arxiv"  # fetched from arXiv (metadata + PDF)
    PDF = "pdf"  # a local PDF the user added
    CORPUS = "corpus"  # the bundled corpus (abstracts, text-only full texts)


@dataclass(frozen=True, slots=True)
class Paper:
    id: PaperId
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    abstract: str = ""
    source: SourceKind = SourceKind.CORPUS
    license: str | None = None
    url: str | None = None
    has_full_text: bool = False

    @property
    def arxiv_url(self) -> str | None:
        if self.id.startswith("arxiv:"):
            return "http://arxiv.org/abs/" + self.id.removeprefix("arxiv:")
        return self.url


@dataclass(frozen=True, slots=True)
class Page:
    paper_id: PaperId
    index: int  # 0-based
    text: str
    section: str | None = None  # heading in force at the start of the page, if known
    is_paragraph: bool = False  # a paragraph standing in for a page (text-only sources)
    headings: tuple[tuple[int, str], ...] = ()  # (offset, heading) found on this page

    def section_at(self, offset: int) -> str | None:
        current = self.section
        for start, heading in self.headings:
            if start <= offset:
                current = heading
        return current


@dataclass(frozen=True, slots=True)
class ParsedDoc:
    paper: Paper
    pages: tuple[Page, ...]
    failed_pages: tuple[int, ...] = ()  # pages that could not be read, skipped


@dataclass(frozen=True, slots=True)
class Passage:
    id: PassageId
    paper_id: PaperId
    page_index: int
    start: int
    end: int
    text: str  # == page.text[start:end]
    section: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    rank: int  # 1-based


class ClaimKind(StrEnum):
    METHOD = "method"
    RESULT = "result"
    SETTING = "setting"


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    text: str
    paper_id: PaperId | None = None  # where the claim was extracted from, if anywhere
    page_index: int | None = None
    start: int | None = None
    end: int | None = None
    kind: ClaimKind = ClaimKind.RESULT
    section: str | None = None


class Label(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_ENOUGH_INFO = "not_enough_info"

    @property
    def mark(self) -> str:
        return {"supported": "✓", "contradicted": "×", "not_enough_info": "?"}[self.value]


@dataclass(frozen=True, slots=True)
class Evidence:
    paper_id: PaperId
    page_index: int
    start: int
    end: int
    quote: str  # == page.text[start:end], verbatim
    score: float
    section: str | None = None
    is_paragraph: bool = False

    @property
    def location(self) -> str:
        unit = "paragraph" if self.is_paragraph else "page"
        return f"{unit} {self.page_index + 1}, chars {self.start}–{self.end}"


@dataclass(frozen=True, slots=True)
class Verdict:
    claim: Claim
    label: Label
    confidence: float  # probability that the sources support the claim
    evidence: tuple[Evidence, ...] = ()
    method: str = ""  # which verifier decided, e.g. "similarity-v1"
    reason: str | None = None  # machine-readable, when a guard fired
    probabilities: dict[str, float] = field(default_factory=dict)  # per label value


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    question: str
    date: str  # ISO date
    papers: tuple[Paper, ...]
    verdicts: tuple[Verdict, ...]
    abstract: str
    methodology: str
    results: str
    limitations: str
    settings_fingerprint: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        out = {label.value: 0 for label in Label}
        for verdict in self.verdicts:
            out[verdict.label.value] += 1
        return out
