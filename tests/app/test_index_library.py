"""`synth index` embeds a library ahead of its questions: afterwards a question's papers and
passages cost the encoder nothing, and an interrupted index loses none of its finished work."""

from __future__ import annotations

import pytest

from synth.app.library import add_pdf, index_papers, library_papers
from synth.app.report import passage_index
from synth.retrieve.select import paper_text

PAGES = [
    ["Widgets reduce latency by 40 percent on every benchmark we ran."],
    ["Gadgets, by contrast, leave latency unchanged in our experiments."],
]


def test_after_indexing_a_question_embeds_no_paper_and_no_passage(fake_context, make_pdf):
    ctx = fake_context(["widget", "gadget"])
    paper = add_pdf(ctx, make_pdf(PAGES, title="Widgets"))
    outcome = index_papers(ctx)

    papers = library_papers(ctx)
    assert outcome.papers == len(papers)
    assert outcome.passages == len(ctx.library.passages([p.id for p in papers]))
    assert outcome.embedded > 0
    encoded = list(ctx.encoder.embedder.encoded)

    passage_index(ctx.library, ctx.encoder, [p.id for p in papers])
    ctx.encoder.passages([paper_text(p) for p in papers])
    assert ctx.encoder.embedder.encoded == encoded, "everything came from the cache"
    assert index_papers(ctx).embedded == 0, "a second index has nothing to do"
    assert paper.id in {p.id for p in papers}


def test_indexing_named_sources_embeds_only_those(fake_context, make_pdf):
    ctx = fake_context(["widget"])
    pdf = make_pdf(PAGES, title="Widgets")
    outcome = index_papers(ctx, [str(pdf)])
    assert outcome.papers == 1
    # one vector per passage and one for the paper itself (title and abstract)
    assert outcome.embedded == outcome.passages + 1


class Interrupted(Exception):
    pass


def test_an_interrupted_index_keeps_every_finished_chunk(fake_context, make_pdf):
    # retrieve.batch_size 1: four texts per cached chunk
    ctx = fake_context(["widget"], **{"retrieve.batch_size": 1})
    add_pdf(ctx, make_pdf(PAGES, title="Widgets"))
    embedder = ctx.encoder.embedder
    real, calls = embedder.encode, []

    def fails_on_the_third_chunk(texts):
        calls.append(len(texts))
        if len(calls) == 3:
            raise Interrupted
        return real(texts)

    embedder.encode = fails_on_the_third_chunk
    with pytest.raises(Interrupted):
        index_papers(ctx)
    kept = ctx.encoder.cache.count()
    assert kept == sum(calls[:2]), "the two finished chunks are stored"

    embedder.encode = real
    resumed = index_papers(ctx)
    assert resumed.embedded == ctx.encoder.cache.count() - kept, "nothing is embedded twice"
