"""Verified claims -> the answer to the question: an opening sentence that answers it (or says
that the sources do not), then themes of claims, each a paragraph with a bold lead-in, every
sentence citing claim ids ([C3], [C3, C5]) and naming the papers. Extractive and template-based:
deterministic, offline, no statement beyond the table.

Rules (Cn is row n of the claims table; rows come best-first for the question):
- the opening sentence states the first claim a paper's text supports, or says plainly that
  the papers do not establish an answer, naming the closest claim and why it stands unchecked;
- a claim its own paper supports (✓), or another paper supports, is stated as that paper's
  finding ("According to 2408.10536, …"), with the *other* papers that support or contradict
  it named in the same sentence;
- a claim another paper contradicts is stated with that conflict; a claim its *own* paper
  "contradicts" (×) is not prose: a paper rarely contradicts itself, so it is listed for
  review as a likely verifier error;
- claims nothing supports or contradicts are not stated: one closing sentence names them.
Themes: claims are grouped greedily by the cosine of their vectors (CLUSTER_COSINE); a theme's
lead-in is a key phrase of its claims (`key_phrase`), verbatim from one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from synth.core.ids import display_id
from synth.core.types import (
    OWN_PAPER_CONFLICT,
    AnswerParagraph,
    Label,
    Mark,
    SourceCheck,
    Verdict,
)

CLUSTER_COSINE = 0.86
MAX_PHRASE_WORDS = 3
short_id = display_id

# Words that end a key phrase: function words, verbs and adverbs of claim sentences, and the
# generic nouns every claim has. A phrase is a run of the other words.
_BREAK = set(
    """a an the and or but nor for with without within from into onto than then that this these
    those such both each either neither more most less least other some any all very over under
    between across among using used based via per of in on at to by as is are was were be been
    being has have had do does did can could may might will would shall should must not no also
    only further its it their they them there here which while where when what who whom whose how
    why our we us i you he she his her one two three first second new same different various
    several many much few about against during before after above below up down out off again
    show shows showed shown demonstrate demonstrates demonstrated indicate indicates indicated
    reveal reveals revealed suggest suggests suggested report reports reported find finds found
    observe observes observed propose proposes proposed present presents presented introduce
    introduces introduced achieve achieves achieved improve improves improved reduce reduces
    reduced increase increases increased decrease decreases decreased outperform outperforms
    outperformed bring brings brought give gives gave make makes made use uses allow allows
    enable enables enabled fail fails failed define defines suffer suffers remain remains lead
    leads provide provides provided obtain obtains obtained yield yields perform performs
    performed train trains trained generate generates generated compare compares compared
    consist consists include includes including call called known able
    result results paper papers work works study studies approach approaches method methods
    model models authors author experiment experiments experimental empirical analysis effect
    effects performance data case cases way ways setting settings task tasks state art""".split()
)
_TOKEN = re.compile(r"[^\W\d_][\w\-]*(?:'s)?|\d[\w.\-%]*|[^\w\s]", re.UNICODE)


def themes(vectors: np.ndarray, threshold: float = CLUSTER_COSINE) -> list[list[int]]:
    """Row indices grouped greedily: each row joins the first theme whose mean vector it is
    close to, else starts a new one. Rows keep their order inside a theme."""
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        scores = [float(vector @ c / (np.linalg.norm(c) or 1.0)) for c in centroids]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= threshold:
            groups[best].append(i)
            centroids[best] = centroids[best] + vector
        else:
            groups.append([i])
            centroids.append(np.array(vector, dtype=float))
    return groups


def _is_word(token: str) -> bool:
    return token[:1].isalpha() and token.lower() not in _BREAK and not token.endswith("'s")


def phrases(text: str) -> list[str]:
    """Candidate key phrases of a text: runs of up to MAX_PHRASE_WORDS content words (no
    function word, verb, adverb, number or punctuation inside), verbatim, each run's sub-runs
    included."""
    words: list[list[str]] = [[]]
    for token in _TOKEN.findall(text):
        if _is_word(token) and not token.lower().endswith("ly"):
            words[-1].append(token)
        elif words[-1]:
            words.append([])
    out: list[str] = []
    for run in words:
        for n in range(min(len(run), MAX_PHRASE_WORDS), 0, -1):
            for i in range(len(run) - n + 1):
                phrase = " ".join(run[i : i + n])
                if len(phrase) >= 4 and phrase not in out:
                    out.append(phrase)
    return out


def key_phrase(texts: Sequence[str], others: Sequence[str] = ()) -> str:
    """The phrase that best names a theme: found in as many of its claims as possible, long
    rather than short, rare in the other themes' claims; verbatim from a claim (first letter
    capitalised). "" when no claim has a content word."""
    lowered = [t.lower() for t in texts]
    elsewhere = [t.lower() for t in others]
    best, best_score = "", 0.0
    for text in texts:
        for phrase in phrases(text):
            key = phrase.lower()
            here = sum(_contains(t, key) for t in lowered)
            there = sum(_contains(t, key) for t in elsewhere)
            n = len(phrase.split())
            named = any(c.isupper() for c in phrase[1:])  # an acronym or a name: specific
            score = here * (1 + 0.5 * (n - 1)) - 0.5 * there + 0.2 * named
            if score > best_score:
                best, best_score = phrase, score
    return best[:1].upper() + best[1:]


def _contains(text: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def lead_in(texts: Sequence[str], others: Sequence[str] = ()) -> str:
    """The theme's bold lead-in: its key phrase, else a plain title."""
    return key_phrase(texts, others) or "Other findings"


