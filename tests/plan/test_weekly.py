"""Scheduled actions over a week, worked out by hand, in the schedule's time zone."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cron import fire_times
from sagemaker_serving.plan.model import Autoscaling, ScheduledAction
from sagemaker_serving.plan.weekly import HOURS_PER_WEEK, display_zone, expand_week

LONDON = "Europe/London"
#: The reference prod's champion: 2 to 8 instances, a floor of 4 on weekdays 07:00-20:00 London time.
WEEKDAY_FLOOR = Autoscaling(
    min_capacity=2,
    max_capacity=8,
    target_invocations=200,
    schedules=(
        ScheduledAction("weekday-floor-up", "cron(0 7 ? * MON-FRI *)", LONDON, min_capacity=4),
        ScheduledAction("weekday-floor-down", "cron(0 20 ? * MON-FRI *)", LONDON, min_capacity=2),
    ),
)
WINTER_MONDAY = datetime.date(2027, 1, 4)  # GMT = UTC all week
SUMMER_MONDAY = datetime.date(2027, 6, 7)  # BST = UTC+1 all week
CLOCKS_FORWARD_WEEK = datetime.date(2027, 3, 22)  # Sunday 2027-03-28 01:00 UTC: clocks go forward


def test_weekday_floor_by_hour_in_the_schedule_zone() -> None:
    week = expand_week(WEEKDAY_FLOOR, LONDON, WINTER_MONDAY)

    weekday = (2,) * 7 + (4,) * 13 + (2,) * 4  # 07:00-19:59 at 4: 13 hours
    weekend = (2,) * 24
    assert week.floor == weekday * 5 + weekend * 2
    assert week.ceiling == (8,) * HOURS_PER_WEEK
    # 5 days × 13 h × 4 + (168 - 65) h × 2 = 260 + 206
    assert week.floor_hours == 466
    assert week.ceiling_hours == 8 * 168
    assert week.hours == 168
    assert week.mean_floor == pytest.approx(466 / 168)


def test_monday_morning_shows_what_friday_evening_left() -> None:
    """The week is the steady state: Friday 20:00's action (min 2) holds over the weekend into Monday."""
    floor_up_only = Autoscaling(2, 8, schedules=(ScheduledAction("up", "cron(0 7 ? * FRI *)", LONDON, min_capacity=5),))
    week = expand_week(floor_up_only, LONDON, WINTER_MONDAY)
    assert week.floor[0] == 5  # Monday 00:00, set last Friday 07:00
    assert week.floor[4 * 24 + 6] == 5 and week.floor[4 * 24 + 7] == 5
    assert set(week.floor) == {5}


def test_the_same_schedule_seen_in_utc_moves_with_summer_time() -> None:
    winter = expand_week(WEEKDAY_FLOOR, "UTC", WINTER_MONDAY)
    summer = expand_week(WEEKDAY_FLOOR, "UTC", SUMMER_MONDAY)
    assert winter.floor[:24] == (2,) * 7 + (4,) * 13 + (2,) * 4
    assert summer.floor[:24] == (2,) * 6 + (4,) * 13 + (2,) * 5  # 07:00 BST is 06:00 UTC
    assert winter.floor_hours == summer.floor_hours == 466


def test_a_week_with_a_clock_change_has_167_hours() -> None:
    week = expand_week(WEEKDAY_FLOOR, LONDON, CLOCKS_FORWARD_WEEK)
    assert week.hours == 167
    assert week.floor_hours == 466 - 2  # the lost Sunday hour was at the floor of 2
    assert week.floor[:24] == (2,) * 7 + (4,) * 13 + (2,) * 4


def test_max_capacity_schedules_and_a_ceiling_below_the_floor() -> None:
    nightly_cap = Autoscaling(
        1,
        10,
        schedules=(
            ScheduledAction("night", "cron(0 22 * * ? *)", "UTC", max_capacity=2),
            ScheduledAction("day", "cron(0 6 * * ? *)", "UTC", max_capacity=10),
        ),
    )
    week = expand_week(nightly_cap, "UTC", WINTER_MONDAY)
    assert week.ceiling[:24] == (2,) * 6 + (10,) * 16 + (2,) * 2
    assert week.ceiling_hours == 7 * (8 * 2 + 16 * 10)  # 1232
    assert week.floor_hours == 168

    inverted = Autoscaling(5, 3)
    assert set(expand_week(inverted, "UTC", WINTER_MONDAY).ceiling) == {5}


