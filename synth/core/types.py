"""Values passed between pipeline stages. Frozen, no behaviour beyond small derived properties.

Offsets are character offsets into one page's text: `page.text[start:end]`. A "page" is a PDF
page, or for sources without pages (abstracts, the text-only corpus papers) one paragraph.
`page_index` is 0-based; `page_number` (1-based) is only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

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
class Reference:
    """One entry of a paper's reference list, with what can be read off it offline."""

    position: int  # 1-based, in the order of the reference list
    raw: str
    arxiv_id: str | None = None  # e.g. "2408.10536v1", "hep-th/9901001"
    doi: str | None = None
    title: str | None = None  # a guess, for a strict title search


@dataclass(frozen=True, slots=True)
class Citation:
    """A citation edge as the library keeps it: a reference and what it resolved to."""

    citing: PaperId
    reference: Reference
    resolved: PaperId | None  # the cited paper, when known; never guessed
    how: str  # "arXiv id in the entry", "arXiv DOI", "title search", "unresolved: …"


@dataclass(frozen=True, slots=True)
class ParsedDoc:
    paper: Paper
    pages: tuple[Page, ...]
    failed_pages: tuple[int, ...] = ()  # pages that could not be read, skipped
    references: tuple[Reference, ...] = ()


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
    """What a sentence does in its paper (`extract.claims.role`): a result is a finding of the
    paper's own work, the claims worth checking; method and background rows are kept only
    where findings run out, other sentences never."""

    RESULT = "result"
    METHOD = "method"
    BACKGROUND = "background"
    OTHER = "other"
    SETTING = "setting"  # older stored verdicts; now a method


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
    also_in: tuple[PaperId, ...] = ()  # other papers stating a near-identical claim


# The reason of a claim's ? against its own paper where the verifier found that paper
# contradicting it: a paper rarely contradicts its own claim, so this is far more often the
# verifier's error than the paper's, and it is shown for review, never as ×.
OWN_PAPER_CONFLICT = "own_paper_conflict"


class Mark(StrEnum):
    """A verdict as claims tables print it."""

    SUPPORTED = "✓"
    CONTRADICTED = "×"
    NOT_ENOUGH_INFO = "?"
    NOT_CHECKED = "–"  # no source was available: no verdict, no confidence


class Label(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_ENOUGH_INFO = "not_enough_info"

    @property
    def mark(self) -> Mark:
        return Mark[self.name]


_SPAN_NOTES = {"window": ", two adjacent sentences", "passage": ", a whole passage"}


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
    span: str = "sentence"  # what was scored: a sentence, a window of adjacent ones, a passage

    @property
    def location(self) -> str:
        unit = "paragraph" if self.is_paragraph else "page"
        where = f"{unit} {self.page_index + 1}, chars {self.start}–{self.end}"
        return where + _SPAN_NOTES.get(self.span, "")


@dataclass(frozen=True, slots=True)
class Verdict:
    claim: Claim
    label: Label
    confidence: float  # probability that the sources support the claim
    evidence: tuple[Evidence, ...] = ()
    method: str = ""  # which verifier decided, e.g. "similarity-v1"
    reason: str | None = None  # machine-readable, when a guard fired
    probabilities: dict[str, float] = field(default_factory=dict)  # per label value
    # why the claim was not checked (e.g. only its own abstract is available): no verdict, –
    not_checked: str | None = None

    @property
    def mark(self) -> Mark:
        return Mark.NOT_CHECKED if self.not_checked else self.label.mark


@dataclass(frozen=True, slots=True)
class SourceCheck:
    """One claim checked against one selected paper."""

    paper_id: PaperId
    verdict: Verdict
    own: bool  # the paper the claim was extracted from (checked without its own sentence)


@dataclass(frozen=True, slots=True)
class AnswerParagraph:
    """One theme of the answer: a bold lead-in and sentences that each cite claim ids."""

    lead: str
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SecondOpinion:
    """An LLM's verdict on a claim against the quotes synth found, shown beside synth's own;
    never part of synth's verdicts or counts."""

    label: Label | None  # None: the reply held no usable label
    reason: str
    model: str


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
    checks: tuple[tuple[SourceCheck, ...], ...] = ()  # per claim (row order), per paper
    answer: tuple[AnswerParagraph, ...] = ()
    second_opinions: tuple[SecondOpinion | None, ...] = ()  # per claim, with --llm second opinion

    @property
    def counts(self) -> dict[str, int]:
        out = {label.value: 0 for label in Label} | {"not_checked": 0}
        for verdict in self.verdicts:
            out["not_checked" if verdict.not_checked else verdict.label.value] += 1
        return out


# Batch re-verification of existing claim tables ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One row of an existing claims table, as written there."""

    text: str
    mark: Mark | None  # None when the row has none
    confidence: float | None
    truncated: bool
    references: tuple[str, ...] = ()  # per-row references (claim lists); else the report's


@dataclass(frozen=True, slots=True)
class StatedCounts:
    """What a report says about its own process ("8 papers retrieved", ...)."""

    papers_retrieved: int | None = None
    claims_extracted: int | None = None
    verified: int | None = None


@dataclass(frozen=True, slots=True)
class ClaimReport:
    """An existing report (or claim list) read for re-verification."""

    path: Path
    layout: str  # text | markdown | json | csv | tsv | jsonl
    title: str
    date: str | None
    question: str | None
    rows: tuple[ClaimRow, ...]
    references: tuple[str, ...]  # arXiv ids, versions kept, in order of first mention
    counts: StatedCounts = StatedCounts()
    sections: dict[str, str] = field(default_factory=dict)  # heading -> body text
    table_style: str = "tab"  # how its claims table was written: tab | pipe


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A cited reference, resolved against the library (or not)."""

    cited: str  # as the report cites it, e.g. "2408.10536v1"
    paper: Paper | None  # what was checked; None when unavailable
    checked: str  # e.g. "2408.10536v1 (full text)", "2408.10536 (abstract, bundled corpus)"
    problem: str | None = None  # why it is unavailable
    hint: str | None = None  # what the user can do about it


@dataclass(frozen=True, slots=True)
class RowCheck:
    """One claims-table row, re-verified (or not checked when no source was available)."""

    row: ClaimRow
    verdict: Verdict | None
    checked_text: str  # what was verified: the row's text, cut at the last full word if truncated
    not_checked: str | None = None  # why there is no verdict
    cached: bool = False  # the verdict came from the library, no model work

    @property
    def mark(self) -> Mark:
        return self.verdict.label.mark if self.verdict else Mark.NOT_CHECKED

    @property
    def was(self) -> str:
        return self.row.mark or "none"

    @property
    def changed(self) -> bool:
        return self.row.mark is not None and self.row.mark != self.mark


@dataclass(frozen=True, slots=True)
class Finding:
    """Something wrong with a report itself, independent of any single claim's verdict."""

    kind: str  # count_mismatch | unused_reference | unavailable_reference |
    #            unanswered_question | near_duplicate_claims | unverifiable_process
    message: str


@dataclass(frozen=True, slots=True)
class CheckedReport:
    """An existing report after re-verification: rows, resolved references, findings."""

    source: ClaimReport
    rows: tuple[RowCheck, ...]
    references: tuple[SourceRef, ...]
    findings: tuple[Finding, ...]
    method: str  # the verifier that decided
    method_description: str = ""  # one sentence, for the Methodology text
    encoder: str = ""  # the retriever's model id

    @property
    def changes(self) -> tuple[RowCheck, ...]:
        return tuple(r for r in self.rows if r.changed)
