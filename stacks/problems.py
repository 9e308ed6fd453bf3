"""Construct problems of one environment, in the configuration file's words.

A construct's :class:`~sagemaker_serving.ValidationError` names its props (``memory_size``); the stacks
report each problem with the file's key path instead (``front_door.memory_size_mb``): :class:`Problems`
collects them through a ``rename`` made by :func:`prefixed` and raises them all as one
:class:`~stacks.config.ConfigError`. (Also importable from :mod:`stacks.serving_endpoint`.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sagemaker_serving import ValidationError
from stacks.config import ConfigError


class Problems:
    """Construct problems of one environment, in the file's words; :meth:`check` raises them all."""

    def __init__(self) -> None:
        self.found: list[str] = []

    @contextmanager
    def at(self, rename: Callable[[str], str]) -> Iterator[None]:
        """Collect a :class:`ValidationError` raised in the block, each problem passed through ``rename``."""
        try:
            yield
        except ValidationError as exc:
            self.found += [rename(p) for p in exc.problems]

    def check(self) -> None:
        """Raise a :class:`ConfigError` with everything found so far, if anything."""
        if self.found:
            raise ConfigError(self.found)


def prefixed(prefix: str, renames: dict[str, str] | None = None, *, others: str = "") -> Callable[[str], str]:
    """A ``rename`` for :meth:`Problems.at`: ``"memory_size: 5 …"`` → ``"front_door.memory_size_mb: 5 …"``.

    ``renames`` maps a construct prop to the file's key (longest match first; a name ending in ``.`` is a
    namespace, e.g. ``"integration."``, dropped or replaced in front of any prop); the other problems are
    prefixed with ``prefix + others``.
    """
    ordered = sorted((renames or {}).items(), key=lambda kv: -len(kv[0]))

    def rename(problem: str) -> str:
        for construct_name, key in ordered:
            boundary = "" if construct_name.endswith(".") else r"(?=[:.\[ /])"
            if re.match(rf"{re.escape(construct_name)}{boundary}", problem):
                return f"{prefix}{key}{problem[len(construct_name) :]}"
        return f"{prefix}{others}{problem}"

    return rename
