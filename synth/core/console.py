"""The stderr console, logging set-up, and the Progress protocol long operations accept.

Core code never imports rich's progress bars: it takes a `Progress` (default `NullProgress`)
and the CLI passes a rich-backed one. stdout stays for results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")

_NOISY = ("urllib3", "sentence_transformers", "transformers", "faiss", "httpx", "arxiv", "filelock")


class Progress(Protocol):
    def track(
        self, items: Iterable[T], description: str, total: int | None = None
    ) -> Iterator[T]: ...

    def status(self, message: str) -> None: ...


class NullProgress:
    """Progress that shows nothing (tests, library use, -q)."""

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        yield from items

    def status(self, message: str) -> None:
        logging.getLogger("synth").info("%s", message)


class RichProgress:
    """Progress bars and status lines on the shared stderr console. Nested `track` calls (files,
    then the claims of each file) share one live display, one bar per level."""

    def __init__(self, console) -> None:
        self.console = console
        self._bars = None

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        from rich.progress import Progress as Bars

        outer = self._bars is None
        if outer:
            self._bars = Bars(*Bars.get_default_columns(), console=self.console, transient=True)
            self._bars.start()
        bars = self._bars
        task = bars.add_task(description, total=total)
        try:
            for item in items:
                yield item
                bars.advance(task)
        finally:
            bars.remove_task(task)
            if outer:
                bars.stop()
                self._bars = None

    def status(self, message: str) -> None:
        self.console.print(f"[dim]{message}[/dim]")


class LineProgress:
    """Progress for a stderr that is no terminal (a pipe, a CI log): plain lines, one when a
    long step starts and one every `every` seconds while it runs, so a redirected run never
    looks hung."""

    def __init__(self, stream, every: float = 10.0) -> None:
        self.stream = stream
        self.every = every

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        import time

        of = f"/{total}" if total is not None else ""
        if total:
            self._line(f"{description}: 0{of}")
        last = time.monotonic()
        done = 0
        for item in items:
            yield item
            done += 1
            now = time.monotonic()
            if now - last >= self.every and done != total:
                self._line(f"{description}: {done}{of}")
                last = now
        if total:
            self._line(f"{description}: {done}{of} done")

    def status(self, message: str) -> None:
        self._line(message)


_CONSOLE = None


def make_console():
    """The one stderr console: logs, progress bars and error lines share it, so a log line
    never garbles a live bar."""
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console

        # soft_wrap: an error line stays one line (greppable), however narrow the terminal
        _CONSOLE = Console(stderr=True, soft_wrap=True)
    return _CONSOLE


def setup_logging(console, verbosity: int) -> None:
    """WARNING by default; -v INFO for synth; -vv DEBUG; -vvv lets third-party loggers speak."""
    from rich.logging import RichHandler

    # verbosity -1 is -q: warnings only, like the default, but no status lines either
    level = {-1: logging.WARNING, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = RichHandler(console=console, show_time=False, show_path=verbosity >= 2)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("synth").setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
