"""`synth check`: verify one claim against given sources."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from synth.cli import app


@app.command()
def check(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="The claim, in quotes.")],
    source: Annotated[
        list[str],
        typer.Option(
            "--source", "-s", help="arXiv id or PDF file to check against; repeat for several."
        ),
    ],
    verifier: Annotated[
        str | None, typer.Option(help="similarity, default, or a trained verifier directory.")
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="label, confidence, probabilities, evidence as JSON.")
    ] = False,
) -> None:
    """Verify one claim against the given arXiv papers or PDF files: prints the verdict, its
    confidence and the verbatim sentences (paper, page, character offsets) that decided it.

    Example: synth check "Hybrid batch training reduces language bias." --source 2408.10536
    """
    from synth import pipeline

    g = ctx.obj
    settings = g.settings(**{"verify.model": verifier})
    verdict = pipeline.check_claim(claim, source, settings, progress=g.progress())
    evidence = [
        {
            "paper_id": e.paper_id,
            "page_index": e.page_index,
            "start": e.start,
            "end": e.end,
            "quote": e.quote,
            "score": e.score,
            "location": e.location,
        }
        for e in verdict.evidence
    ]
    if json_:
        typer.echo(
            json.dumps(
                {
                    "claim": verdict.claim.text,
                    "label": verdict.label.value,
                    "confidence": verdict.confidence,
                    "probabilities": verdict.probabilities or None,
                    "reason": verdict.reason,
                    "method": verdict.method,
                    "evidence": evidence,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo(
        f"{verdict.label.mark} {verdict.label.value}  confidence {verdict.confidence:.2f}"
        f"  ({verdict.method})"
    )
    if verdict.reason:
        typer.echo(f"reason: {verdict.reason}")
    for e in evidence:
        typer.echo(f"  “{e['quote']}”\n    — {e['paper_id']}, {e['location']}")
