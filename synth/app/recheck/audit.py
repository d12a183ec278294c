"""Findings about a report itself, beside its claims' verdicts.

- counts the report states about itself that its own table or reference list contradict;
- references that are unavailable, or that decide no claim (no ✓ or × rests on them);
- terms of the research question that no cited source mentions: the question's *named* terms
  (tokens with a capital letter after the first character, a digit, or an `@`: "BEIR",
  "30B", "TyDiQA", "precision@k") are looked up in the sources' own text, compared without
  case, hyphens or spaces ("XQuAD-R" = "XQuAD R" = "xquadr"). A term counts as answered only
  when a source that mentions the question's subject (the longest run of the question's words
  that a source contains verbatim, e.g. "hybrid batch training strategy") also mentions it:
  a benchmark named only by an unrelated paper does not answer a question about another
  method. No list of known terms is used;
- claims that are near-duplicates of each other;
- statements about the report's own process (literature search, reviewers, quality scores)
  that synth cannot confirm, so its re-verified report quotes them instead of repeating them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from synth.core.types import ClaimReport, Finding, Label, Mark, RowCheck, SourceRef

_TOKEN = re.compile(r"[\w@][\w@.\-/+]*[\w@]|[\w@]")
_NAMED = re.compile(r"\d|@|.[A-Z]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_FUNCTION = set(
    "a an the of in on at to for from by with and or but than as into across over under "
    "what how does do is are was were be been when which that this these those to its their "
    "compared extent impact".split()
)
_PROCESS = re.compile(
    r"review|assess|quality score|systematic|databases|yielded|independent", re.IGNORECASE
)


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def question_terms(question: str) -> list[str]:
    """The named terms of a research question, in order, without repeats."""
    terms: dict[str, None] = {}
    for match in _TOKEN.finditer(question):
        token = match.group().strip(".-/")
        # A capital only at the start is grammar ("What", "Does"); one further in is a name.
        if token and _NAMED.search(token):
            terms.setdefault(token, None)
    return list(terms)


def source_vocabulary(text: str) -> set[str]:
    """Normalised tokens of a source, plus adjacent pairs and triples joined (so that
    "XQuAD R" in a source matches "XQuAD-R" in a question)."""
    tokens = [t for t in (_normal(t) for t in re.split(r"[\s\-/]+", text)) if t]
    return {
        "".join(tokens[i : i + width])
        for i in range(len(tokens))
        for width in (1, 2, 3)
        if i + width <= len(tokens)
    }


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def question_subject(question: str, source_texts: Sequence[str]) -> str | None:
    """The longest run of the question's words (two or more, not starting or ending with a
    function word) that some source contains word for word: what the question is about."""
    words = _words(question)
    sources = [" " + " ".join(_words(t)) + " " for t in source_texts]
    for width in range(min(len(words), 8), 1, -1):
        for i in range(len(words) - width + 1):
            span = words[i : i + width]
            if span[0] in _FUNCTION or span[-1] in _FUNCTION:
                continue
            phrase = " " + " ".join(span) + " "
            if any(phrase in source for source in sources):
                return phrase.strip()
    return None


def unanswered_terms(question: str, source_texts: Sequence[str]) -> list[tuple[str, str]]:
    """(term, why) for each named term of the question that the sources leave unanswered: no
    source mentions it, or only sources that do not mention the question's subject do."""
    vocabularies = [source_vocabulary(t) for t in source_texts]
    subject = question_subject(question, source_texts)
    on_subject = [
        v
        for v, t in zip(vocabularies, source_texts, strict=True)
        if subject is None or " " + subject + " " in " " + " ".join(_words(t)) + " "
    ]
    out = []
    for term in question_terms(question):
        key = _normal(term)
        if not any(key in v for v in vocabularies):
            out.append((term, "no cited source mentions it"))
        elif not any(key in v for v in on_subject):
            out.append((term, f'no cited source that addresses "{subject}" mentions it'))
    return out


def count_findings(report: ClaimReport) -> list[Finding]:
    findings = []
    stated = report.counts
    if stated.papers_retrieved is not None and stated.papers_retrieved != len(report.references):
        findings.append(
            Finding(
                "count_mismatch",
                f"the report says it retrieved {stated.papers_retrieved} papers; its reference "
                f"list has {len(report.references)}",
            )
        )
    if stated.claims_extracted is not None and stated.claims_extracted != len(report.rows):
        findings.append(
            Finding(
                "count_mismatch",
                f"the report says it extracted {stated.claims_extracted} claims; its table has "
                f"{len(report.rows)} rows",
            )
        )
    ticks = sum(row.mark == Mark.SUPPORTED for row in report.rows)
    if stated.verified is not None and stated.verified != ticks:
        findings.append(
            Finding(
                "count_mismatch",
                f"the report says it verified {stated.verified} claims; its table marks {ticks} ✓",
            )
        )
    return findings


