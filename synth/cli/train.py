"""`synth train`: hybrid-batch contrastive training of the retriever."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app
from synth.core.errors import ConfigError


def _resolve(model, config: Path | None, out: Path, flags: dict, command: str):
    """Config file (or the run's saved config when resuming) overridden by the flags given."""
    from pydantic import ValidationError

    values = tomllib.loads(config.read_text(encoding="utf-8")) if config else {}
    saved = out / "config.json"
    if saved.is_file() and not config:
        values = model.model_validate_json(saved.read_text()).model_dump()
    values.update({k: v for k, v in flags.items() if v is not None})
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(
            f"invalid {command} config: {error['loc']}: {error['msg']}",
            hint=f"see `synth {command} --help`",
        ) from exc


def _base_model_dir(g) -> Path:
    """The untuned encoder every training run starts from (converted once)."""
    from synth.weights import base_model_dir

    app_ctx = g.context()
    return base_model_dir(app_ctx.models_dir, app_ctx.progress)


@app.command()
def train(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Run directory (config, metrics, checkpoint, model).")],
    data: Annotated[
        list[Path] | None,
        typer.Option(help="LAReQA-format training directory; repeat for several."),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="A TOML file of TrainConfig fields.")] = None,
    strategy: Annotated[str | None, typer.Option(help="mono, cross or hybrid.")] = None,
    alpha: Annotated[float | None, typer.Option(help="Share of mono batches in hybrid.")] = None,
    steps: Annotated[int | None, typer.Option(help="Optimiser steps.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Triplets per batch.")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of batches and initialisation.")] = None,
) -> None:
    """Fine-tune the retriever with X-X-mono, X-Y or hybrid batches (arXiv 2408.10536). Flags
    override the config file. Rerunning with the same --out resumes from the last checkpoint.

    Example: synth train --data ../shared/data/xquad-r --strategy hybrid --alpha 0.5 --steps 300 --out runs/hybrid
    """
    from synth.train.loop import TrainConfig, Trainer

    g = ctx.obj
    flags = {
        "data": data,
        "strategy": strategy,
        "alpha": alpha,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
    }
    resolved = _resolve(TrainConfig, config, out, flags, "train")
    best = Trainer(resolved, out, _base_model_dir(g), g.progress()).run()
    typer.echo(str(best))


@app.command("train-verifier")
def train_verifier(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Run directory (config, metrics, checkpoint, model).")],
    config: Annotated[
        Path | None, typer.Option(help="A TOML file of VerifierConfig fields.")
    ] = None,
    scifact: Annotated[Path | None, typer.Option(help="SciFact directory (claims/, rte/).")] = None,
    lareqa: Annotated[
        list[Path] | None, typer.Option(help="LAReQA-format directory; repeat for several.")
    ] = None,
    nli: Annotated[
        Path | None,
        typer.Option(help="NLI sets directory (../shared/data/nli): train on the v4 mixture."),
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Optimiser steps.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of data splits, batches and initialisation.")
    ] = None,
    calibrate: Annotated[
        Path | None,
        typer.Option(
            help="Train nothing: fit the temperature and combiner of this export of the run "
            "(e.g. OUT/evals/step-2000, kept with keep_evals) so it can be evaluated as a verifier."
        ),
    ] = None,
) -> None:
    """Train the three-way verifier (supported / contradicted / not enough info): a
    cross-encoder on the e5 encoder, trained on SciFact RTE, LAReQA translation pairs and
    rule-made contradictions; then a temperature and a combiner (logistic regression over its
    logits, the retriever's similarity, word coverage and guard checks) are fitted on held-out
    pairs. With --nli, the human-labelled NLI sets and Tatoeba pairs join the mixture
    (`synth.train.nli_data`). Rerunning with the same --out resumes.

    Example: synth train-verifier --scifact ../shared/data/scifact --lareqa ../shared/data/xquad-r --out runs/verifier
    """
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.verifier_loop import VerifierConfig, VerifierTrainer
    from synth.verify.nli import DELTA_FILE

    g = ctx.obj
    flags = {"scifact": scifact, "lareqa": lareqa, "nli": nli, "steps": steps, "seed": seed}
    resolved = _resolve(VerifierConfig, config, out, flags, "train-verifier")
    # The combiner's cosine feature comes from the retriever the verifier will run beside.
    retriever = g.context().encoder
    trainer = VerifierTrainer(
        resolved,
        out,
        _base_model_dir(g),
        list(iter_fulltext_records()),
        g.progress(),
        retriever=retriever,
    )
    if calibrate is not None:
        if not (calibrate / DELTA_FILE).is_file():
            raise typer.BadParameter(
                f"{calibrate} holds no verifier export", param_hint="--calibrate"
            )
        typer.echo(str(trainer.calibrate(calibrate)))
        return
    typer.echo(str(trainer.run()))
