"""Every command explains itself: help text, an example, and a line in README."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command

from synth.cli import _register, app

_register()
COMMANDS = sorted(get_command(app).commands)
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = get_command(app).commands[name]
    assert command.help and len(command.help) > 40
    assert "Example: synth " + name in command.help


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme_reference(name):
    assert f"`synth {name}" in README