def reference_findings(references: Sequence[SourceRef], rows: Sequence[RowCheck]) -> list[Finding]:
    deciding = {
        e.paper_id
        for r in rows
        if r.verdict and r.verdict.label is not Label.NOT_ENOUGH_INFO
        for e in r.verdict.evidence
    }
    findings = []
    for ref in references:
        if ref.paper is None:
            findings.append(
                Finding("unavailable_reference", f"{ref.cited} could not be checked: {ref.problem}")
            )
        elif ref.paper.id not in deciding:
            findings.append(
                Finding(
                    "unused_reference",
                    f"{ref.cited} contributes no evidence to any claim (no ✓ or × rests on it)",
                )
            )
    return findings


def question_findings(question: str | None, source_texts: Sequence[str]) -> list[Finding]:
    if not question or not source_texts:
        return []
    n = len(source_texts)
    return [
        Finding(
            "unanswered_question",
            f'the research question names "{term}", but {why} (checked against the text of '
            f"{n} available {'source' if n == 1 else 'sources'}): the report cannot answer "
            "the question as asked",
        )
        for term, why in unanswered_terms(question, source_texts)
    ]


MAX_GROUPS_LISTED = 20  # near-duplicate groups named one by one; the rest are counted
MAX_ROWS_NAMED = 10  # row numbers named per group


def near_duplicate_groups(texts: Sequence[str], threshold: float = 0.6) -> list[list[int]]:
    """Rows grouped with the first earlier row they nearly repeat (token Jaccard >= threshold).

    Linear in practice, never quadratic in memory: only each group's first row is indexed, by
    the rarest tokens of its token set (prefix filtering: two sets with Jaccard >= t share
    one of the first |A| - ceil(t |A|) + 1 tokens in a global order), so 10,000 similar rows
    make one group after 10,000 comparisons, not 50 million.
    """
    token_sets = [_claim_tokens(t) for t in texts]
    frequency: dict[str, int] = {}
    for tokens in token_sets:
        for token in tokens:
            frequency[token] = frequency.get(token, 0) + 1
    index: dict[str, list[int]] = {}  # token -> group numbers whose first row starts with it
    groups: list[list[int]] = []
    for row, tokens in enumerate(token_sets):
        if not tokens:
            continue
        ordered = sorted(tokens, key=lambda t: (frequency[t], t))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        seen: set[int] = set()
        home = None
        for token in prefix:
            for group in index.get(token, ()):
                if group in seen:
                    continue
                seen.add(group)
                first = token_sets[groups[group][0]]
                if len(tokens & first) / len(tokens | first) >= threshold:
                    home = group
                    break
            if home is not None:
                break
        if home is not None:
            groups[home].append(row)
            continue
        groups.append([row])
        for token in prefix:
            index.setdefault(token, []).append(len(groups) - 1)
    return [g for g in groups if len(g) > 1]


def duplicate_findings(texts: Sequence[str]) -> list[Finding]:
    """One finding per group of near-duplicate claims, at most MAX_GROUPS_LISTED named."""
    groups = near_duplicate_groups(texts)
    findings = []
    for group in groups[:MAX_GROUPS_LISTED]:
        named = [str(r + 1) for r in group[:MAX_ROWS_NAMED]]
        more = len(group) - len(named)
        listed = ", ".join(named[:-1]) + f" and {named[-1]}" if not more else ", ".join(named)
        tail = f" and {more} more" if more else ""
        findings.append(
            Finding("near_duplicate_claims", f"claims {listed}{tail} say nearly the same thing")
        )
    if len(groups) > MAX_GROUPS_LISTED:
        rest = len(groups) - MAX_GROUPS_LISTED
        findings.append(
            Finding("near_duplicate_claims", f"{rest} more groups of near-duplicate claims")
        )
    return findings


def _claim_tokens(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in re.findall(r"\w+", text) if len(w) > 2)


def process_statements(report: ClaimReport) -> list[str]:
    """Sentences in which the report describes its own process (search, review, scores)."""
    out = []
    for name in ("2 Methodology", "3 Results"):
        for sentence in _SENTENCE.split(report.sections.get(name, "")):
            sentence = " ".join(sentence.split())
            if sentence and _PROCESS.search(sentence) and sentence not in out:
                out.append(sentence)
    return out
