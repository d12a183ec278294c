"""`synth eval retrieval`, `synth eval bitext` and `synth eval verifier`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app
from synth.core.errors import SynthError

eval_app = typer.Typer(
    help="Measure synth's models on held-out data.\n\nExample: synth eval retrieval --data "
    "../shared/data/xquad-r --split test --json",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")


def _markdown(result: dict) -> str:
    s = result["summary"]
    lines = [
        f"Model `{result['model_id']}` · {result['data']} · split {result['split']} "
        f"(articles {result['articles'][0]}–{result['articles'][1]}) · {s['queries']} queries "
        f"against {s['candidates']} candidate sentences",
        "",
        "| Mo mAP | Cr mAP | Mul mAP | Mo R@1 | Cr R@1 | Mul R@10 | language bias | top-1 in query language |",
        "|---|---|---|---|---|---|---|---|",
        f"| {s['mo_map']:.3f} | {s['cr_map']:.3f} | {s['mul_map']:.3f} | {s['mo_r1']:.3f} "
        f"| {s['cr_r1']:.3f} | {s['mul_r10']:.3f} | {s['bias']:.0f} | {s['top1_same_lang']:.1%} |",
        "",
        "| query language | queries | Mo mAP | Cr mAP (to the 10 others) | Mul mAP | bias | top-1 same language |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, row in result["per_language"].items():
        lines.append(
            f"| {lang} | {row['queries']} | {row['mo_map']:.3f} | {row['cr_map']:.3f} "
            f"| {row['mul_map']:.3f} | {row['bias']:.0f} | {row['top1_same_lang']:.1%} |"
        )
    langs = list(result["per_language"])
    lines += [
        "",
        "Cross-lingual mAP, query language (rows) → candidate language (columns):",
        "",
        "| | " + " | ".join(langs) + " |",
        "|---" * (len(langs) + 1) + "|",
    ]
    for x in langs:
        cells = [f"{result['cross_matrix'].get(f'{x}->{y}', float('nan')):.3f}" for y in langs]
        lines.append(f"| {x} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@eval_app.command("retrieval")
def retrieval(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="A LAReQA-format directory (<lang>.json files).")],
    split: Annotated[str, typer.Option(help="train, dev, test or all (by article).")] = "test",
    model: Annotated[str | None, typer.Option(help="Encoder: base, default, or a path.")] = None,
    limit: Annotated[
        int | None, typer.Option(help="At most N queries per language (smoke runs).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Full results as JSON on stdout.")] = False,
) -> None:
    """Evaluate the retriever with the LAReQA protocol: Mo (same language), Cr (each of the
    110 language pairs) and Mul (all languages pooled) mAP, R@1/R@10, language bias and the
    share of top-1 hits in the query's language. Queries come from the split's articles; the
    candidate pool is every sentence of every article.

    Example: synth eval retrieval --data ../shared/data/xquad-r --split test --json
    """
    from synth.app.evaluate import evaluate_retrieval

    app_ctx = ctx.obj.context(**{"retrieve.model": model})
    result = evaluate_retrieval(app_ctx, data, split, limit=limit)
    typer.echo(json.dumps(result, indent=2) if json_ else _markdown(result), nl=not json_)


def _intervals(ci: dict) -> str:
    return "95% bootstrap intervals: " + ", ".join(
        f"{k} [{lo:.3f}, {hi:.3f}]" for k, (lo, hi) in ci.items()
    )


def _decision(value: str | None) -> str | None:
    """The --decision value, checked (None: the setting's own)."""
    if value not in (None, "learned", "max"):
        raise SynthError(f"unknown decision {value!r}", hint="--decision learned or --decision max")
    return value


def _verifier_markdown(result: dict) -> str:
    kind = "supported vs not (binary gold labels)" if result["binary"] else "three-way"
    lines = [
        f"Verifier `{result['verifier']}` · {result['data']}"
        + (f" · split {result['split']}" if result["split"] else "")
        + f" · {result['pairs']} pairs, {kind} · {result['pairs_per_s']:.1f} pairs/s",
        "",
        "| accuracy | balanced accuracy | macro-F1 | ECE P(supported) | "
        + " | ".join(f"recall {k}" for k in result["per_label_recall"])
        + " |",
        "|---" * (4 + len(result["per_label_recall"])) + "|",
        f"| {result['accuracy']:.3f} | {result['balanced_accuracy']:.3f} | "
        f"{result['macro_f1']:.3f} | {result['ece']:.3f} | "
        + " | ".join("–" if v is None else f"{v:.3f}" for v in result["per_label_recall"].values())
        + " |",
    ]
    if "intervals_95" in result:
        lines += ["", _intervals(result["intervals_95"])]
    if "per_language" in result:
        lines += [
            "",
            "| language | pairs | accuracy | balanced accuracy | macro-F1 | ECE |",
            "|---|---|---|---|---|---|",
        ]
        for lang, row in result["per_language"].items():
            lines.append(
                f"| {lang} | {row['pairs']} | {row['accuracy']:.3f} | "
                f"{row['balanced_accuracy']:.3f} | {row['macro_f1']:.3f} | {row['ece']:.3f} |"
            )
    if result["skipped_rows"]:
        lines += ["", f"Skipped rows: {result['skipped_rows']}"]
    return "\n".join(lines) + "\n"


@eval_app.command("verifier")
def verifier(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Option(help="A file of labelled pairs, or a directory of such files.")
    ],
    verifier_: Annotated[
        str | None,
        typer.Option("--verifier", help="similarity, default, or a trained verifier directory."),
    ] = None,
    split: Annotated[
        str | None, typer.Option(help="Keep rows whose `split` column starts with this.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most N pairs per file.")] = None,
    bootstrap: Annotated[int, typer.Option(help="Resamples for 95% intervals (0: none).")] = 0,
    decision: Annotated[
        str,
        typer.Option(
            help="max (default: the pair verifier's own label at 0.5, guards included) or "
            "learned (the claim decision, fitted for whole sources, on one sentence)."
        ),
    ] = "max",
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Also write a reliability diagram and confusion matrix (PNG) here."
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Full results as JSON on stdout.")] = False,
) -> None:
    """Measure the pair verifier on labelled claim/evidence pairs: accuracy, balanced
    accuracy, macro-F1, per-label recall, ECE of P(supported), per language, pairs/s. Each
    pair is judged by the pair verifier's own rule (its calibrated probabilities, the number
    and name guards, 0.5); how synth decides a claim from many sentences is measured by
    `synth eval claims`.

    Reads JSONL (claim, evidence, label, optional lang/split), TSV/CSV with such a header
    (Check-COVID pairs_flat.tsv, SciFact RTE), and premise<TAB>hypothesis<TAB>label files
    (XNLI; the language comes from names like test-de.tsv). Labels: supported /
    contradicted / not_enough_info, entailment / contradiction / neutral, SUPPORT / REFUTE /
    NOTENOUGHINFO, or not_entailment (binary: supported vs not).

    Example: synth eval verifier --data ../shared/data/nli/check_covid/pairs_flat.tsv --split test --json
    """
    from synth.app.evaluate import evaluate_verifier

    app_ctx = ctx.obj.context(**{"verify.model": verifier_, "verify.decision": _decision(decision)})
    result = evaluate_verifier(
        app_ctx, data, split=split, limit=limit, bootstrap=bootstrap, points=plot is not None
    )
    _plot(result, plot, f"synth eval verifier · {result['verifier']} · {data.name}")
    typer.echo(json.dumps(result, indent=2) if json_ else _verifier_markdown(result), nl=not json_)


