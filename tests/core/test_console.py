"""Progress display: nested bars (files, then claims) share one live display."""

from __future__ import annotations

import io

from rich.console import Console

from synth.core.console import RichProgress


def test_nested_tracks_yield_every_item_and_close_the_display():
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    progress = RichProgress(console)
    seen = [
        (outer, inner)
        for outer in progress.track(range(2), "reports", total=2)
        for inner in progress.track(range(3), f"claims of {outer}", total=3)
    ]
    assert seen == [(o, i) for o in range(2) for i in range(3)]
    assert progress._bars is None  # the live display was stopped
    # a second batch can start a new display
    assert list(progress.track([1], "again", total=1)) == [1]


def test_a_track_abandoned_by_an_exception_stops_the_display():
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    progress = RichProgress(console)
    try:
        for _ in progress.track(range(3), "work", total=3):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert progress._bars is None
