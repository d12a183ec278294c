"""Progress display: nested bars (files, then claims) share one live display; a stderr that is
no terminal gets plain lines."""

from __future__ import annotations

import io

from rich.console import Console

from synth.core.console import LineProgress, RichProgress


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


def test_a_stderr_that_is_no_terminal_gets_plain_lines_at_start_and_end_of_each_step():
    stream = io.StringIO()
    progress = LineProgress(stream, every=3600)
    progress.status("checking the claim against 3 sources")
    assert list(progress.track(range(4), "embedding 512 passages", total=4)) == [0, 1, 2, 3]
    assert stream.getvalue().splitlines() == [
        "checking the claim against 3 sources",
        "embedding 512 passages: 0/4",
        "embedding 512 passages: 4/4 done",
    ]


def test_a_long_step_reports_progress_while_it_runs():
    stream = io.StringIO()
    lines = list(LineProgress(stream, every=0).track(range(3), "work", total=3))
    assert lines == [0, 1, 2]
    assert stream.getvalue().splitlines() == [
        "work: 0/3",
        "work: 1/3",
        "work: 2/3",
        "work: 3/3 done",
    ]