def _cite(rows: Sequence[int]) -> str:
    return "[" + ", ".join(f"C{r + 1}" for r in rows) + "]"


def _names(ids: Sequence[str]) -> str:
    ids = [display_id(i) for i in ids]
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _statement(text: str) -> str:
    """A claim as a clause inside a sentence: no final period, first letter lowered unless it
    starts an acronym, a name with capitals inside, or a paper id."""
    clause = text.strip().rstrip(" .;:,")
    first = clause.split(" ", 1)[0]
    if first[1:2].islower() and not any(ch.isupper() for ch in first[1:]):
        clause = clause[:1].lower() + clause[1:]
    return clause


def _texts_of(ids: Sequence[str], verb: str) -> str:
    """ "2305.05295's text supports" / "the texts of A and B support"."""
    if len(ids) == 1:
        return f"{display_id(ids[0])}'s text {verb}s"
    return f"the texts of {_names(ids)} {verb}"


def _others(checks: Sequence[SourceCheck], label: Label) -> list[str]:
    return [c.paper_id for c in checks if not c.own and c.verdict.label is label]


def _according_to(own: str, text: str) -> str:
    """ "According to A, <claim>" — or the claim itself when it already names its paper."""
    clause = _statement(text)
    if clause.startswith(own):  # an id keeps its own case ("pdf:…")
        return clause
    if clause.startswith(f"the authors of {own}"):
        return clause[:1].upper() + clause[1:]
    return f"According to {own}, {clause}"


def stated(verdict: Verdict, checks: Sequence[SourceCheck]) -> bool:
    """Whether the Answer states this claim: some paper's text supports it, or another paper's
    contradicts it (never its own paper's × alone: that goes to review)."""
    return (
        verdict.label is Label.SUPPORTED
        or bool(_others(checks, Label.SUPPORTED))
        or bool(_others(checks, Label.CONTRADICTED))
    )


def claim_sentence(row: int, verdict: Verdict, checks: Sequence[SourceCheck]) -> str | None:
    """The sentence stating one claim with what the other papers say of it; None when the
    Answer does not state it (`stated`)."""
    if not stated(verdict, checks):
        return None
    own = display_id(verdict.claim.paper_id or "") or "its source"
    supporters = _others(checks, Label.SUPPORTED)
    against = _others(checks, Label.CONTRADICTED)
    parts = []
    if supporters:
        also = " too" if verdict.label is Label.SUPPORTED else ""
        parts.append(f"{_texts_of(supporters, 'support')} this{also}")
    if against:
        parts.append(f"{_texts_of(against, 'contradict')} it")
    tail = ("; " + ", while ".join(parts)) if parts else ""
    return f"{_according_to(own, verdict.claim.text)}{tail} {_cite([row])}."


def answering_row(verdicts: Sequence[Verdict], checks: Sequence[Sequence[SourceCheck]]) -> int:
    """The best-ranked claim some paper's text supports, or -1."""
    for row, (verdict, row_checks) in enumerate(zip(verdicts, checks, strict=True)):
        if verdict.label is Label.SUPPORTED or _others(row_checks, Label.SUPPORTED):
            return row
    return -1


