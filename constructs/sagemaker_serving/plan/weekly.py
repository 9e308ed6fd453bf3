"""A scalable target's capacity over one week, as its scheduled actions set it.

A scheduled action sets the target's ``MinCapacity`` and/or ``MaxCapacity`` when it fires; the value
holds until another action changes it (Application Auto Scaling, "Scheduled scaling"). The week shown
is the steady state of a repeating schedule: actions are replayed from seven days before the week, so
Monday 00:00 shows what Friday evening's action left. ``rate(...)`` actions set their values at every
run, so they hold all week; an ``at(...)`` action counts only when it falls inside the week.
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sagemaker_serving.plan.cron import fire_times
from sagemaker_serving.plan.model import Autoscaling, ScheduledAction

HOURS_PER_WEEK = 168
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Week:
    """Capacity over the week starting ``monday`` 00:00 in ``zone``."""

    zone: str
    monday: datetime.date
    #: Minimum (floor) and maximum (ceiling) at the start of each hour, Monday 00:00 first.
    floor: tuple[int, ...]
    ceiling: tuple[int, ...]
    #: Instance-hours over the week at the floor and at the ceiling (real time, to the second).
    floor_hours: float
    ceiling_hours: float
    #: Hours in the week: 168, or 167/169 when a daylight-saving change falls in it.
    hours: float = HOURS_PER_WEEK
    notes: tuple[str, ...] = ()

    @property
    def mean_floor(self) -> float:
        """The floor averaged over the week's real time."""
        return self.floor_hours / self.hours

    @property
    def mean_ceiling(self) -> float:
        return self.ceiling_hours / self.hours


def display_zone(actions: tuple[ScheduledAction, ...]) -> str:
    """The zone the schedules share, else UTC."""
    zones = {a.time_zone for a in actions}
    return zones.pop() if len(zones) == 1 else "UTC"


def expand_week(autoscaling: Autoscaling, zone: str, monday: datetime.date) -> Week:
    """``autoscaling``'s floor and ceiling over the week starting ``monday`` in ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.datetime(monday.year, monday.month, monday.day, tzinfo=tz).astimezone(datetime.UTC)
    end = datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time(), tz).astimezone(datetime.UTC)
    changes, notes = _changes(autoscaling.schedules, start - datetime.timedelta(days=7), end, start)
    states = _states(autoscaling, changes)
    hour_starts = [
        datetime.datetime.combine(monday, datetime.time(), tz) + datetime.timedelta(hours=h)
        for h in range(HOURS_PER_WEEK)
    ]
    sampled = [_state_at(states, at.astimezone(datetime.UTC)) for at in hour_starts]
    floor_hours, ceiling_hours = _integrate(states, start, end)
    return Week(
        zone=zone,
        monday=monday,
        floor=tuple(low for low, _ in sampled),
        ceiling=tuple(high for _, high in sampled),
        floor_hours=floor_hours,
        ceiling_hours=ceiling_hours,
        hours=(end - start).total_seconds() / 3600,
        notes=tuple(notes),
    )


State = tuple[datetime.datetime | None, int, int]


def _states(autoscaling: Autoscaling, changes: list[tuple[datetime.datetime, ScheduledAction]]) -> list[State]:
    """(from when, floor, ceiling), the first from the beginning of time; a ceiling below the floor
    counts as the floor."""
    low, high = autoscaling.min_capacity, autoscaling.max_capacity
    states: list[State] = [(None, low, max(low, high))]
    for at, action in changes:
        low = action.min_capacity if action.min_capacity is not None else low
        high = action.max_capacity if action.max_capacity is not None else high
        states.append((at, low, max(low, high)))
    return states


def _state_at(states: list[State], at: datetime.datetime) -> tuple[int, int]:
    current = states[0]
    for state in states[1:]:
        if state[0] is not None and state[0] <= at:
            current = state
    return current[1], current[2]


def _integrate(states: list[State], start: datetime.datetime, end: datetime.datetime) -> tuple[float, float]:
    """Floor-hours and ceiling-hours between ``start`` and ``end``."""
    floor_hours = ceiling_hours = 0.0
    for i, (since, low, high) in enumerate(states):
        until = states[i + 1][0] if i + 1 < len(states) else end
        begin = max(since or start, start)
        finish = min(until or end, end)
        if finish > begin:
            hours = (finish - begin).total_seconds() / 3600
            floor_hours += low * hours
            ceiling_hours += high * hours
    return floor_hours, ceiling_hours


def flat_week(floor: int, ceiling: int, zone: str, monday: datetime.date) -> Week:
    """A week with no schedule: the same floor and ceiling every hour."""
    return Week(
        zone=zone,
        monday=monday,
        floor=(floor,) * HOURS_PER_WEEK,
        ceiling=(ceiling,) * HOURS_PER_WEEK,
        floor_hours=float(floor * HOURS_PER_WEEK),
        ceiling_hours=float(ceiling * HOURS_PER_WEEK),
    )


def _changes(
    actions: tuple[ScheduledAction, ...],
    start: datetime.datetime,
    end: datetime.datetime,
    week_start: datetime.datetime,
) -> tuple[list[tuple[datetime.datetime, ScheduledAction]], list[str]]:
    """Every firing between ``start`` and ``end``, in time order (actions firing together keep their
    template order)."""
    changes: list[tuple[datetime.datetime, int, ScheduledAction]] = []
    notes = []
    for order, action in enumerate(actions):
        if action.schedule.startswith("cron("):
            changes += [(at, order, action) for at in fire_times(action.schedule, action.time_zone, start, end)]
        elif action.schedule.startswith("rate("):
            changes.append((start, order, action))
            notes.append(f"{action.name}: {action.schedule} sets its values at every run; shown as holding all week")
        elif action.schedule.startswith("at("):
            at = datetime.datetime.fromisoformat(action.schedule[3:-1]).replace(tzinfo=ZoneInfo(action.time_zone))
            if week_start <= at < end:
                changes.append((at, order, action))
            else:
                notes.append(f"{action.name}: {action.schedule} runs once, outside the week shown")
    changes.sort(key=lambda change: (change[0], change[1]))
    return [(at, action) for at, _, action in changes], notes
