"""Checks shared by the front door's parts: each returns problems that name the field, the value and what
is allowed, for the front door to collect into one :class:`~sagemaker_serving.ValidationError`."""

from __future__ import annotations

import re

#: A lower-case media type, ``type/subtype`` or ``type/*``.
MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$")


def integer_problems(where: str, value: object, low: int, high: int, what: str = "") -> list[str]:
    """``value`` must be an ``int`` (not a ``bool``) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"{where}: {value!r} is not allowed; must be an integer from {low} to {high}{what}"]
    return []


def number_problems(where: str, value: object, low: float, high: float, *, low_open: bool = False) -> list[str]:
    """``value`` must be a number (not a ``bool``) in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok:
        assert isinstance(value, int | float)
        ok = (low < value if low_open else low <= value) and value <= high
    if not ok:
        bound = f"> {low:g}" if low_open else f"≥ {low:g}"
        return [f"{where}: {value!r} is not allowed; must be a number {bound} and ≤ {high:g}"]
    return []
