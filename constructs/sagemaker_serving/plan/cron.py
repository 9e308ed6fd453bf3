"""When a six-field Application Auto Scaling ``cron(...)`` expression fires, in its time zone.

Fields: ``Minutes Hours Day-of-month Month Day-of-week Year`` (Day-of-week 1-7 is SUN-SAT), with the
wildcards ``, - * / ?`` everywhere they are allowed, ``L`` and ``W`` in Day-of-month, ``L`` and ``#`` in
Day-of-week; :mod:`sagemaker_serving.schedules` checks the grammar and cites the AWS reference.
A local time a daylight-saving change skips is taken as written (``zoneinfo`` fold 0).
https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.schedules import schedule_problems

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
DayTest = Callable[[datetime.date], bool]


def fire_times(expression: str, zone: str, start: datetime.datetime, end: datetime.datetime) -> list[datetime.datetime]:
    """The aware datetimes in ``[start, end)`` at which ``cron(...)`` ``expression`` fires in ``zone``.

    :raises PlanError: the expression is not a valid six-field cron expression.
    """
    problems = schedule_problems("schedule", expression)
    if problems or not expression.startswith("cron("):
        raise PlanError(problems or [f"schedule: {expression!r} is not a cron(...) expression"])
    minutes, hours, day_of_month, month, day_of_week, year = expression[5:-1].split()
    tz = ZoneInfo(zone)
    minute_set, hour_set = _values(minutes, 0, 59), _values(hours, 0, 23)
    month_set, year_set = _values(month, 1, 12, _MONTHS), _values(year, 1970, 2199)
    day_test = _day_of_month(day_of_month) if day_of_week == "?" else _day_of_week(day_of_week)
    fired = []
    for day in _days(start.astimezone(tz).date(), end.astimezone(tz).date()):
        if day.month not in month_set or day.year not in year_set or not day_test(day):
            continue
        for hour in sorted(hour_set):
            for minute in sorted(minute_set):
                at = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                if start <= at < end:
                    fired.append(at)
    return fired


def _days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _values(field: str, low: int, high: int, names: tuple[str, ...] = ()) -> set[int]:
    """The numbers a field (``*``, values, ranges, lists, ``/`` steps, names) stands for."""
    found: set[int] = set()
    for item in field.split(","):
        base, _, step = item.partition("/")
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            first, last = (_number(part, low, names) for part in base.split("-", 1))
        else:
            first = _number(base, low, names)
            last = high if step else first
        found.update(range(first, last + 1, int(step) if step else 1))
    return found


def _number(token: str, low: int, names: tuple[str, ...]) -> int:
    upper = token.upper()
    return low + names.index(upper) if upper in names else int(token)


def _day_of_month(field: str) -> DayTest:
    """Day-of-month: values, ranges and steps, ``L`` (last day), ``LW`` (last weekday), ``15W`` (the
    weekday nearest the 15th, within the month)."""
    if field in ("L", "LW"):
        return lambda d: d == _last_day(d) if field == "L" else d == _weekday_on_or_before(_last_day(d))
    if field.endswith("W"):
        wanted = int(field[:-1])
        return lambda d: d == _nearest_weekday(d, wanted)
    days = _values(field, 1, 31)
    return lambda d: d.day in days


def _day_of_week(field: str) -> DayTest:
    """Day-of-week (1-7 or SUN-SAT): values and ranges, ``L`` (Saturday), ``6L`` (the last Friday of
    the month), ``3#2`` (the second Tuesday of the month)."""
    upper = field.upper()
    if upper == "L":
        return lambda d: _aws_weekday(d) == 7
    if upper.endswith("L"):
        weekday = _number(upper[:-1], 1, _DAYS)
        return lambda d: _aws_weekday(d) == weekday and (d + datetime.timedelta(days=7)).month != d.month
    if "#" in upper:
        day, nth = upper.split("#")
        weekday = _number(day, 1, _DAYS)
        return lambda d: _aws_weekday(d) == weekday and (d.day - 1) // 7 + 1 == int(nth)
    weekdays = _values(upper, 1, 7, _DAYS)
    return lambda d: _aws_weekday(d) in weekdays


def _aws_weekday(day: datetime.date) -> int:
    """1 (Sunday) to 7 (Saturday), as cron's Day-of-week counts."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _weekday_on_or_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _nearest_weekday(day: datetime.date, wanted: int) -> datetime.date | None:
    last = _last_day(day).day
    if wanted > last:
        return None
    target = day.replace(day=wanted)
    if target.weekday() == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return target - datetime.timedelta(days=1) if wanted > 1 else target + datetime.timedelta(days=2)
    if target.weekday() == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return target + datetime.timedelta(days=1) if wanted < last else target - datetime.timedelta(days=2)
    return target
