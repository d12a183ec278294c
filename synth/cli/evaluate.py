"""`synth eval retrieval`: the LAReQA protocol on a LAReQA-format directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app

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
