"""`synth fetch`, `synth add`, `synth list`: the paper library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app
from synth.core.errors import SynthError


class BatchFailed(SynthError):
    """Some items of a batch failed (each was reported already)."""


@app.command()
def fetch(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="arXiv ids or abs/pdf URLs.")],
) -> None:
    """Download arXiv papers (metadata + PDF) into the library; cached ids cost nothing.

    Each id succeeds or fails on its own; the exit code is 1 if any failed.

    Example: synth fetch 2408.10536 2212.11790v1
    """
    from synth import pipeline

    g = ctx.obj
    settings = g.settings()
    library = pipeline.open_library(settings)
    outcomes = pipeline.fetch_papers(library, ids, settings, progress=g.progress())
    failed = 0
    for outcome in outcomes:
        if outcome.paper:
            note = " (cached)" if outcome.cached else ""
            typer.echo(f"{outcome.paper.id}\t{outcome.paper.title}{note}")
        else:
            failed += 1
            err = outcome.error
            typer.secho(f"error: {outcome.requested}: {err.message}", err=True, fg="red")
            if err.hint:
                typer.secho(f"hint: {err.hint}", err=True, fg="red")
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
) -> None:
    """Add local PDF files to the library (parsed once; re-adding is free).

    Bad files are reported one by one and the others are still added.

    Example: synth add paper.pdf --arxiv-id 2408.10536
    """
    from synth import pipeline

    if arxiv_id and len(files) != 1:
        raise SynthError("--arxiv-id names one paper, so give exactly one PDF")
    settings = ctx.obj.settings()
    library = pipeline.open_library(settings)
    failed = 0
    for path in files:
        try:
            paper = pipeline.add_pdf(library, path, settings.parse, arxiv_id_=arxiv_id, title=title)
        except SynthError as exc:
            failed += 1
            typer.secho(f"error: {exc.message}", err=True, fg="red")
            if exc.hint:
                typer.secho(f"hint: {exc.hint}", err=True, fg="red")
            continue
        skipped = library.failed_pages(paper.id)
        note = f" ({len(skipped)} unreadable pages skipped: {skipped})" if skipped else ""
        typer.echo(f"{paper.id}\t{paper.title}{note}")
    if failed:
        raise BatchFailed(f"{failed} of {len(files)} files could not be added")


@app.command("list")
def list_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List the papers in the library.

    Example: synth list --json
    """
    from synth import pipeline

    library = pipeline.open_library(ctx.obj.settings())
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