def _claims_markdown(result: dict) -> str:
    fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    labels = list(result["recall"])
    lines = [
        f"Verifier `{result['verifier']}` · decision {result['decision']} · {result['data']}"
        + (f" · split {result['split']}" if result["split"] else "")
        + f" · {result['claims']} claims, {result['candidates']} candidates · "
        f"{result['claims_per_s']:.2f} claims/s",
        "",
        "| macro-F1 | accuracy | ECE P(supported) | × on supported | precision of × |",
        "|---|---|---|---|---|",
        f"| {result['macro_f1']:.3f} | {result['accuracy']:.3f} | {result['ece']:.3f} | "
        f"{fmt(result['x_on_supported'])} | {fmt(result['x_precision'])} |",
        "",
        "| label | gold | predicted | precision | recall |",
        "|---|---|---|---|---|",
    ]
    for label in labels:
        lines.append(
            f"| {label} | {result['gold_counts'][label]} | {result['predicted_counts'][label]} | "
            f"{fmt(result['precision'][label])} | {fmt(result['recall'][label])} |"
        )
    if "intervals_95" in result:
        lines += ["", _intervals(result["intervals_95"])]
    if result["skipped_claims"]:
        lines += ["", f"Skipped claims: {result['skipped_claims']}"]
    return "\n".join(lines) + "\n"


