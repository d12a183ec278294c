"""Time to render the HTML report of a 50-claim report, page images cold and warm.

The report is built once (verification is not what this measures) from PDFs of eight corpus
papers (bench/corpus_pdfs.py) with extract.max_claims 50; then `quote_views` + `render` run
with an empty crop cache (cold: every quote's page is rendered by PyMuPDF) and again (warm:
every image comes from $SYNTH_HOME/crops).

    python -m bench.html_render [--home DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.corpus_pdfs import CORPUS, make_pdf, records
from bench.manifest import manifest, write_result

IDS = [
    "2212.11791", "2212.11803", "2212.11790", "2212.11808",
    "2212.11774", "2212.11772", "2212.11809", "2212.11765",
]  # fmt: skip
QUESTION = "Which methods improve accuracy or efficiency of deep learning models?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="SYNTH_HOME to use (default: the user's)")
    args = parser.parse_args()
    import shutil

    from synth.app.context import Context
    from synth.app.quote_views import quote_views, report_quotes
    from synth.app.report import build_report
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings
    from synth.render.render import Format, render

    overrides = {"extract.max_claims": 50, "extract.max_per_paper": 20, "retrieve.max_papers": 8}
    ctx = Context(load_settings(args.home, overrides), NullProgress())
    with tempfile.TemporaryDirectory() as folder:
        by_id = {r["paper_id"]: r for r in records()}
        pdfs = [str(make_pdf(by_id[i], Path(folder) / f"{i}.pdf")) for i in IDS]
        report = build_report(ctx, QUESTION, pdfs)
        quotes = report_quotes(report)
        shutil.rmtree(ctx.home.crops, ignore_errors=True)
        timings = {}
        for run in ("cold", "warm"):
            start = time.perf_counter()
            views = quote_views(ctx, quotes)
            page = render(report, Format.HTML, quotes=views)
            timings[run] = time.perf_counter() - start
    result = {
        "claims": len(report.verdicts),
        "quotes": len({(e.paper_id, e.page_index, e.start, e.end) for e in quotes}),
        "page_images": sum(1 for v in views.values() if v.image),
        "html_bytes": len(page.encode()),
        "cold_s": round(timings["cold"], 2),
        "warm_s": round(timings["warm"], 2),
        **manifest("html_render", ["python", "-m", "bench.html_render"], data=[CORPUS]),
    }
    print(result)
    print(write_result("html_render", result))


if __name__ == "__main__":
    main()
