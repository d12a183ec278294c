"""The `synth` command: global options, logging, and the one place errors are reported.

Commands stay thin: parse flags, build the app Context, call one `synth.app` function, render.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from synth import __version__
from synth.core.errors import SynthError

app = typer.Typer(
    name="synth",
    help="Offline-first literature synthesis and claim verification: every claim is checked "
    "against the sources and shown with the verbatim passages that decide it.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class Globals:
    home: Path | None
    offline: bool
    verbosity: int
    quiet: bool
    debug: bool

    def settings(self, **overrides):
        from synth.core.settings import load_settings

        if self.offline:
            overrides["fetch.offline"] = True
        return load_settings(self.home, overrides)

    def context(self, **overrides):
        """The application Context for this command (settings with these overrides)."""
        from synth.app.context import Context

        return Context(self.settings(**overrides), self.progress())

    def progress(self):
        import sys

        from synth.core.console import LineProgress, NullProgress, RichProgress

        console = _console()
        if self.quiet:
            return NullProgress()
        if not console.is_terminal:
            return LineProgress(sys.stderr)
        return RichProgress(console)


def _console():
    from synth.core.console import make_console

    return make_console()


def print_error(message: str, hint: str | None = None) -> None:
    """`error: …` and `hint: …` on the stderr console: the one format of every user error,
    whether it ends the command (main) or one item of a batch."""
    console = _console()
    console.print(f"[bold red]error:[/bold red] {message}", markup=True, highlight=False)
    if hint:
        console.print(f"[red]hint:[/red] {hint}", markup=True, highlight=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"synth {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="SYNTH_HOME", help="Library, caches and models directory."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Never use the network.")] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "-v", "--verbose", count=True, help="More log output on stderr (-v, -vv, -vvv)."
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bars.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks for user errors too.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    from synth.core.console import setup_logging

    setup_logging(_console(), -1 if quiet else verbose)
    ctx.obj = Globals(home, offline, verbose, quiet, debug)


def _register() -> None:
    from synth.cli import (  # noqa: F401  (commands register)
        discover,
        doctor,
        evaluate,
        library,
        report,
        train,
        verify,
    )


INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns SynthError into `error:`/`hint:` lines + exit code."""
    _register()
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Outside standalone mode click returns a command's `typer.Exit(code)` as a value.
        code = app(args=args, prog_name="synth", standalone_mode=False)
        if code == INTERRUPTED:  # typer returns Ctrl-C as exit code 130; no command does
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except SynthError as exc:
        if debug:
            raise
        print_error(exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C outside a command
        _interrupted()
    except _click_errors() as exc:  # usage errors: click's own message, exit code 2
        exc.show()
        sys.exit(exc.exit_code)
    except (sqlite3.DatabaseError, OSError) as exc:
        # the environment failing mid-command (disk full, home made read-only), or a library
        # damaged past its header (found only when a command reads that page): a user's fix
        damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.OperationalError
        )
        if debug or not (damaged or _is_environment_fault(exc)):
            raise
        from synth.store.db import storage_error

        error = storage_error(_library_path(), exc)
        print_error(error.message, error.hint)
        sys.exit(1)


def _library_path() -> Path:
    from synth.core.paths import Home

    try:
        from synth.core.settings import load_settings

        home = Path(load_settings().home)
    except Exception:  # noqa: BLE001 - a broken config is another error's business
        home = Path(os.environ.get("SYNTH_HOME", "."))
    return Home(home).db


def _interrupted() -> NoReturn:
    _console().print("interrupted; finished work is kept in the library")
    # A Ctrl-C that lands inside a C-level eval (PyRun_String: pybind11's py::exec while torch
    # imports) makes CPython remember an "unhandled" KeyboardInterrupt, handled here or not;
    # `python -m synth` would then end by SIGINT instead of exiting 130. Evaluating an empty
    # string through the same C API resets that flag.
    import ctypes

    if hasattr(ctypes, "pythonapi"):
        ctypes.pythonapi.PyRun_SimpleString(b"")
    sys.exit(INTERRUPTED)


def _is_environment_fault(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(
            s in text for s in ("full", "readonly", "read-only", "disk i/o", "unable to open")
        )
    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT)


def _click_errors() -> tuple[type[Exception], ...]:
    """click's ClickException, and the copy typer vendors (typer._click): typer raises its own."""
    import importlib

    found = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            found.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(found)
