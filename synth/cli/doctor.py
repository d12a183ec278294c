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
    and the cache paths (loads no model), and check every page of the library (SQLite's
    quick_check): a damaged library is named with the way out.

    Example: synth doctor --json
    """
    from synth import __version__
    from synth.core.runtime import describe_cpu
    from synth.store.db import quick_check

    app_ctx = ctx.obj.context()
    settings = app_ctx.settings
    cpu = describe_cpu(settings.retrieve.dtype, settings.retrieve.threads)
    home = app_ctx.home
    facts = {
        "synth": __version__,
        "cpu_capability": cpu.capability,
        "native_bf16": cpu.native_bf16,
        "dtype": cpu.dtype,
        "dtype_setting": cpu.requested,
        "threads": cpu.threads,
        "runtime": settings.retrieve.runtime,
        "verifier_runtime": settings.verify.runtime,
        "encoder": app_ctx.encoder_id,
        "verifier": app_ctx.verifier_spec.identity,
        "home": str(home.home),
        "library": str(home.db),
        "library_check": quick_check(home.db),
        "models": str(app_ctx.models_dir),
        "pdfs": str(home.pdfs),
        "offline": settings.fetch.offline,
    }
    if json_:
        typer.echo(json.dumps(facts, indent=2))
        return
    width = max(map(len, facts))
    for key, value in facts.items():
        typer.echo(f"{key:<{width}}  {value}")
    if facts["library_check"].startswith("damaged"):
        typer.echo(
            f"\nThe library is damaged: move {home.db} away (keep it for recovery, e.g. "
            "`sqlite3 library.sqlite .recover`); the next command builds a new one with the "
            "bundled corpus, and papers you added or fetched must be added again.",
            err=True,
        )
        raise typer.Exit(1)
