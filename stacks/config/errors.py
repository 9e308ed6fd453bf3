"""The configuration's error and the words its problems are written in.

:class:`ConfigError` lists every problem of the file at once; each rule module names a problem by the
key path as written in the file (see :mod:`stacks.config.structuring` for cattrs' problems) and offers
"did you mean" with :func:`_hint`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class ConfigError(ValueError):
    """Invalid configuration; the message lists every problem with its environment and key."""

    def __init__(self, problems: list[str], *, source: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" ({_display(source)})" if source else ""
        super().__init__(f"Invalid configuration{where}:\n" + "\n".join(f"  - {p}" for p in problems))


def _hint(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _unknown_model(where: str, model: str, model_keys: set[str]) -> str:
    """``<where>.model: 'x' is not a model; did you mean …? known models: …`` (a table naming a missing model)."""
    return (
        f"{where}.model: {model!r} is not a model; {_hint(model, model_keys)}"
        f"known models: {', '.join(sorted(model_keys)) or 'none'}"
    )


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
