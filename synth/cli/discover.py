"""`synth search` (arXiv search re-ranked by the retriever) and `synth refs` (a paper's
references and how each was resolved)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from synth.cli import app


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A question or keywords.")],
    limit: Annotated[int, typer.Option(help="Most papers to list.")] = 10,
    raw: Annotated[
        bool, typer.Option("--raw", help="Send QUERY as an arXiv API query (ti:, abs:, all:).")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Search arXiv for papers on a question: queries built from its content words, results
    merged and re-ranked by the retriever on title and abstract. Results are cached in the
    library (see fetch.search_ttl_s), so a rerun makes no request.

    Example: synth search "hybrid batch training language bias multilingual retrieval" --limit 5
    """
    from synth.app.discover import search as run_search

    app_ctx = ctx.obj.context()
    outcome = run_search(app_ctx, query, limit=limit, query=query if raw else None)
    rows = [
        {
            "id": f.paper.id.removeprefix("arxiv:"),
            "year": f.paper.year,
            "title": f.paper.title,
            "score": round(f.score, 4),
            "pdf_url": f.pdf_url,
        }
        for f in outcome.found
    ]
    if json_:
        typer.echo(
            json.dumps(
                {"queries": outcome.queries, "requests": outcome.requests, "results": rows},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['year'] or ''}\t{row['score']:.3f}\t{row['title']}")


@app.command()
def refs(
    ctx: typer.Context,
    paper: Annotated[str, typer.Argument(help="arXiv id (or pdf:… id) of a library paper.")],
    json_: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Show a paper's references and how each was resolved: an arXiv id or arXiv DOI in the
    entry, an exact arXiv title match (online), or unresolved (never guessed).

    Example: synth refs 2212.11808
    """
    from synth.app.discover import references_of

    found, citations = references_of(ctx.obj.context(), paper)
    rows = [
        {
            "position": c.reference.position,
            "resolved": c.resolved.removeprefix("arxiv:") if c.resolved else None,
            "how": c.how,
            "arxiv_id": c.reference.arxiv_id,
            "doi": c.reference.doi,
            "title": c.reference.title,
            "raw": c.reference.raw,
        }
        for c in citations
    ]
    if json_:
        typer.echo(
            json.dumps({"paper": found.id, "references": rows}, ensure_ascii=False, indent=2)
        )
        return
    resolved = sum(r["resolved"] is not None for r in rows)
    typer.echo(f"{found.id}: {len(rows)} references, {resolved} resolved")
    for r in rows:
        target = r["resolved"] or "–"
        typer.echo(f"[{r['position']}]\t{target}\t{r['how']}\t{r['raw'][:100]}")
