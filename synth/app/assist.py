"""What the optional LLM does in a report (`--llm-url`): the Answer always; with `llm.extract`
the claims; with `llm.second_opinion` a verdict beside synth's own on each claim.

Every output is cached in the library by model, endpoint, prompt hash and input (a rerun asks
nothing), guarded (citations must exist; extracted claims must map to a sentence given and add
no number or name to it), and optional: an endpoint that fails leaves synth's own result and a
sentence in the Methodology saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from synth.app.context import Context
from synth.core.errors import ModelError
from synth.core.ids import display_id
from synth.core.paths import resource_dir
from synth.core.types import (
    AnswerParagraph,
    Claim,
    Label,
    Page,
    Paper,
    Passage,
    SecondOpinion,
    SourceCheck,
    Verdict,
)
from synth.extract import claims as claim_rules
from synth.parse.sentences import sentence_spans
from synth.synthesize import llm

log = logging.getLogger(__name__)

MAX_SENTENCES = 40  # per paper, shown to the model for extraction
MAX_QUOTES = 6  # per claim, shown to the model for a second opinion


@dataclass(frozen=True, slots=True)
class Asked:
    reply: str | None  # None: the endpoint failed (see error)
    prompt_hash: str
    error: str = ""


def _ask(ctx: Context, template: str, what: str, **values) -> Asked:
    client = ctx.llm
    prompt, prompt_hash = llm.render_template(resource_dir("prompts"), template, **values)
    key = llm.cache_key(client.model, client.url, prompt_hash, prompt)
    reply = ctx.library.get_meta(key)
    if reply is None:
        ctx.progress.status(f"asking {client.model} at {client.url} for {what}")
        try:
            reply = client.complete(prompt)
        except ModelError as exc:
            log.warning("%s: %s is synth's own", exc.message, what)
            return Asked(None, prompt_hash, exc.message)
        ctx.library.set_meta(key, reply)
    return Asked(reply, prompt_hash)


def _who(ctx: Context, template: str, prompt_hash: str) -> str:
    client = ctx.llm
    return f"the model {client.model} at {client.url} (prompt {template} {prompt_hash})"


def llm_answer(
    ctx: Context,
    question: str,
    verdicts: Sequence[Verdict],
    checks: Sequence[Sequence[SourceCheck]],
    fallback: Sequence[AnswerParagraph],
) -> tuple[tuple[AnswerParagraph, ...], str]:
    """The Answer written by the LLM from the claims table only, and the Methodology's
    sentence on it. If the endpoint fails or no sentence survives the citation guard, the
    extractive answer stays."""
    table = llm.claims_table(verdicts, checks)
    asked = _ask(ctx, llm.ANSWER_PROMPT, "the answer", question=question, claims=table)
    who = _who(ctx, llm.ANSWER_PROMPT, asked.prompt_hash)
    if asked.reply is None:
        return tuple(
            fallback
        ), f"The Answer is synth's extractive one: {who} failed ({asked.error})."
    paragraphs, dropped = llm.guarded_paragraphs(asked.reply, len(verdicts))
    if not paragraphs:
        note = (
            f"The Answer is synth's extractive one: {who} returned no sentence citing an "
            f"existing claim ({dropped} dropped)."
        )
        return tuple(fallback), note
    note = (
        f"The Answer was written by {who} from the claims table alone; every kept sentence "
        f"cites existing claims, and {dropped} sentence{'' if dropped == 1 else 's'} citing none "
        "or an unknown claim id were dropped."
    )
    return paragraphs, note


def llm_claims(
    ctx: Context,
    question: str,
    papers: Sequence[Paper],
    pages: Sequence[Page],
    passages: Sequence[Passage],
    max_claims: int,
) -> tuple[list[claim_rules.Candidate], str]:
    """Claims extracted by the LLM from the sentences of the passages closest to the question,
    in paper order, and the
    Methodology's sentence. A paper whose request fails gives no LLM claims."""
    by_page = {(p.paper_id, p.index): p for p in pages}
    found: list[claim_rules.Candidate] = []
    proposed = dropped = failed = 0
    prompt_hash = ""
    for paper in papers:
        sentences: dict[str, tuple[Page, int, int]] = {}
        shown = []
        for passage in passages:
            page = by_page.get((passage.paper_id, passage.page_index))
            if passage.paper_id != paper.id or page is None:
                continue
            start, end = passage.start, passage.end
            for s, e in sentence_spans(page.text[start:end]):
                if len(sentences) == MAX_SENTENCES:
                    break
                sid = f"S{len(sentences) + 1}"
                sentences[sid] = (page, start + s, start + e)
                section = page.section_at(start + s) or ""
                text = " ".join(page.text[start + s : start + e].split())
                shown.append({"id": sid, "section": section, "text": text})
        if not sentences:
            continue
        label = display_id(paper.id)
        asked = _ask(
            ctx,
            llm.EXTRACT_PROMPT,
            f"the claims of {label}",
            paper={"title": paper.title, "id": label, "label": label},
            question=question,
            sentences=shown,
            max_claims=max_claims,
        )
        prompt_hash = asked.prompt_hash
        if asked.reply is None:
            failed += 1
            continue
        texts = {row["id"]: row["text"] for row in shown}
        kept, lost = llm.parse_extracted(asked.reply, texts)
        proposed += len(kept) + lost
        dropped += lost
        for item in kept:
            page, start, end = sentences[item.sentence_id]
            claim = Claim(
                id=claim_rules.claim_id(item.text),
                text=item.text,
                paper_id=paper.id,
                page_index=page.index,
                start=start,
                end=end,
                kind=claim_rules.role(item.text),
                section=page.section_at(start) or None,
            )
            found.append(claim_rules.Candidate(claim, 1.0))
    who = _who(ctx, llm.EXTRACT_PROMPT, prompt_hash)
    note = (
        f"Claims were extracted by {who}: {proposed} proposed, {dropped} dropped (a sentence "
        "id not given, or a number or name absent from its sentence)"
        + (f"; {failed} paper{'s' * (failed != 1)} failed and gave none" if failed else "")
        + "."
    )
    return found, note


