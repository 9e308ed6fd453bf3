"""Application Auto Scaling schedule expressions: ``at(...)``, ``rate(...)`` and six-field ``cron(...)``.

The forms (``PutScheduledAction`` ``Schedule``, and ``AWS::ApplicationAutoScaling::ScalableTarget``
``ScheduledAction.Schedule``):

- ``at(yyyy-mm-ddThh:mm:ss)``: once;
- ``rate(value unit)``: value a positive integer, unit ``minute | minutes | hour | hours | day | days``;
- ``cron(fields)``: six fields separated by white space, ``[Minutes] [Hours] [Day_of_Month] [Month]
  [Day_of_Week] [Year]``, e.g. ``cron(30 6 ? * MON *)``. This is not the five-field Unix cron of
  EC2 Auto Scaling.

Sources: https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html,
https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
and, for each field's values and wildcards, the cron reference it links to,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html:

=============  ==================  ==================
Field          Values              Wildcards
=============  ==================  ==================
Minutes        0-59                , - * /
Hours          0-23                , - * /
Day-of-month   1-31                , - * ? / L W
Month          1-12 or JAN-DEC     , - * /
Day-of-week    1-7 or SUN-SAT      , - * ? L #
Year           1970-2199           , - * /
=============  ==================  ==================

Day-of-month and Day-of-week cannot both be given: one of them is ``?``. With ``#``, Day-of-week
holds that one expression only.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

FORMS = "cron(Minutes Hours Day-of-month Month Day-of-week Year), rate(N unit) or at(yyyy-mm-ddThh:mm:ss)"

_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_RATE_UNITS = ("minute", "minutes", "hour", "hours", "day", "days")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    wildcards: str
    names: tuple[str, ...] = ()

    def value(self, token: str) -> int | None:
        """The number a single value stands for (a number or a name), or ``None``."""
        upper = token.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        if token.isdigit():
            number = int(token)
            return number if self.low <= number <= self.high else None
        return None

    def allowed(self) -> str:
        names = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
        return f"{self.low}-{self.high}{names} with the wildcards {self.wildcards}"


_FIELDS = (
    _Field("Minutes", 0, 59, ", - * /"),
    _Field("Hours", 0, 23, ", - * /"),
    _Field("Day-of-month", 1, 31, ", - * ? / L W"),
    _Field("Month", 1, 12, ", - * /", _MONTHS),
    _Field("Day-of-week", 1, 7, ", - * ? L #", _DAYS),
    _Field("Year", 1970, 2199, ", - * /"),
)
_DAY_OF_MONTH, _DAY_OF_WEEK = 2, 4


def schedule_problems(where: str, expression: object) -> list[str]:
    """Every way ``expression`` is not a valid Application Auto Scaling schedule, prefixed with ``where``."""
    if not isinstance(expression, str):
        return [f"{where}: {expression!r} is not allowed; expected {FORMS}"]
    kind, _, rest = expression.partition("(")
    body = rest[:-1] if rest.endswith(")") else None
    if kind == "cron" and body is not None:
        reasons = _cron_reasons(body.split())
    elif kind == "rate" and body is not None:
        reasons = _rate_reasons(body)
    elif kind == "at" and body is not None:
        reasons = _at_reasons(body)
    else:
        reasons = [f"expected {FORMS}"]
    return [f"{where}: {expression!r} is not allowed; {reason}" for reason in reasons]


def _at_reasons(body: str) -> list[str]:
    expected = "at(yyyy-mm-ddThh:mm:ss) takes a date and time such as at(2027-01-31T18:00:00)"
    if not _AT.match(body):
        return [expected]
    try:
        datetime.datetime.strptime(body, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return [f"{expected}, and {body!r} is not a real date and time"]
    return []


def _rate_reasons(body: str) -> list[str]:
    parts = body.split()
    if len(parts) != 2:
        return ["rate(value unit) takes a value and a unit separated by a space, such as rate(5 minutes)"]
    value, unit = parts
    reasons = []
    if not value.isdigit() or int(value) < 1:
        reasons.append(f"rate(value unit) takes a positive integer value, not {value!r}")
    if unit not in _RATE_UNITS:
        reasons.append(f"rate(value unit) takes the unit {' | '.join(_RATE_UNITS)}, not {unit!r}")
    return reasons


def _cron_reasons(fields: list[str]) -> list[str]:
    if len(fields) != len(_FIELDS):
        hint = _six_field_hint(fields)
        return [
            f"Application Auto Scaling cron expressions have six fields, "
            f"cron(Minutes Hours Day-of-month Month Day-of-week Year), not {len(fields)}{hint}"
        ]
    reasons = [reason for field, token in zip(_FIELDS, fields, strict=True) for reason in _field_reasons(field, token)]
    day_of_month, day_of_week = fields[_DAY_OF_MONTH], fields[_DAY_OF_WEEK]
    if (day_of_month == "?") == (day_of_week == "?"):
        reasons.append(
            f"Day-of-month {day_of_month!r} and Day-of-week {day_of_week!r}: exactly one of the two must be '?' "
            "(give a day of the month or a day of the week, not both)"
        )
    return reasons


def _six_field_hint(fields: list[str]) -> str:
    """For a five-field (Unix) cron, the six-field expression most likely meant, when that one is valid."""
    if len(fields) != len(_FIELDS) - 1:
        return ""
    minute, hour, day_of_month, month, day_of_week = fields
    if day_of_week in ("*", "?"):
        day_of_week = "?"
        day_of_month = "*" if day_of_month == "?" else day_of_month
    else:
        day_of_month = "?"
    candidate = [minute, hour, day_of_month, month, day_of_week, "*"]
    return "" if _cron_reasons(candidate) else f": did you mean 'cron({' '.join(candidate)})'?"


def _field_reasons(field: _Field, token: str) -> list[str]:
    problem = f"{field.name} {token!r} is outside what the field takes: {field.allowed()}"
    if token == "?":
        return [] if "?" in field.wildcards else [problem]
    items = token.split(",")
    if field.name == "Day-of-week" and "#" in token and len(items) > 1:
        return [f"{field.name} {token!r} has '#' and more than one expression; with '#' it holds one only"]
    return [problem] if not all(_item_ok(field, item) for item in items) else []


def _item_ok(field: _Field, item: str) -> bool:
    """One comma-separated item: ``*``, a value, a range, either with ``/increment``, or an L/W/# form."""
    base, slash, increment = item.partition("/")
    if slash:
        if "/" not in field.wildcards or not increment.isdigit() or int(increment) < 1:
            return False
        return base == "*" or _range_ok(field, base)
    if base == "*":
        return True
    if field.name == "Day-of-month":
        if base in ("L", "LW"):
            return True
        if base.endswith("W"):
            return field.value(base[:-1]) is not None
    if field.name == "Day-of-week":
        upper = base.upper()
        if upper == "L":
            return True
        if upper.endswith("L"):  # 6L: the last Friday of the month
            return field.value(base[:-1]) is not None
        day, hash_sign, nth = base.partition("#")
        if hash_sign:  # 3#2: the second Tuesday of the month
            return field.value(day) is not None and nth in ("1", "2", "3", "4", "5")
    return _range_ok(field, base)


def _range_ok(field: _Field, text: str) -> bool:
    first, dash, last = text.partition("-")
    if not dash:
        return field.value(first) is not None
    return field.value(first) is not None and field.value(last) is not None
