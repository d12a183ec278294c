"""`synth report`: answer a research question with a verified claims table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app
from synth.render.render import Format


@app.command()
def report(
    ctx: typer.Context,
    question: Annotated[str, typer.Option("--question", "-Q", help="The research question.")],
    arxiv: Annotated[
        list[str] | None,
        typer.Option(
            "--arxiv", help="Use these arXiv papers (fetched if needed) instead of the corpus."
        ),
    ] = None,
    pdf: Annotated[list[Path] | None, typer.Option("--pdf", help="Use these local PDFs.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.MD,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    assets: Annotated[
        Path | None,
        typer.Option(
            "--assets",
            help="With -f html: write the page images into this folder (beside the HTML file) "
            "instead of inline in the file.",
        ),
    ] = None,
    max_papers: Annotated[int | None, typer.Option(help="Most papers to select.")] = None,
    max_claims: Annotated[int | None, typer.Option(help="Most claims to check.")] = None,
    discover: Annotated[
        int,
        typer.Option(
            "--discover", help="Search arXiv for the question and fetch the N best new papers."
        ),
    ] = 0,
    llm_url: Annotated[
        str | None,
        typer.Option(
            "--llm-url",
            help="OpenAI-compatible endpoint that writes the Answer from the verified claims "
            "(optional; e.g. http://127.0.0.1:8080/v1).",
        ),
    ] = None,
    llm_model: Annotated[
        str | None, typer.Option("--llm-model", help="Model name for --llm-url.")
    ] = None,
    llm_extract: Annotated[
        bool | None,
        typer.Option(
            "--llm-extract/--no-llm-extract",
            help="With --llm-url: the model extracts the claims (each tied to a sentence it was "
            "shown, adding no number or name) instead of synth's rules.",
        ),
    ] = None,
    llm_second_opinion: Annotated[
        bool | None,
        typer.Option(
            "--llm-second-opinion/--no-llm-second-opinion",
            help="With --llm-url: the model's own verdict on each claim against synth's quotes, "
            "shown beside synth's (never counted; disagreements named in the Methodology).",
        ),
    ] = None,
    cite_depth: Annotated[
        int | None,
        typer.Option(
            "--cite-depth",
            help="Rounds of citation traversal from the selected papers (default 0: none).",
        ),
    ] = None,
) -> None:
    """Write a report for a research question: papers selected, claims extracted, every claim
    verified with quoted evidence (Markdown, LaTeX or JSON).

    With no --arxiv/--pdf it draws on the whole library (the bundled corpus and every paper
    fetched or added), fully offline; --discover N adds the N best new papers of an arXiv
    search, --cite-depth D follows their references (offline: skipped with one notice).
    --llm-url lets a local OpenAI-compatible model (llama.cpp server, Ollama, vLLM) write the
    Answer from the verified claims; sentences citing no existing claim are dropped. With
    --llm-extract it also extracts the claims, with --llm-second-opinion it gives its own
    verdict on each beside synth's.

    -f html writes one self-contained page: a sortable, filterable claims table and every
    quote from a PDF shown on its page, highlighted (text-only sources show the paragraph).

    Example: synth report --question "Does normalized contrastive learning improve text-video retrieval?" -o report.md
    """
    from synth.app.report import build_report
    from synth.core.console import make_console
    from synth.core.errors import SynthError
    from synth.core.paths import write_atomic
    from synth.render.render import render

    if discover < 0:
        raise typer.BadParameter("use 0 or more", param_hint="--discover")
    app_ctx = ctx.obj.context(
        **{
            "retrieve.max_papers": max_papers,
            "extract.max_claims": max_claims,
            "discover.cite_depth": cite_depth,
            "llm.url": llm_url,
            "llm.model": llm_model,
            "llm.extract": llm_extract,
            "llm.second_opinion": llm_second_opinion,
        }
    )
    sources = [*(arxiv or []), *(str(path) for path in pdf or [])]
    result = build_report(app_ctx, question, sources, discover_n=discover)
    quotes = None
    if fmt is Format.HTML:
        from synth.app.quote_views import quote_views, report_quotes

        folder = (output.parent / assets.name) if (assets and output) else assets
        quotes = quote_views(app_ctx, report_quotes(result), folder)
    text = render(result, fmt, quotes=quotes)
    if output:
        write_atomic(output, text)
        make_console().print(f"wrote {output}", highlight=False)
    else:
        typer.echo(text, nl=False)
    if not result.verdicts:
        raise SynthError(
            "no claims could be extracted from the selected papers",
            hint="try another question, more papers (--max-papers), or --arxiv ids",
        )