def second_opinions(
    ctx: Context, verdicts: Sequence[Verdict], checks: Sequence[Sequence[SourceCheck]]
) -> tuple[tuple[SecondOpinion | None, ...], str]:
    """The LLM's verdict on each claim against the quotes synth found for it (its own paper's
    first, then the other papers'), and the Methodology's sentence naming the claims where it
    disagrees with synth. None for a claim without quotes or when the endpoint failed."""
    opinions: list[SecondOpinion | None] = []
    prompt_hash, failed = "", 0
    for verdict, row in zip(verdicts, checks, strict=True):
        quotes = [e for c in sorted(row, key=lambda c: not c.own) for e in c.verdict.evidence]
        if not quotes:
            opinions.append(None)
            continue
        candidates = [
            {"paper_id": display_id(e.paper_id), "location": e.location, "quote": e.quote}
            for e in quotes[:MAX_QUOTES]
        ]
        asked = _ask(
            ctx,
            llm.VERIFY_PROMPT,
            "a second opinion",
            claim=verdict.claim.text,
            candidates=candidates,
        )
        prompt_hash = asked.prompt_hash
        if asked.reply is None:
            failed += 1
            opinions.append(None)
            continue
        opinions.append(llm.parse_opinion(asked.reply, ctx.llm.model))
    given = [(i, o) for i, o in enumerate(opinions) if o is not None and o.label is not None]
    differ = [i for i, o in given if _shown_label(verdicts[i]) is not o.label]
    if not prompt_hash:
        note = "A second opinion was asked for, but no claim had quotes to show the model."
        return tuple(opinions), note
    who = _who(ctx, llm.VERIFY_PROMPT, prompt_hash)
    note = (
        f"A second opinion on each claim with quotes came from {who}, shown in the Evidence "
        f"beside synth's verdict: given on {len(given)} of {len(verdicts)} claims"
        + (f" ({failed} requests failed)" if failed else "")
        + "; it "
        + (
            "disagrees with synth on " + ", ".join(f"C{i + 1}" for i in differ)
            if differ
            else "agrees with synth on every one"
        )
        + ". It is not part of synth's verdicts or counts."
    )
    return tuple(opinions), note


def _shown_label(verdict: Verdict) -> Label:
    return Label.NOT_ENOUGH_INFO if verdict.not_checked else verdict.label
