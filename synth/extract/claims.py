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
# cue phrases that make a sentence a claim candidate at all (what it does: `role`)
_CUES: dict[str, re.Pattern[str]] = {
    "result": re.compile(
        r"\b(outperform\w*|achiev\w*|improv\w*|reduc\w*|increas\w*|decreas\w*|show(s|n|ed)? that"
        r"|demonstrat\w*|significant\w*|better|superior|state[- ]of[- ]the[- ]art|surpass\w*"
        r"|comparable|consistently|substantially|gains?|accura\w*|effective\w*)\b",
        re.I,
    ),
    "method": re.compile(
        r"\b(we (propose|introduce|present|develop|design)|this (paper|work|study) (proposes|"
        r"introduces|presents)|(proposed|novel) (method|approach|model|framework|strategy)"
        r"|fine-tun\w*|trained|train\w* (on|with)|objective|loss)\b",
        re.I,
    ),
    "setting": re.compile(
        r"\b(experiments? (on|with)|evaluat\w* (on|in)|conducted on|datasets?|benchmarks?"
        r"|languages|corpus|corpora)\b",
        re.I,
    ),
}
# What a sentence does in its paper (`role`), checked in this order. Measured against
# sentences of the corpus's full texts labelled by hand: bench/claim_roles.py.
_OTHER = re.compile(
    r"^(let|definition|remark|lemma|proof|theorem|corollary|where|consider|suppose|note that"
    r"|without loss of generality|it suffices)\b|\bfuture (work|investigations?|research)\b"
    r"|\bstarting point\b|\bin (the )?future\b|\b(is|are) defined as\b|\b(kept|borne) in mind\b"
    r"|\bone (would|could|may|might)\b",
    re.I,
)
# inline maths, but not a number typeset as maths ("$2\\times$")
_FORMULA = re.compile(r"\$(?!\s*[\d.]+\s*(\\times|\\%)?\s*\$)[^$]*\$|\[formula\]|\(REF \)")
_SHOWN = re.compile(
    r"\bwe (have |had |also |further |then |first |can |could |now |here |clearly )?(show|showed"
    r"|shown|demonstrate|demonstrated|find|found|observe|observed|see|saw|note|noted|prove|proved"
    r"|confirm|confirmed|establish|established|conclude|concluded)\b"
    r"|\bwe (propose|suggest|argue|conclude) that\b"
    r"|\b(our|the|these|this|such) (results?|experiments?|findings?|analys[ie]s|evaluations?"
    r"|observations?|simulations?|measurements?|comparisons?)\b[^.;]{0,60}?\b(show|shows|showed"
    r"|shown|demonstrate|demonstrates|demonstrated|indicate|indicates|indicated|reveal|reveals"
    r"|revealed|suggest|suggests|suggested|confirm|confirms|confirmed|prove|proves|proved)\b"
    r"|\b(table|figure|fig\.?)\s*(REF|\d+)?[^.;]{0,30}?\b(shows?|demonstrates?|indicates?"
    r"|reveals?|confirms?)\b|\b(this|which|it) (means|implies|shows|indicates|suggests"
    r"|demonstrates|confirms) that\b|\bprovided? (strong |further )?evidence\b"
    r"|\b(can|could) be explained by\b|\bas (evaluated|shown|demonstrated) (in|above)\b"
    r"|\banalysis (revealed|showed|demonstrated)\b",
    re.I,
)
_OTHERS_WORK = re.compile(
    r"\bet al\b|\b(the )?authors (of|in|show)\b|^(there|in|as (explained|shown|reported|"
    r"emphasized) by)\s*,|\b(it )?(was|were|has been|have been)"
    r" (shown|proposed|reported|demonstrated|observed|developed|used)\b|\bother researchers\b"
    r"|,\s*,|\b(by|in|following)\s*[,.]",
    re.I,
)
_BACKGROUND = re.compile(
    r"^(recent(ly)?|prior|previous(ly)?|existing|traditional(ly)?|conventional(ly)?|many|most"
    r"|in recent years|with the (advent|success|rise|development)|over the (past|last)"
    r"|nowadays|today|currently)\b|\b(widely|commonly|typically|usually|often|increasingly)\b"
    r"|\b(have|has) (achieved|attracted|become|gained|emerged)\b|\bremains? (a |an )?"
    r"(challeng|open|difficult)|\b(is|are) (a |an )?(challenging|difficult|costly|expensive)\b",
    re.I,
)
_METHOD = re.compile(
    r"\bwe (will |then |first |also |here )?(propose|introduce|present|develop|design|describe"
    r"|use|adopt|employ|apply|consider|calculate|compute|evaluate|validate|report|train|test"
    r"|tested|define|discuss|study|investigate|explore|implement|adapt|derive|construct|perform"
    r"|focus|analy[sz]e|compare|reduced|provide)\b|\bthis (paper|work|article|study|section)"
    r" (proposes|presents|introduces|describes|studies|investigates|explores|develops)\b"
    r"|^in (this|the following|the next) (paper|work|section|article)\b|\b(is|are) based on\b"
    r"|\bconsists? of\b|\b(the|our) (intent|goal|aim|objective) (is|was)\b"
    r"|\bwas (used|trained|fine-tuned|evaluated|implemented|reduced)\b|\bis fine-tuned\b",
    re.I,
)
_EFFECT = re.compile(
    r"\b(outperform\w*|surpass\w*|improv(e|es|ed|ements?)|reduc(e|es|ed|tions?)"
    r"|increas(e|es|ed)|decreas(e|es|ed)|achiev(e|es|ed)|gains?|better|worse|higher|lower|faster|slower|superior|inferior"
    r"|significant(ly)?|consistent(ly)?( with)?|comparable|agreement|negligible|drastically"
    r"|substantially|state-of-the-art results|more (accurate|efficient|robust)|less|fewer"
    r"|limits?|depends?|guarantees?|allows?|enables?|is (isomorphic|equivalent|sharp))\b"
    r"|\d+(\.\d+)?\s*(%|×|x\b|times)",
    re.I,
)