@eval_app.command("claims")
def claims(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Option(help="A SciFact/MultiVerS or Check-COVID directory (claims and corpus)."),
    ],
    split: Annotated[
        str | None, typer.Option(help="Claim files whose name contains this (train, dev, test).")
    ] = None,
    verifier_: Annotated[
        str | None,
        typer.Option("--verifier", help="similarity, default, or a trained verifier directory."),
    ] = None,
    decision: Annotated[
        str | None,
        typer.Option(help="learned (the verifier's claim decision) or max (the old rule)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most N claims.")] = None,
    bootstrap: Annotated[int, typer.Option(help="Resamples for 95% intervals (0: none).")] = 0,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Also write a reliability diagram and confusion matrix (PNG) here."
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Full results as JSON on stdout.")] = False,
) -> None:
    """Measure claim-level verification: each labelled claim against its whole cited
    abstract(s), through the product's own path (chunk the source, the top passages, their
    sentences, the verifier and the claim decision). Reports macro-F1, accuracy, per-label
    precision and recall, the × rate on gold-supported claims and the precision of ×, ECE of
    P(supported), claims/s.

    Reads the SciFact/MultiVerS layout (claims*.jsonl with claim, cited_doc_ids, evidence;
    corpus.jsonl with doc_id, title, abstract as a list of sentences; no evidence = not enough
    info) and Check-COVID's (covidCheck_<split>_*.json and corpus.json).

    Example: synth eval claims --data ../shared/data/nli/check_covid --split test --bootstrap 1000
    """
    from synth.app.evaluate import evaluate_claims

    app_ctx = ctx.obj.context(**{"verify.model": verifier_, "verify.decision": _decision(decision)})
    result = evaluate_claims(
        app_ctx, data, split=split, limit=limit, bootstrap=bootstrap, points=plot is not None
    )
    _plot(result, plot, f"synth eval claims · {result['verifier']} · {data.name}")
    typer.echo(json.dumps(result, indent=2) if json_ else _claims_markdown(result), nl=not json_)


def _plot(result: dict, path: Path | None, title: str) -> None:
    """Write the evaluation's picture and drop its per-item points from the printed result."""
    if path is None:
        return
    from synth.render.plots import plot_evaluation

    plot_evaluation(result.pop("points"), path, title)
    typer.echo(f"wrote {path}", err=True)


@eval_app.command("bitext")
def bitext(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="Tatoeba directory (tatoeba.xxx-eng.* files).")],
    langs: Annotated[
        str | None,
        typer.Option(help="Comma-separated ISO 639-3 codes (default: the training hold-out)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Encoder: base, default, or a path.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Full results as JSON on stdout.")] = False,
) -> None:
    """Bitext retrieval on Tatoeba: for each language, the share of its sentences whose
    nearest English sentence (of up to 1,000) is their translation (xx→en), and back
    (en→xx). Queries are embedded as queries and candidates as passages, as synth
    retrieves. The default languages are those retriever training keeps out.

    Example: synth eval bitext --data ../shared/data/tatoeba --langs fra,jpn --model base
    """
    from synth.app.evaluate import evaluate_bitext
    from synth.train.loop import TATOEBA_HOLDOUT

    chosen = [x.strip() for x in langs.split(",") if x.strip()] if langs else TATOEBA_HOLDOUT
    if not chosen:
        raise typer.BadParameter("name at least one language, e.g. fra,jpn", param_hint="--langs")
    app_ctx = ctx.obj.context(**{"retrieve.model": model})
    result = evaluate_bitext(app_ctx, data, chosen)
    if json_:
        typer.echo(json.dumps(result, indent=2))
        return
    lines = [
        f"Model `{result['model_id']}` · {result['data']} · mean accuracy {result['mean']:.3f}",
        "",
        "| language | pairs | xx→en | en→xx | mean |",
        "|---|---|---|---|---|",
    ]
    for lang, row in result["per_language"].items():
        lines.append(
            f"| {lang} | {row['pairs']} | {row['xx_to_en']:.3f} | {row['en_to_xx']:.3f} "
            f"| {row['mean']:.3f} |"
        )
    typer.echo("\n".join(lines))
