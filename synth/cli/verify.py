"""`synth check` (one claim against given sources) and `synth verify` (claims tables in bulk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synth.cli import app, print_error


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
    from synth.app.report import check_claim

    verdict = check_claim(ctx.obj.context(**{"verify.model": verifier}), claim, source)
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
    from synth.render.render import show_invisible

    for e in evidence:
        typer.echo(f"  “{show_invisible(e['quote'])}”\n    — {e['paper_id']}, {e['location']}")


@app.command()
def verify(
    ctx: typer.Context,
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Report files or directories: seed plain text, Markdown, synth JSON, or "
            "CSV/TSV/JSONL claim lists (columns claim, references, optional mark, confidence, "
            "report)."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write each re-verified report here (same layout as its input)."
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Output layout instead of the input's: md, tex, json, or html (every quote "
            "shown on its PDF page where the source is a PDF).",
        ),
    ] = None,
    verifier: Annotated[
        str | None, typer.Option(help="similarity, default, or a trained verifier directory.")
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the batch summary as JSON on stdout.")
    ] = False,
    fail_on_change: Annotated[
        bool,
        typer.Option("--fail-on-change", help="Exit with status 3 when any mark flips (for CI)."),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="local (this process) or ray: Ray actors verify the claims without a stored "
            'verdict (pip install "synth[ray]").'
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            help="With --engine ray: a running Ray cluster to join (e.g. auto); without it a "
            "local Ray starts and stops with the command."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="With --engine ray: Ray actors (each loads the models once).")
    ] = 2,
) -> None:
    """Re-verify existing claims tables in bulk against the papers they cite: each row gets a
    new verdict, a calibrated confidence and the verbatim evidence; the report itself is
    audited (stated counts, unused references, research-question terms no source mentions,
    near-duplicate claims). Verdicts are stored in the library as they are made: an
    interrupted batch resumes where it stopped, and a rerun with nothing changed loads no
    model. Exit status: 0 done, 1 some input could not be read, 3 marks changed (with
    --fail-on-change).

    With --engine ray the claims are verified by Ray actors (a local Ray, or a cluster with
    --address); the library stays in this process, which stores every verdict as it arrives,
    so outputs and summary are the local engine's.

    Example: synth verify ../shared/seeds -o out/
    """
    from synth.app.recheck.batch import check_batch
    from synth.app.recheck.render import SUFFIX, TableLayout, layout_for, render_checked
    from synth.core.errors import SynthError
    from synth.core.paths import write_atomic

    if format_ is not None and format_ not in ("md", "tex", "json", "html"):
        raise typer.BadParameter("use md, tex, json or html", param_hint="--format")
    if engine not in ("local", "ray"):
        raise typer.BadParameter("use local or ray", param_hint="--engine")
    if workers < 1:
        raise typer.BadParameter("use 1 or more", param_hint="--workers")
    if out is not None and out.exists() and not out.is_dir():
        raise SynthError(
            f"-o {out} is a file; synth verify writes one report per input into a directory",
            hint="pass a directory (it is created if missing)",
        )
    if out is not None and any(_inside(out, path) for path in inputs):
        raise SynthError(
            f"-o {out} is inside an input directory: a rerun would read its outputs as inputs",
            hint="write the re-verified reports outside the directories being read",
        )
    app_ctx = ctx.obj.context(**{"verify.model": verifier})
    written: list[Path] = []

    write_failures: list[tuple[Path, SynthError]] = []

    def write(path: Path, checked: list) -> None:
        if out is None or not checked:
            return
        layout = layout_for(checked[0].source.layout, format_)
        stem = _output_stem(path)
        target = out / (stem + SUFFIX[layout])
        n = 2
        while target in written:
            target = out / f"{stem}-{n}{SUFFIX[layout]}"
            n += 1
        quotes = None
        if layout is TableLayout.HTML:
            from synth.app.quote_views import quote_views

            shown = [e for c in checked for r in c.rows if r.verdict for e in r.verdict.evidence]
            quotes = quote_views(app_ctx, shown)
        try:
            # never half a report
            write_atomic(target, render_checked(checked, layout, quotes=quotes))
        except SynthError as exc:  # one output that cannot be written: the batch goes on
            write_failures.append((path, exc))
            return
        written.append(target)

    result = check_batch(
        app_ctx, inputs, on_file=write, engine=engine, address=address, workers=workers
    )
    result.failures.extend(write_failures)
    summary = result.summary()
    summary["written"] = [str(p) for p in written]
    if json_:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    if result.failures:
        raise typer.Exit(1)
    if fail_on_change and summary["changed"]:
        raise typer.Exit(3)


MAX_STEM = 120  # bytes; file systems allow 255 per name, and suffixes and "-2" come on top


def _output_stem(path: Path) -> str:
    """The input's name for its output, shortened with a hash of the whole name when long or
    odd (control characters, path separators)."""
    import hashlib
    import re

    stem = re.sub(r"[\x00-\x1f\x7f/\\]", "_", path.stem)
    if len(stem.encode()) <= MAX_STEM and stem == path.stem:
        return stem
    digest = hashlib.sha256(path.name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    short = stem.encode()[:MAX_STEM].decode("utf-8", "ignore")
    return f"{short}-{digest}"


def _inside(out: Path, source: Path) -> bool:
    return source.is_dir() and out.resolve().is_relative_to(source.resolve())


def _print_summary(summary: dict) -> None:
    echo = typer.echo
    echo(
        f"{summary['reports_read']} reports read, {summary['claims']} claims: "
        f"{summary['claims_checked']} checked ({summary['verified_now']} verified now, "
        f"{summary['from_library']} from the library), {summary['changed']} marks changed"
    )
    if summary["transitions"]:
        echo("marks, was → now:")
        for transition, count in summary["transitions"].items():
            echo(f"  {transition:<12} {count}")
    for item in summary["not_checked"]:
        echo(f"not checked: {item['report']}: {item['claim'][:60]}… — {item['why']}")
    for report in summary["findings"]:
        for finding in report["findings"]:
            echo(f"finding: {Path(report['report']).name}: {finding['message']}")
    for failure in summary["reports_failed"]:
        print_error(failure["error"], failure["hint"])
    if summary["written"]:
        echo(f"wrote {len(summary['written'])} re-verified reports")
