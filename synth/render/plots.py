"""Pictures for `synth eval verifier` / `synth eval claims --plot FILE.png`: a reliability
diagram of P(supported) beside the confusion matrix of the three labels.

matplotlib (the optional extra `synth[plot]`): a PNG that anyone can open, made by the
library everyone in the field reads; plain SVG would need hand-made axes and text layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from synth.core.errors import SynthError

LABELS = ("supported", "contradicted", "not_enough_info")
BINS = 10


def reliability(p_supported: Sequence[float], supported: Sequence[bool], bins: int = BINS):
    """Per equal-width bin of P(supported): (mean confidence, share supported, count); empty
    bins are left out."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [
            i for i, p in enumerate(p_supported) if lo <= p < hi or (b == bins - 1 and p == 1.0)
        ]
        if inside:
            rows.append(
                (
                    sum(p_supported[i] for i in inside) / len(inside),
                    sum(bool(supported[i]) for i in inside) / len(inside),
                    len(inside),
                )
            )
    return rows


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> list[list[int]]:
    """counts[gold][predicted] over LABELS."""
    index = {label: i for i, label in enumerate(LABELS)}
    counts = [[0] * len(LABELS) for _ in LABELS]
    for g, p in zip(gold, predicted, strict=True):
        counts[index[g]][index[p]] += 1
    return counts


def plot_evaluation(points: dict, path: Path, title: str) -> Path:
    """Write the reliability diagram and the confusion matrix of an evaluation's points
    (`p_supported`, `supported`, `gold`, `predicted`) to a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SynthError(
            "--plot needs matplotlib", hint='pip install "synth[plot]" (or drop --plot)'
        ) from exc
    rows = reliability(points["p_supported"], points["supported"])
    counts = confusion(points["gold"], points["predicted"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4))
    left.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="calibrated")
    if rows:
        xs, ys, ns = zip(*rows, strict=True)
        left.plot(xs, ys, marker="o", color="#1f6fb4", label="observed")
        for x, y, n in rows:
            left.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    left.set(
        xlim=(0, 1), ylim=(0, 1), xlabel="P(supported), bin mean", ylabel="share supported",
        title="Reliability (count per bin)",
    )  # fmt: skip
    left.legend(loc="upper left", fontsize=8)
    right.imshow(counts, cmap="Blues")
    short = ["supported", "contradicted", "not enough info"]
    right.set_xticks(range(3), short, rotation=20)
    right.set_yticks(range(3), short)
    right.set(xlabel="predicted", ylabel="gold", title="Confusion matrix")
    peak = max(max(row) for row in counts) or 1
    for g in range(3):
        for p in range(3):
            colour = "white" if counts[g][p] > peak / 2 else "black"
            right.text(p, g, str(counts[g][p]), ha="center", va="center", color=colour)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise SynthError(f"{path} could not be written ({exc.strerror})") from exc
    finally:
        plt.close(fig)
    return path
