"""`synth fetch`, `synth add`, `synth index`, `synth list`: the paper library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app, print_error
from synth.core.errors import BatchFailed, SynthError


@app.command()
def fetch(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="arXiv ids or abs/pdf URLs.")],
) -> None:
    """Download arXiv papers (metadata + PDF) into the library; cached ids cost nothing.

    Each id succeeds or fails on its own; the exit code is 1 if any failed.

    Example: synth fetch 2408.10536 2212.11790v1
    """
    from synth.app.library import fetch_papers

    outcomes = fetch_papers(ctx.obj.context(), ids)
    failed = 0
    for outcome in outcomes:
        if outcome.paper:
            note = " (cached)" if outcome.cached else ""
            typer.echo(f"{outcome.paper.id}\t{outcome.paper.title}{note}")
        else:
            failed += 1
            print_error(f"{outcome.requested}: {outcome.error.message}", outcome.error.hint)
    if failed:
        raise BatchFailed(f"{failed} of {len(outcomes)} ids could not be fetched")


@app.command()
def add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="PDF files.")],
    arxiv_id: Annotated[
        str | None, typer.Option("--arxiv-id", help="Make this PDF the source for this arXiv id.")
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="Title, if the PDF's metadata lacks it.")
    ] = None,
    index_: Annotated[
        bool, typer.Option("--index", help="Embed the added papers now (see `synth index`).")
    ] = False,
) -> None:
    """Add local PDF files to the library (parsed once; re-adding is free).

    Bad files are reported one by one and the others are still added.

    Example: synth add paper.pdf --arxiv-id 2408.10536
    """
    from synth.app.library import add_pdf, index_papers

    if arxiv_id and len(files) != 1:
        raise SynthError("--arxiv-id names one paper, so give exactly one PDF")
    app_ctx = ctx.obj.context()
    library = app_ctx.library
    failed, added = 0, []
    for path in files:
        try:
            paper = add_pdf(app_ctx, path, arxiv_id_=arxiv_id, title=title)
        except SynthError as exc:
            failed += 1
            print_error(exc.message, exc.hint)
            continue
        added.append(str(path))
        skipped = library.failed_pages(paper.id)
        note = f" ({len(skipped)} unreadable pages skipped: {skipped})" if skipped else ""
        typer.echo(f"{paper.id}\t{paper.title}{note}")
    if index_ and added:
        _echo_index(index_papers(app_ctx, added))
    if failed:
        raise BatchFailed(f"{failed} of {len(files)} files could not be added")


@app.command()
def index(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="arXiv ids or PDF files; default: every paper in the library."),
    ] = None,
) -> None:
    """Embed papers' passages now, so that a question later embeds only itself.

    A question otherwise embeds the passages of the papers it selects the first time it meets
    them (seconds per paper on a laptop). Interrupted, it keeps what it embedded; run it
    again to go on. Papers already embedded cost nothing.

    Example: synth index   (after synth add papers/*.pdf)
    """
    from synth.app.library import index_papers

    _echo_index(index_papers(ctx.obj.context(), sources or ()))


def _echo_index(outcome) -> None:
    typer.echo(
        f"{outcome.papers:,} papers, {outcome.passages:,} passages: "
        f"{outcome.embedded:,} texts embedded now, the rest were already"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List the papers in the library.

    Example: synth list --json
    """
    library = ctx.obj.context().library
    for paper in library.papers():
        if json_:
            typer.echo(
                json.dumps(
                    {
                        "id": paper.id,
                        "title": paper.title,
                        "year": paper.year,
                        "source": paper.source.value,
                        "full_text": paper.has_full_text,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            kind = "full text" if paper.has_full_text else "abstract"
            typer.echo(f"{paper.id}\t{paper.source.value}\t{kind}\t{paper.title}")
