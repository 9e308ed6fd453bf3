"""The rehearsal's report: one :class:`Check` per fact, gathered into a :class:`Report`.

The check modules (``rehearsal.verify_*``) append to :class:`_Checks`, one per area of the report, and
share what is here: :data:`ClientFactory` (how they get boto3 clients) and :func:`_name_from_arn`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

#: Makes a boto3 client for a service name (``MotoServer.client``): what every check takes.
ClientFactory = Callable[[str], Any]


class Status(Enum):
    """The outcome of one check."""

    PASSED = "ok"
    FAILED = "FAIL"
    TEMPLATE = "tmpl"
    ABSENT = "--"


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    area: str
    name: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Report:
    """Every check of one deployed stack."""

    stack_name: str
    checks: tuple[Check, ...]
    #: A line printed under the title (what moto skipped: :func:`skipped_summary`).
    note: str = ""

    @property
    def failures(self) -> tuple[Check, ...]:
        """The failed checks."""
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    @property
    def ok(self) -> bool:
        """No check failed."""
        return not self.failures

    def of(self, status: Status) -> tuple[Check, ...]:
        """The checks with ``status``."""
        return tuple(c for c in self.checks if c.status is status)

    def render(self, where: str = "moto") -> str:
        """A readable, plain-text report."""
        lines = [f"Deploy rehearsal of {self.stack_name} on {where}", *([self.note] if self.note else []), ""]
        sections = (
            ("Verified on the emulator", (Status.PASSED, Status.FAILED)),
            ("Checked by the template tests (moto accepts these but does not emulate them)", (Status.TEMPLATE,)),
            ("Not in this stack", (Status.ABSENT,)),
        )
        for title, statuses in sections:
            checks = [c for c in self.checks if c.status in statuses]
            if not checks:
                continue
            lines.append(title)
            area = None
            for c in checks:
                if c.area != area:
                    area = c.area
                    lines.append(f"  {area}")
                detail = f": {c.detail}" if c.detail else ""
                lines.append(f"    [{c.status.value:^4}] {c.name}{detail}")
            lines.append("")
        counts = Counter(c.status for c in self.checks)
        lines.append(
            f"{counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
            f"{counts[Status.TEMPLATE]} checked by the template tests, {counts[Status.ABSENT]} not in this stack."
        )
        return "\n".join(lines)


@dataclass
class _Checks:
    area: str
    out: list[Check] = field(default_factory=list)

    def expect(self, name: str, ok: bool, detail: str = "", failure: str = "") -> bool:
        self.out.append(Check(self.area, name, Status.PASSED if ok else Status.FAILED, detail if ok else failure))
        return ok

    def equal(self, name: str, actual: Any, expected: Any) -> bool:
        return self.expect(name, actual == expected, _short(actual), f"expected {expected!r}, got {actual!r}")

    def template(self, name: str, detail: str = "") -> None:
        self.out.append(Check(self.area, name, Status.TEMPLATE, detail))

    def absent(self, name: str, detail: str = "") -> None:
        self.out.append(Check(self.area, name, Status.ABSENT, detail))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 100 else text[:97] + "..."


def _name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def failures_text(checks: Iterable[Check]) -> str:
    """The failed checks, one per line (for assertion messages)."""
    return "\n".join(f"{c.area}: {c.name}: {c.detail}" for c in checks if c.status is Status.FAILED)