def test_rate_and_at_actions_are_noted() -> None:
    actions = (
        ScheduledAction("always", "rate(1 hour)", "UTC", min_capacity=3),
        ScheduledAction("launch", "at(2027-01-06T12:00:00)", "UTC", min_capacity=6),
        ScheduledAction("old", "at(2026-01-01T00:00:00)", "UTC", min_capacity=9),
    )
    week = expand_week(Autoscaling(1, 10, schedules=actions), "UTC", WINTER_MONDAY)
    assert week.floor[0] == 3
    assert week.floor[2 * 24 + 11] == 3 and week.floor[2 * 24 + 12] == 6  # Wednesday noon
    assert week.floor[-1] == 6
    assert any("rate(1 hour)" in note and "all week" in note for note in week.notes)
    assert any("old" in note and "outside the week" in note for note in week.notes)


def test_display_zone_is_shared_zone_or_utc() -> None:
    assert display_zone(WEEKDAY_FLOOR.schedules) == LONDON
    assert display_zone((*WEEKDAY_FLOOR.schedules, ScheduledAction("x", "rate(1 day)", "Europe/Paris"))) == "UTC"
    assert display_zone(()) == "UTC"


@pytest.mark.parametrize(
    ("expression", "expected_days"),
    [
        ("cron(0 9 ? * 6L *)", [29]),  # the last Friday of January 2027
        ("cron(0 9 ? * 3#2 *)", [12]),  # the second Tuesday
        ("cron(0 9 L * ? *)", [31]),  # the last day of the month
        ("cron(0 9 LW * ? *)", [29]),  # the last weekday: Sunday 31 → Friday 29
        ("cron(0 9 16W * ? *)", [15]),  # the 16th is a Saturday: the Friday before
        ("cron(0 9 17W * ? *)", [18]),  # the 17th is a Sunday: the Monday after
        ("cron(0 9 1/10 * ? *)", [1, 11, 21, 31]),
        ("cron(0 9 ? * SAT,SUN 2027)", [2, 3, 9, 10, 16, 17, 23, 24, 30, 31]),
        ("cron(0 9 ? * SAT,SUN 2028)", []),
        ("cron(0 9 * FEB ? *)", []),
    ],
)
def test_cron_day_forms_in_january_2027(expression: str, expected_days: list[int]) -> None:
    utc = ZoneInfo("UTC")
    start = datetime.datetime(2027, 1, 1, tzinfo=utc)
    end = datetime.datetime(2027, 2, 1, tzinfo=utc)
    fired = fire_times(expression, "UTC", start, end)
    assert [at.day for at in fired] == expected_days
    assert all((at.hour, at.minute) == (9, 0) for at in fired)


def test_cron_minutes_and_hours_lists_ranges_and_steps() -> None:
    utc = ZoneInfo("UTC")
    start = datetime.datetime(2027, 1, 4, tzinfo=utc)
    fired = fire_times("cron(0/20 8-9,17 ? * MON *)", "UTC", start, start + datetime.timedelta(days=1))
    assert [(at.hour, at.minute) for at in fired] == [
        (8, 0),
        (8, 20),
        (8, 40),
        (9, 0),
        (9, 20),
        (9, 40),
        (17, 0),
        (17, 20),
        (17, 40),
    ]


def test_an_invalid_cron_is_a_plan_error_naming_it() -> None:
    utc = ZoneInfo("UTC")
    start = datetime.datetime(2027, 1, 4, tzinfo=utc)
    with pytest.raises(PlanError, match=r"'cron\(0 7 \* \* MON-FRI\)' is not allowed; .*six fields"):
        fire_times("cron(0 7 * * MON-FRI)", "UTC", start, start + datetime.timedelta(days=1))
