"""Validation errors raised when constructs or configuration are built."""

from __future__ import annotations

from collections.abc import Iterable


class ValidationError(ValueError):
    """One or more invalid inputs, reported together.

    Every problem names the field, the bad value and what is allowed, so a user can fix all of them
    in one pass instead of one per synth.
    """

    def __init__(self, subject: str, problems: Iterable[str]) -> None:
        self.subject = subject
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{subject}: {len(self.problems)} problem(s)\n{lines}")


def raise_if_problems(subject: str, problems: list[str]) -> None:
    """Raise :class:`ValidationError` for ``subject`` when ``problems`` is not empty."""
    if problems:
        raise ValidationError(subject, problems)