def opening(verdicts: Sequence[Verdict], checks: Sequence[Sequence[SourceCheck]]) -> str:
    """One sentence that answers the question from the best-ranked supported claim, or says
    that the papers do not establish an answer and why the closest claim stands unchecked."""
    row = answering_row(verdicts, checks)
    if row >= 0:
        verdict = verdicts[row]
        who = [verdict.claim.paper_id or ""] if verdict.label is Label.SUPPORTED else []
        who += [p for p in _others(checks[row], Label.SUPPORTED) if p not in who]
        clause = _statement(verdict.claim.text)
        return f"In short, {_texts_of(who, 'support')} that {clause} {_cite([row])}."
    if not verdicts:
        return "The selected papers yielded no claim to check, so they do not answer the question."
    first = verdicts[0]
    own = display_id(first.claim.paper_id or "") or "its source"
    clause = _statement(first.claim.text)
    if first.mark is Mark.NOT_CHECKED:
        why = (
            f"only the abstract of {own} was available, and an abstract cannot check its own claims"
        )
    elif first.label is Label.CONTRADICTED or (first.reason or "").startswith(OWN_PAPER_CONFLICT):
        why = f"its × against {own}, the paper it came from, more likely marks a verifier error"
    else:
        why = "no selected paper's text supports or contradicts it"
    return (
        "The selected papers do not establish an answer: the closest claim, that "
        f"{clause} ({own}), stands unchecked because {why} {_cite([0])}."
    )


def compose_answer(
    verdicts: Sequence[Verdict],
    checks: Sequence[Sequence[SourceCheck]],
    vectors: np.ndarray,
) -> tuple[AnswerParagraph, ...]:
    """The opening sentence, paragraphs by theme, then the claims for review (their own paper
    marked them ×) and those no paper settles. Paragraphs without a lead-in are plain."""
    paragraphs = [AnswerParagraph("", (opening(verdicts, checks),))]
    opened = answering_row(verdicts, checks)  # stated by the opening, not again in its theme
    groups = themes(vectors) if len(verdicts) else []
    review = [
        r
        for r, v in enumerate(verdicts)
        if v.label is Label.CONTRADICTED or (v.reason or "").startswith(OWN_PAPER_CONFLICT)
    ]
    unsettled: list[int] = []
    texts = [v.claim.text for v in verdicts]
    for group in groups:
        sentences, rows = [], []
        for row in group:
            sentence = claim_sentence(row, verdicts[row], checks[row])
            if sentence is None:
                unsettled += [] if row in review else [row]
            elif row != opened or _others(checks[row], Label.CONTRADICTED):
                sentences.append(sentence)
                rows.append(row)
        if sentences:
            others = [t for i, t in enumerate(texts) if i not in group]
            lead = lead_in([texts[r] for r in rows], others)
            paragraphs.append(AnswerParagraph(lead, tuple(sentences)))
    if review:
        papers = _names(sorted({verdicts[r].claim.paper_id or "" for r in review} - {""}))
        one = len(review) == 1
        paragraphs.append(
            AnswerParagraph(
                "",
                (
                    f"For review: the verifier found {'this claim' if one else 'these claims'} "
                    f"contradicted by {'its' if one else 'their'} own paper ({papers}); a "
                    "paper rarely contradicts itself, so synth marks "
                    f"{'it' if one else 'them'} ? rather than ×, and the quoted evidence shows "
                    f"what the verifier read {_cite(review)}.",
                ),
            )
        )
    if unsettled:
        unsettled.sort()
        papers = sorted({verdicts[r].claim.paper_id or "" for r in unsettled} - {""})
        whose = f" (from {_names(papers)})" if papers else ""
        one = len(unsettled) == 1
        paragraphs.append(
            AnswerParagraph(
                "",
                (
                    f"No selected paper's text supports or contradicts "
                    f"{'this claim' if one else 'these claims'}{whose}, so "
                    f"{'it is' if one else 'they are'} not stated as "
                    f"{'a finding' if one else 'findings'} {_cite(unsettled)}.",
                ),
            )
        )
    return tuple(paragraphs)
