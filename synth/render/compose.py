"""Verdicts + run facts -> Report: the prose sections say what actually ran, nothing more.

Counts in the text are computed from the same verdicts and papers the tables list, so they
cannot disagree with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from synth.core.ids import display_id
from synth.core.types import AnswerParagraph, Label, Paper, Report, SourceCheck, Verdict

MAX_NAMED = 6  # papers named in the Introduction


@dataclass(frozen=True, slots=True)
class RunFacts:
    library_description: str  # e.g. "the bundled corpus (59 papers)"
    papers_considered: int
    encoder: str
    passages_indexed: int
    top_k: int
    verifier: str
    verifier_description: str
    settings_fingerprint: str
    discovery: str = ""  # how the sources were found (search queries, traversal, counts)
    llm_note: str = ""  # what an LLM did (claims, Answer, second opinions), when one did


def _title(question: str) -> str:
    return "Evidence synthesis: " + question.strip().rstrip("?").strip()


def compose_report(
    question: str,
    papers: list[Paper],
    verdicts: list[Verdict],
    facts: RunFacts,
    *,
    checks: Sequence[Sequence[SourceCheck]] = (),
    answer: Sequence[AnswerParagraph] = (),
    today: date | None = None,
) -> Report:
    checked = [v for v in verdicts if not v.not_checked]
    counts = {label: sum(v.label is label for v in checked) for label in Label}
    unchecked = len(verdicts) - len(checked)
    n_papers, n_claims = len(papers), len(verdicts)
    tally = (
        f"{counts[Label.SUPPORTED]} supported (✓), {counts[Label.CONTRADICTED]} contradicted"
        f" (×), {counts[Label.NOT_ENOUGH_INFO]} without enough evidence (?)"
        + (
            f", {unchecked} not checked (–: only the abstract of their own paper is available, "
            "and an abstract cannot check its own claims; the Sources column checks them against "
            "the other papers)"
            if unchecked
            else ""
        )
    )
    abstract = (
        f"This report examines the question “{question.strip()}” against {n_papers} "
        f"{'paper' if n_papers == 1 else 'papers'} selected from {facts.library_description}. "
        f"{n_claims} claims were extracted from the passages of the selected papers closest to "
        f"the question and checked against each selected paper, their own one only where it "
        f"has more than an abstract (its body, never the sentence the claim came from or a "
        f"restatement of it): {tally} (verdicts on their own papers). "
        "Every verdict below is given with the verbatim source sentences it rests on."
    )
    named = "; ".join(f"{p.title} ({display_id(p.id)})" for p in papers[:MAX_NAMED])
    more = len(papers) - MAX_NAMED
    introduction = (
        f"Research question: {question.strip()} The selected papers are: {named}"
        + (f"; and {more} more" if more > 0 else "")
        + ". Rows of the claims table are findings of these papers (results, comparisons, "
        "measured effects) before descriptions of their methods; sentences the rules judge to be "
        "background (motivation, or work the sentence attributes to others) are not rows."
        if papers
        else f"Research question: {question.strip()} No paper was selected."
    )
    methodology = (
        (f"{facts.discovery} " if facts.discovery else "")
        + f"Papers were selected from {facts.library_description} by the cosine similarity of the question to each paper's title and abstract "
        f"under the encoder {facts.encoder}. The {facts.passages_indexed} passages of the "
        f"selected papers (sentence-aware chunks with page and character offsets) were embedded "
        f"and searched with an exact FAISS inner-product index. Claims were extracted by rules "
        f"from the sentences of the passages closest to the question, in any section but the "
        f"references: each sentence's role (a finding, a description of the method, background, "
        f"or other) is judged by cue phrases, findings rank first, background and other "
        f"sentences are never rows, a paper's references to itself (we, our, this paper) are "
        f"replaced by its id, and near-identical claims of several papers are one row. Each claim "
        f"was checked against each selected paper on its own, against that paper's top "
        f"{facts.top_k} passages: its own paper's body, results sections first, without the "
        f"sentence it was extracted from or restatements of it (the Verified column; – where "
        f"the paper has only an abstract) and every other paper (the Sources column). The Answer opens "
        f"with the best-ranked claim a paper's text supports (or says that none is), then "
        f"groups the stated claims by theme (greedy clustering of their embeddings, each led by "
        f"a key phrase of its claims); each sentence states a claim with the other papers that "
        f"support or contradict it and cites its row; a × against a claim's own paper is listed "
        f"for review, and claims no paper supports or contradicts are not stated as findings. "
        f"{facts.llm_note + ' ' if facts.llm_note else ''}"
        f"Verifier: {facts.verifier} — {facts.verifier_description} No human review "
        f"took place. Configuration fingerprint: {facts.settings_fingerprint}."
    )
    papers_word = "paper" if n_papers == 1 else "papers"
    results = f"{n_papers} {papers_word} retrieved. {n_claims} claims extracted; {tally}."
    limitations = (
        "This report is a machine-generated literature synthesis and does not constitute original "
        "research. Claims are checked only against the selected papers, so a claim may be true "
        "but unsupported by them; the verifier compares meaning and wording and can be fooled by "
        "close paraphrases of different facts. The confidences are scores of the verifier, not "
        "audited probabilities. Consult the quoted passages and the primary sources."
    )
    return Report(
        title=_title(question),
        question=question.strip(),
        date=(today or date.today()).isoformat(),
        papers=tuple(papers),
        verdicts=tuple(verdicts),
        abstract=abstract,
        methodology=methodology,
        results=results,
        limitations=limitations,
        settings_fingerprint=facts.settings_fingerprint,
        extra={"introduction": introduction},
        checks=tuple(tuple(row) for row in checks),
        answer=tuple(answer),
    )
