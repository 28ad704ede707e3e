"""ganzoo.console: what the console shows."""

import importlib

import pytest

from ganzoo.console import plain


def test_plain_turns_sphinx_markup_into_single_backticks():
    text = "``ganzoo fid A B``: see :func:`ganzoo.metrics.evaluate` and :class:`~ganzoo.models.GAN`."
    assert plain(text) == "`ganzoo fid A B`: see `ganzoo.metrics.evaluate` and `ganzoo.models.GAN`."


@pytest.mark.parametrize("command", ["evaluate", "fid", "lab", "sample"])
def test_command_help_shows_no_sphinx_markup(command):
    text = importlib.import_module(f"ganzoo.commands.{command}").parser().format_help()
    assert f"ganzoo {command}" in text
    assert "``" not in text and ":func:" not in text and ":class:" not in text, text
