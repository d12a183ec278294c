"""`synth doctor`: what this machine runs and where synth keeps its files."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from synth.cli import app


@app.command()
def doctor(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Show the CPU's capability, the precision and threads models run with, the model ids
    and the cache paths (loads no model).

    Example: synth doctor --json
    """
    from synth import __version__
    from synth.core.paths import Layout
    from synth.core.runtime import describe_cpu
    from synth.recheck import identify_models

    settings = ctx.obj.settings()
    cpu = describe_cpu(settings.retrieve.dtype, settings.retrieve.threads)
    models = identify_models(settings)
    layout = Layout(settings.home)
    facts = {
        "synth": __version__,
        "cpu_capability": cpu.capability,
        "native_bf16": cpu.native_bf16,
        "dtype": cpu.dtype,
        "dtype_setting": cpu.requested,
        "threads": cpu.threads,
        "runtime": "torch",
        "encoder": models.encoder,
        "verifier": models.verifier,
        "home": str(settings.home),
        "library": str(layout.db),
        "models": str(settings.retrieve.model_dir or layout.models),
        "pdfs": str(layout.pdfs),
        "offline": settings.fetch.offline,
    }
    if json_:
        typer.echo(json.dumps(facts, indent=2))
        return
    width = max(map(len, facts))
    for key, value in facts.items():
        typer.echo(f"{key:<{width}}  {value}")
