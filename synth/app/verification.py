"""The one verification service: claims against sources, through the verdict store.

`synth report`, `synth check` and `synth verify` all verify here, with one recipe for the
stored verdict's key and one path from sources to candidates to verdicts (`claim_candidates`
then the verifier, whose claim decision is `verify.decision`). `synth eval claims` measures
exactly this path (`claim_candidates` + `verify_batched`).

A claim extracted from a paper and checked against that same paper is the paper's own
statement: its abstract minus that sentence is no evidence either way. So against its own
paper a claim is checked only where the paper has more than an abstract: against the body
(results, experiments and conclusions first), never its abstract or a restatement of itself;
with the abstract alone the verdict is "not checked" (–), and the report says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace

from synth.core.console import NullProgress, Progress
from synth.core.ids import PaperId
from synth.core.types import (
    OWN_PAPER_CONFLICT,
    Claim,
    Evidence,
    Hit,
    Label,
    Paper,
    Passage,
    Verdict,
)
from synth.extract.evidence import candidate_spans
from synth.retrieve.embed import CachedEncoder
from synth.retrieve.index import PassageIndex
from synth.store.verdicts import VerdictStore, verdict_key
from synth.verify.verifier import Verifier

CLAIMS_PER_PASS = 4  # claims whose candidates share one batched verifier pass
ONLY_ABSTRACT = "only the abstract is available: a paper's abstract cannot check its own claims"
NO_BODY = "its own paper has no text beyond the passage it came from"
_RESULTS = re.compile(r"result|experiment|evaluat|discussion|conclu|finding|analys|ablation", re.I)
_ABSTRACT = re.compile(r"^\s*abstract\b", re.I)


def index_passages(
    encoder: CachedEncoder, passages: Sequence[Passage], progress: Progress = NullProgress()
) -> PassageIndex:
    """These passages, embedded (through the cache) and indexed."""
    return PassageIndex(passages, encoder.passages([p.text for p in passages], progress))


def claim_candidates(
    claims: Sequence[Claim],
    index: PassageIndex,
    encoder: CachedEncoder,
    top_k: int,
    is_paragraph: dict[str, bool],
    *,
    windows: bool = False,
    own_paper: bool = False,
) -> list[tuple[Claim, list[Evidence]]]:
    """Each claim with its candidate evidence: the sentences (with `windows`, also pairs of
    adjacent sentences and the best passage) of its top-k passages in `index`, never its own
    sentence. With `own_paper` (the index holds the claim's own paper's body) results
    sections come first and no restatement of the claim is a candidate."""
    if not claims:
        return []
    vectors = encoder.queries([c.text for c in claims])
    out = []
    for claim, vector in zip(claims, vectors, strict=True):
        hits = index.search(vector, top_k)
        if own_paper:
            hits = _results_first(hits)
        spans = candidate_spans(
            claim, hits, is_paragraph, windows=windows, skip_near_copies=own_paper
        )
        out.append((claim, spans))
    return out


def verify_batched(
    verifier: Verifier,
    items: Sequence[tuple[Claim, Sequence[Evidence]]],
    progress: Progress = NullProgress(),
) -> list[Verdict]:
    """The verifier over (claim, candidates) items, a few claims per batched pass."""
    groups = [items[i : i + CLAIMS_PER_PASS] for i in range(0, len(items), CLAIMS_PER_PASS)]
    verdicts: list[Verdict] = []
    for group in progress.track(groups, "verifying claims", total=len(groups)):
        verdicts.extend(verifier.verify_many(group))
    return verdicts


def _results_first(hits: Sequence[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: not _RESULTS.search(h.passage.section or ""))


def not_checked(claim: Claim, method: str, why: str) -> Verdict:
    return Verdict(claim, Label.NOT_ENOUGH_INFO, 0.0, (), method, not_checked=why)


class Verification:
    """Verifies claims against papers for one command, through the library's verdict store
    (a stored verdict is reused without loading a model). Built from the Context."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.store = VerdictStore(ctx.library.conn)
        self._indexes: dict[tuple, PassageIndex] = {}

    # keys ----------------------------------------------------------------------------------
    def key(self, claim: Claim, papers: Sequence[Paper], *, own: bool = False) -> str:
        """The stored verdict's key: the claim, the checked papers' contents, the models and
        settings, and for a claim checked against its own paper where in it the claim is."""
        library = self.ctx.library
        sources = [(p.id, library.content_hash(p.id) or "") for p in papers]
        origin = [claim.paper_id, claim.page_index, claim.start] if own else None
        return verdict_key(claim.text, sources, json.dumps([self.ctx.verdict_models_key, origin]))

    # verifying -----------------------------------------------------------------------------
    def against(
        self,
        claims: Sequence[Claim],
        papers: Sequence[Paper],
        *,
        own: bool = False,
        passages: Sequence[Passage] | None = None,
        store: bool = True,
    ) -> list[tuple[Verdict, bool]]:
        """Each claim against these papers together: (verdict, came from the store).

        `own`: the papers are the claims' own (one paper), checked as the module docstring
        says. `passages`: search only these (`synth check` bounds what it embeds); `store`
        False verifies without reading or writing stored verdicts."""
        keys = [self.key(c, papers, own=own) for c in claims]
        found = [self.store.get(k) if store else None for k in keys]
        pending = [i for i, v in enumerate(found) if v is None]
        if pending:
            fresh = self._verify([claims[i] for i in pending], papers, own, passages)
            for i, verdict in zip(pending, fresh, strict=True):
                if store:
                    self.store.put(keys[i], verdict)
                found[i] = verdict
        if own:
            found = [_against_own_paper(v) for v in found]
        return [
            (replace(v, claim=c), i not in pending)
            for i, (c, v) in enumerate(zip(claims, found, strict=True))
        ]

    def _verify(
        self,
        claims: Sequence[Claim],
        papers: Sequence[Paper],
        own: bool,
        passages: Sequence[Passage] | None,
    ) -> list[Verdict]:
        ctx, verify = self.ctx, self.ctx.settings.verify
        if own and not any(p.has_full_text for p in papers):
            method = ctx.verifier_spec.method
            return [not_checked(c, method, ONLY_ABSTRACT) for c in claims]
        index = self._index(tuple(p.id for p in papers), own, passages)
        if not len(index):
            method = ctx.verifier_spec.method
            return [not_checked(c, method, NO_BODY) for c in claims]
        pids = {p.paper_id for p in index.passages}
        is_paragraph = {pid: not _has_pdf_pages(ctx.library, pid) for pid in pids}
        items = claim_candidates(
            claims,
            index,
            ctx.encoder,
            verify.top_k,
            is_paragraph,
            windows=verify.windows,
            own_paper=own,
        )
        return verify_batched(ctx.verifier, items)

    def _index(
        self, pids: tuple[PaperId, ...], own: bool, passages: Sequence[Passage] | None
    ) -> PassageIndex:
        if passages is not None:
            return index_passages(self.ctx.encoder, passages, self.ctx.progress)
        key = (tuple(sorted(pids)), own)
        if key not in self._indexes:
            chosen = self.ctx.library.passages(list(pids))
            if own:  # the body: no abstract checks its own sentences
                chosen = [p for p in chosen if not _front_matter(p)]
            self._indexes[key] = index_passages(self.ctx.encoder, chosen)
        return self._indexes[key]


def _against_own_paper(verdict: Verdict) -> Verdict:
    """A × against the claim's own paper becomes ? with the conflict as its reason (its
    quotes kept, for review): a paper rarely contradicts its own claim, so the × is far more
    often the verifier's error, and a wrong × costs more than an honest ?. Applied to fresh
    and stored verdicts alike."""
    if verdict.label is not Label.CONTRADICTED:
        return verdict
    why = (
        "the verifier found its own paper contradicting it, more likely its error than the paper's"
    )
    reason = f"{OWN_PAPER_CONFLICT}: {why}" + (f" ({verdict.reason})" if verdict.reason else "")
    return replace(verdict, label=Label.NOT_ENOUGH_INFO, reason=reason)


def _front_matter(passage: Passage) -> bool:
    """The abstract, or what precedes the first section of the first page (title, authors,
    an abstract whose heading was not found)."""
    if _ABSTRACT.match(passage.section or ""):
        return True
    return passage.page_index == 0 and not passage.section


def _has_pdf_pages(library, pid: PaperId) -> bool:
    pages = library.pages(pid)
    return bool(pages) and not pages[0].is_paragraph
