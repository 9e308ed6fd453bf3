"""Structuring with cattrs: strict hooks, and its errors turned into the file's key paths.

No coercion (``"2"`` is not an int), no unknown key; the constructs' value objects that stand as
placeholders in :mod:`stacks.config.values` are imported when a table needs one. Every cattrs error
becomes a problem named by its key path as written in the file, with "did you mean" for misspelt keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, mapping_structure_factory
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn

from stacks.config.environment import EnvironmentConfig
from stacks.config.errors import _hint
from stacks.config.values import Days, Seconds, _LazyValueObject

T = TypeVar("T")


class _RefusedError(ValueError):
    """A value of the wrong type or outside a choice; the message says what is allowed."""


_TYPE_NAMES = {int: "int", float: "float", str: "str", bool: "bool"}


def _scalar(kind: type) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        ok = type(value) is kind or (kind is float and type(value) is int)
        if not ok:
            raise _RefusedError(f"{value!r} is not allowed; expected {_TYPE_NAMES[kind]}")
        return kind(value)

    return hook


def _guarded(inner: Callable[[Any, Any], Any], of: type, expected: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, cl: Any) -> Any:
        if not isinstance(value, of):
            raise _RefusedError(f"{value!r} is not allowed; expected {expected}")
        return inner(value, cl)

    return hook


@cache
def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind in _TYPE_NAMES:
        conv.register_structure_hook(kind, _scalar(kind))

    def seconds(value: Any, _: Any) -> float:
        if type(value) not in (int, float) or value < 0:
            raise _RefusedError(f"{value!r} is not allowed; expected a duration in seconds (a number ≥ 0)")
        return float(value)

    conv.register_structure_hook(Seconds, seconds)

    def days(value: Any, _: Any) -> int:
        if type(value) is not int or value < 0:
            raise _RefusedError(f"{value!r} is not allowed; expected a number of days (an integer ≥ 0)")
        return value

    conv.register_structure_hook(Days, days)

    def literal(cl: Any) -> Callable[[Any, Any], Any]:
        choices = get_args(cl)

        def hook(value: Any, _: Any) -> Any:
            if not any(type(value) is type(c) and value == c for c in choices):
                raise _RefusedError(f"{value!r} is not allowed; expected one of {', '.join(map(str, choices))}")
            return value

        return hook

    def lazy(cl: type[_LazyValueObject]) -> Callable[[Any, Any], Any]:
        return lambda value, _: conv.structure(value, getattr(importlib.import_module(cl.module), cl.__name__))

    conv.register_structure_hook_factory(lambda t: _origin(t) is Literal, literal)
    conv.register_structure_hook_factory(
        lambda t: _origin(t) is tuple,
        lambda t: _guarded(homogenous_tuple_structure_factory(t, conv), list, "a list"),
    )
    conv.register_structure_hook_factory(
        lambda t: _origin(t) is dict,
        lambda t: _guarded(mapping_structure_factory(t, conv), dict, "a table"),
    )
    conv.register_structure_hook_factory(
        is_dataclass, lambda t: _guarded(make_dict_structure_fn(t, conv), dict, "a table")
    )
    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and issubclass(t, _LazyValueObject), lazy)
    return conv


def _origin(t: Any) -> object:
    return get_origin(t)


def _structure(cls: type[T], value: Any, path: tuple[str | int, ...], problems: list[str]) -> T | None:
    """``value`` as a ``cls``, or ``None`` with every problem appended (named by its key path)."""
    try:
        return _converter().structure(value, cls)
    except Exception as exc:  # every cattrs error is turned into the file's words
        problems += [_where(path + sub) + message for sub, message in _messages(exc, cls)]
        return None


def _keys(cl: Any) -> list[str]:
    """The keys a table of type ``cl`` may have (an environment's name is its table's name)."""
    return sorted(f.name for f in fields(cl) if not (cl is EnvironmentConfig and f.name == "name"))


def _messages(exc: BaseException, cl: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for every problem in a cattrs error tree."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step: str | int = note.name if isinstance(note, AttributeValidationNote) else note.index
            for path, message in _messages(sub, note.type):
                yield (step, *path), message
        for sub in without:
            yield from _messages(sub, cl)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            allowed = _keys(exc.cl)
            yield (
                (key,),
                "is not a known key; " + (_hint(key, allowed).rstrip() or f"allowed keys: {', '.join(allowed)}"),
            )
    elif isinstance(exc, KeyError):
        table = is_dataclass(cl) or get_origin(cl) is dict
        yield (), "missing; expected a table" if table else "missing; it is required"
    elif isinstance(exc, _RefusedError):
        yield (), str(exc)
    else:
        yield (), f"is not allowed ({exc})"


def _where(path: tuple[str | int, ...]) -> str:
    """``("environments", "prod", "instance_variants", 1, "x")`` → ``environment 'prod': instance_variants[1].x: ``."""
    prefix = ""
    if len(path) >= 2 and path[0] == "environments":
        prefix, path = f"environment {path[1]!r}: ", path[2:]
    elif len(path) == 1 and path[0] not in ("models", "environments"):
        prefix = "top level: "
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{prefix}{text}: " if text else prefix