def role(text: str) -> ClaimKind:
    """What a sentence does in its paper: a finding of its own work (RESULT), a description
    of what it does (METHOD), others' work or motivation (BACKGROUND), or none of these
    (OTHER: definitions, proof steps, formulas, future work). Rules, checked in order."""
    if _OTHER.search(text):
        return ClaimKind.OTHER
    others = bool(_OTHERS_WORK.search(text))
    if _SHOWN.search(text) and not others:
        return ClaimKind.RESULT
    if len(_FORMULA.findall(text)) >= 2:  # a derivation step, not a claim to check in words
        return ClaimKind.OTHER
    if others or _BACKGROUND.search(text):
        return ClaimKind.BACKGROUND
    if _METHOD.search(text):
        return ClaimKind.METHOD
    if _EFFECT.search(text):
        return ClaimKind.RESULT
    return ClaimKind.OTHER


_LEADING = re.compile(
    r"^(however|moreover|furthermore|in addition|additionally|finally|therefore|thus|hence"
    r"|consequently|specifically|in particular|in summary|overall|to this end|as a result"
    r"|here)\s*,\s*|^in this (paper|work|article|study)\s*,?\s*",
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
    maths = sum(len(m) for m in re.findall(r"\$[^$]*\$", text))
    # a sentence carrying a long formula cannot be read (or checked) as a row of a table
    balanced = text.count("$") % 2 == 0
    return letters / len(text) > 0.6 and len(_WORD.findall(text)) >= 6 and maths <= 40 and balanced


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
            for part_start, part_end in clauses(page.text, start, end):
                if found := _candidate(page, part_start, part_end, section):
                    out.append(found)
    return out


# where a sentence may join two statements: "X reduces A by 3%; Y improves B", "…, while …"
_JOIN = re.compile(r";\s+|,\s+(?:while|whereas|but)\s+")
_PRONOUN = re.compile(r"(it|its|they|their|this|these|that|those|which|he|she|such)\b", re.I)


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span `text[start:end]` (a sentence) split where it states two findings that each
    read as a claim on their own ("A reduces bias by 20%, while B improves recall by 3%"); the
    whole span otherwise. Offsets stay into `text`; the joining words belong to neither."""
    sentence = text[start:end]
    for match in _JOIN.finditer(sentence):
        first = (start, start + match.start())
        second = (start + match.end(), end)
        parts = [readable(text[a:b]) for a, b in (first, second)]
        if _PRONOUN.match(parts[1]):  # "…, while it improves B": not a row on its own
            continue
        if all(_is_claim_like(t) and role(t) is ClaimKind.RESULT for t in parts):
            return [first, second]
    return [(start, end)]


def _candidate(page: Page, start: int, end: int, section: str) -> Candidate | None:
    text = readable(page.text[start:end])
    if not _is_claim_like(text):
        return None
    score = sum(min(len(p.findall(text)), 2) for p in _CUES.values())
    if score == 0:
        return None
    kind = role(text)
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


# a paper speaking of itself: "we", "our", "this paper", "the proposed"
_SELF = re.compile(
    r"\b(?P<paper>(this|the present) (paper|work|study|article|letter))\b|\b(?P<proposed>the "
    r"proposed)\b|\b(?P<our>our)\b|\b(?P<we>we)\b|\b(?P<us>us)\b|\b(?P<ours>ours)\b",
    re.I,
)


def stand_alone(text: str, label: str) -> str:
    """`text` with the paper's references to itself resolved to `label` (its id as the report
    shows it), so a row read alone says whose work it is: "We show that our method…" →
    "The authors of 2408.10536 show that their method…". The first mention names the paper,
    later ones are pronouns; verb agreement holds ("we" and "the authors" are both plural)."""
    named = False

    def swap(m: re.Match[str]) -> str:
        nonlocal named
        kind = m.lastgroup or ""
        first = not named
        named = True
        if kind == "paper":
            out = label if first else "the paper"
        elif kind == "proposed":
            out = f"{label}'s proposed" if first else "the proposed"
        elif kind == "our":
            out = f"{label}'s" if first else "their"
        elif kind == "we":
            out = f"the authors of {label}" if first else "they"
        elif kind == "us":
            out = f"the authors of {label}" if first else "them"
        else:
            out = f"those of {label}" if first else "theirs"
        at_start = m.start() == 0 or text[: m.start()].rstrip().endswith((".", ":", ";"))
        if at_start and not out.startswith(label):  # an id keeps its own case ("pdf:…")
            return out[:1].upper() + out[1:]
        return out

    return _SELF.sub(swap, text)


def resolve_self_reference(claim: Claim, label: str) -> Claim:
    """The claim with `stand_alone` text (and the id of that text); offsets unchanged."""
    text = stand_alone(claim.text, label)
    return claim if text == claim.text else replace(claim, id=claim_id(text), text=text)


def worth_checking(claim: Claim) -> bool:
    """Findings and method statements; background (others' work, motivation) and other
    sentences (definitions, proof steps, future work) are not claims of the paper."""
    return claim.kind in (ClaimKind.RESULT, ClaimKind.METHOD, ClaimKind.SETTING)


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def is_near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= threshold


def select(ranked: Iterable[Candidate], max_claims: int, max_per_paper: int) -> list[Claim]:
    """Take candidates in the given order, skipping sentences not `worth_checking` and
    over-full papers; a near-duplicate of a
    chosen claim is not taken again, but when it comes from another paper that paper is
    recorded in the chosen claim's `also_in` (both attributions are kept)."""
    chosen: list[Claim] = []
    per_paper: dict[str, int] = {}
    for candidate in ranked:
        claim = candidate.claim
        if not worth_checking(claim):
            continue
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
