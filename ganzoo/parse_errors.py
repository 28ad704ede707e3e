"""One-line errors for the command line's options, those of ``ganzoo fit/validate/test/predict`` (jsonargparse,
through LightningCLI) and those of ganzoo's own ``sample``, ``evaluate``, ``fid`` and ``lab`` (argparse).

jsonargparse answers a mistyped or ill-typed option (``--model.lr_g``, ``--model.n_critic abc``) with the whole usage,
about 90 lines, and a nested report of every type it tried; the message that matters is in the middle. ganzoo's
parsers report the option, what it takes and what it got, in one line, as ganzoo's other errors are reported (``fit``'s
parser, :class:`ganzoo.lightning_cli.OneLineErrorParser`, through :func:`one_line`).
"""

from __future__ import annotations

import argparse
import ast
import re
from typing import NoReturn

from ganzoo.errors import UserError

_KEY = re.compile(r'Parser key "([^"]+)"')
_KEY_PREFIX = re.compile(r'^Parser key "([^"]+)": ')
_NOT_ACCEPTED = re.compile(r"Option '([^']+)' is not accepted")
_CLASS = re.compile(r"class_path[ =]'([^']+)'")  # "given class_path 'a.B'" and "Namespace(class_path='a.B', …"
_EXPECTED = re.compile(r"Expected a (?!path but)(.+?)(?:\. Got value: (.*))?$")
_GIVEN = re.compile(r"Given value: (.*?)(?:\. Got value: .*)?$")
_NESTED = re.compile(r"NestedArg\(key='[^']*', val=(.*)\)$")
_SIMPLE_TYPES = {
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "str": "a string",
    "NoneType": "null",
}


class CommandParser(argparse.ArgumentParser):
    """argparse's parser whose errors are :class:`~ganzoo.errors.UserError` s of one line, like ``fit``'s, instead
    of the usage and ``PROG: error: …``."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (`{self.prog} --help` lists the options)")


def one_line(message: str, command: str) -> str:
    """The option at fault, what it takes and what it got, from a jsonargparse error ``message``; ``command`` (e.g.
    ``ganzoo fit``) goes into the hint."""
    listing = f"`{command} --help` lists the options"
    if "\n" not in message.strip():  # "unrecognized arguments: --nope 1" and the like are one line already
        return _KEY_PREFIX.sub(r"--\1: ", message.strip()) + f" ({listing})"
    try:
        return _summary(message, command, listing)
    except (ValueError, SyntaxError):  # a report of a shape not seen before: whole, but on one line
        return f"{' '.join(line.strip() for line in message.splitlines() if line.strip())} ({listing})"


def _summary(message: str, command: str, listing: str) -> str:
    keys = _KEY.findall(message)
    if unknown := _NOT_ACCEPTED.search(message):
        owners = _CLASS.findall(message)
        if not owners:
            return f"--{'.'.join([*keys, unknown[1]])} is not an option ({listing})"
        return (
            f"--{'.'.join([*keys, unknown[1]])} is not an option of {owners[-1]} "
            f"(`{command} --{'.'.join(keys)}.help {owners[-1]}` lists its options)"
        )
    expected, given = _deepest_alternatives(message)
    if not keys or not expected:
        raise ValueError("no option or expected type in the report")
    return f"--{'.'.join(keys)}: expected {expected}, got {given!r} ({listing})"


def _deepest_alternatives(message: str) -> tuple[str, str | None]:
    """What the innermost failed check expected, in words, and the value it was given."""
    expected: dict[int, list[str]] = {}
    values: dict[int, str] = {}
    for line in message.splitlines():
        depth = len(line) - len(line.lstrip(" -"))
        text = line.strip(" -")
        if match := _EXPECTED.match(text):
            expected.setdefault(depth, []).append(match[1])
            if match[2] and not match[2].startswith("Namespace("):
                values[depth] = match[2]
        elif (match := _GIVEN.match(text)) and not match[1].startswith(("Namespace(", "{")):
            nested = _NESTED.match(match[1])
            values[depth] = ast.literal_eval(nested[1]) if nested else match[1]
    if not expected:
        return "", None
    given = values[max(values)] if values else None
    return _in_words(expected[max(expected)]), given


def _in_words(types: list[str]) -> str:
    """``["<class 'int'>", "<class 'NoneType'>"]`` → ``"an integer"``; literals merge into one "one of" list."""
    words: list[str] = []
    choices: list[str] = []
    for name in types:
        if name.startswith("typing.Literal["):
            choices += [str(c) for c in ast.literal_eval(f"({name[len('typing.Literal[') : -1]},)")]
        elif name.startswith("dot import path string"):
            words.append("a class (name or import path)")
        elif match := re.fullmatch(r"<class '([\w.]+)'>", name):
            short = match[1].rsplit(".", 1)[-1]
            words.append(_SIMPLE_TYPES.get(short, f"{'an' if short[0] in 'AEIOUaeiou' else 'a'} {short}"))
        else:
            words.append(name)
    if choices:
        words.append("one of " + ", ".join(dict.fromkeys(choices)))
    words = list(dict.fromkeys(words))
    if len(words) > 1 and "null" in words:  # null is rarely what was meant; the other types say what to give
        words.remove("null")
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
