"""Claim-like sentences from a paper's abstract, introduction and conclusion. Rule-based.

A claim candidate is a statement that reports a method, a result or an experimental setting,
recognised by cue phrases; questions, fragments and citation-only sentences are dropped.
Each candidate keeps the offsets of the sentence it came from, so the verifier can exclude
that very sentence from the evidence. The text is made readable on its own: leading
connectives ("However, ") and bracketed citation numbers go; nothing else is rewritten.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from synth.core.types import Claim, ClaimKind, Page, Passage
from synth.parse.sentences import sentence_spans

_SECTIONS = re.compile(r"abstract|introduction|conclusion|summary|discussion", re.I)
_BACK_MATTER = re.compile(r"references|bibliography|acknowledg", re.I)
_CUES: dict[ClaimKind, re.Pattern[str]] = {
    ClaimKind.RESULT: re.compile(
        r"\b(outperform\w*|achiev\w*|improv\w*|reduc\w*|increas\w*|decreas\w*|show(s|n|ed)? that"
        r"|demonstrat\w*|significant\w*|better|superior|state[- ]of[- ]the[- ]art|surpass\w*"
        r"|comparable|consistently|substantially|gains?|accura\w*|effective\w*)\b",
        re.I,
    ),
    ClaimKind.METHOD: re.compile(
        r"\b(we (propose|introduce|present|develop|design)|this (paper|work|study) (proposes|"
        r"introduces|presents)|(proposed|novel) (method|approach|model|framework|strategy)"
        r"|fine-tun\w*|trained|train\w* (on|with)|objective|loss)\b",
        re.I,
    ),
    ClaimKind.SETTING: re.compile(
        r"\b(experiments? (on|with)|evaluat\w* (on|in)|conducted on|datasets?|benchmarks?"
        r"|languages|corpus|corpora)\b",
        re.I,
    ),
}
_LEADING = re.compile(
    r"^(however|moreover|furthermore|in addition|additionally|finally|therefore|thus|hence"
    r"|consequently|specifically|in particular|in summary|overall|to this end|as a result"
    r"|in this (paper|work)|here)\s*,\s*",
    re.I,
)
_CITATION = re.compile(r"\s*\[(?:\d+(?:[,–-]\s*\d+)*|\?)\]")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Candidate:
    claim: Claim
    cue_score: float


def readable(sentence: str) -> str:
    """The claim text shown to readers: citation brackets and leading connectives removed."""
    text = _CITATION.sub("", sentence).strip()
    text = _LEADING.sub("", text)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text else text


def _is_claim_like(text: str) -> bool:
    if not 40 <= len(text) <= 450 or text.endswith("?") or not text[:1].isupper():
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters / len(text) > 0.6 and len(_WORD.findall(text)) >= 6


def claim_id(text: str) -> str:
    return "c" + hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()[:10]


def candidates(pages: Iterable[Page]) -> list[Candidate]:
    """Claim candidates from the abstract, introduction and conclusion of one paper."""
    out: list[Candidate] = []
    for page in pages:
        for start, end in sentence_spans(page.text):
            section = page.section_at(start) or ("Abstract" if page.index == 0 else "")
            if _SECTIONS.search(section) and (found := _candidate(page, start, end, section)):
                out.append(found)
    return out


def passage_candidates(pages: Iterable[Page], passages: Iterable[Passage]) -> list[Candidate]:
    """Claim candidates from the sentences of retrieved passages, in any section (results and
    discussion included) but references and acknowledgements; each sentence once."""
    by_page = {(page.paper_id, page.index): page for page in pages}
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for passage in passages:
        page = by_page.get((passage.paper_id, passage.page_index))
        if page is None:
            continue
        for s, e in sentence_spans(passage.text):
            start, end = passage.start + s, passage.start + e
            key = (passage.paper_id, passage.page_index, start)
            if key in seen:
                continue
            seen.add(key)
            section = page.section_at(start) or ("Abstract" if page.index == 0 else "")
            if _BACK_MATTER.search(section):
                continue
            if found := _candidate(page, start, end, section):
                out.append(found)
    return out


def _candidate(page: Page, start: int, end: int, section: str) -> Candidate | None:
    text = readable(page.text[start:end])
    if not _is_claim_like(text):
        return None
    hits = {kind: len(p.findall(text)) for kind, p in _CUES.items()}
    score = sum(min(n, 2) for n in hits.values())
    if score == 0:
        return None
    kind = max(hits, key=lambda k: (hits[k], k == ClaimKind.RESULT))
    claim = Claim(
        id=claim_id(text),
        text=text,
        paper_id=page.paper_id,
        page_index=page.index,
        start=start,
        end=end,
        kind=kind,
        section=section or None,
    )
    return Candidate(claim, float(score))


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def is_near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= threshold


def select(ranked: Iterable[Candidate], max_claims: int, max_per_paper: int) -> list[Claim]:
    """Take candidates in the given order, skipping over-full papers; a near-duplicate of a
    chosen claim is not taken again, but when it comes from another paper that paper is
    recorded in the chosen claim's `also_in` (both attributions are kept)."""
    chosen: list[Claim] = []
    per_paper: dict[str, int] = {}
    for candidate in ranked:
        claim = candidate.claim
        twin = next(
            (i for i, c in enumerate(chosen) if is_near_duplicate(claim.text, c.text)), None
        )
        if twin is not None:
            kept = chosen[twin]
            if (
                claim.paper_id
                and claim.paper_id != kept.paper_id
                and claim.paper_id not in kept.also_in
            ):
                chosen[twin] = replace(kept, also_in=(*kept.also_in, claim.paper_id))
            continue
        if len(chosen) == max_claims or per_paper.get(claim.paper_id or "", 0) >= max_per_paper:
            continue
        chosen.append(claim)
        per_paper[claim.paper_id or ""] = per_paper.get(claim.paper_id or "", 0) + 1
    return chosen
