"""Application Auto Scaling schedule expressions: the forms and fields the docs give, and nothing else."""

from __future__ import annotations

import pytest

from sagemaker_serving.schedules import schedule_problems


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 7 ? * MON-FRI *)",  # the reference configuration's
        "cron(0 20 ? * MON-FRI *)",
        "cron(30 6 ? * MON *)",  # the Application Auto Scaling user guide's example
        "cron(0 10 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 LW * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 0 ? * 3#2 *)",
        "cron(0 0 ? * 1,3,5 *)",
        "cron(0 0 ? JAN-MAR mon-fri 2027-2030)",
        "cron(*/10 * ? * * *)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(7 days)",
        "at(2027-01-31T18:00:00)",
    ],
)
def test_valid_expressions_pass(expression: str) -> None:
    assert schedule_problems("schedule", expression) == []


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        (
            "cron(0 20 * * MON-FRI)",
            "Application Auto Scaling cron expressions have six fields, cron(Minutes Hours Day-of-month Month "
            "Day-of-week Year), not 5: did you mean 'cron(0 20 ? * MON-FRI *)'?",
        ),
        ("cron(0 0 1 * *)", "not 5: did you mean 'cron(0 0 1 * ? *)'?"),
        # Unix Sunday is 0; here it is 1: no suggestion that would itself be refused.
        ("cron(0 0 * * 0)", "six fields, cron(Minutes Hours Day-of-month Month Day-of-week Year), not 5"),
        ("cron(0 0 0 20 ? * MON-FRI *)", "not 8"),
        (
            "cron(0 10 * * * *)",
            "Day-of-month '*' and Day-of-week '*': exactly one of the two must be '?' "
            "(give a day of the month or a day of the week, not both)",
        ),
        ("cron(0 10 ? * ? *)", "Day-of-month '?' and Day-of-week '?': exactly one of the two must be '?'"),
        ("cron(60 7 ? * MON *)", "Minutes '60' is outside what the field takes: 0-59 with the wildcards , - * /"),
        ("cron(0 24 ? * MON *)", "Hours '24' is outside what the field takes: 0-23"),
        (
            "cron(0 7 32 * ? *)",
            "Day-of-month '32' is outside what the field takes: 1-31 with the wildcards , - * ? / L W",
        ),
        ("cron(0 7 1 13 ? *)", "Month '13' is outside what the field takes: 1-12 or JAN-DEC"),
        (
            "cron(0 7 ? * 8 *)",
            "Day-of-week '8' is outside what the field takes: 1-7 or SUN-SAT with the wildcards , - * ? L #",
        ),
        ("cron(0 7 ? * MON-FRI/2 *)", "Day-of-week 'MON-FRI/2' is outside what the field takes"),
        ("cron(0 7 ? * MON 1969)", "Year '1969' is outside what the field takes: 1970-2199"),
        ("cron(*/0 7 ? * MON *)", "Minutes '*/0' is outside what the field takes"),
        ("cron(0 7 ? * 3#6 *)", "Day-of-week '3#6' is outside what the field takes"),
        (
            "cron(0 7 ? * 3#1,6#3 *)",
            "Day-of-week '3#1,6#3' has '#' and more than one expression; with '#' it holds one only",
        ),
        ("cron(0 7 ? * MON *", "expected cron(Minutes Hours Day-of-month Month Day-of-week Year), rate(N unit) or at("),
        ("rate(0 minutes)", "rate(value unit) takes a positive integer value, not '0'"),
        ("rate(1.5 hours)", "rate(value unit) takes a positive integer value, not '1.5'"),
        ("rate(5 mins)", "rate(value unit) takes the unit minute | minutes | hour | hours | day | days, not 'mins'"),
        ("rate(5minutes)", "rate(value unit) takes a value and a unit separated by a space, such as rate(5 minutes)"),
        ("at(2027-02-30T10:00:00)", "and '2027-02-30T10:00:00' is not a real date and time"),
        ("at(2027-01-31 18:00:00)", "at(yyyy-mm-ddThh:mm:ss) takes a date and time such as at(2027-01-31T18:00:00)"),
        ("every day", "expected cron(Minutes Hours Day-of-month Month Day-of-week Year), rate(N unit) or at("),
        ("", "expected cron("),
    ],
)
def test_invalid_expressions_say_why(expression: str, reason: str) -> None:
    problems = schedule_problems("schedules[0].schedule", expression)
    assert problems, expression
    assert problems[0].startswith(f"schedules[0].schedule: {expression!r} is not allowed; ")
    assert any(reason in p for p in problems), problems


def test_every_bad_field_is_reported() -> None:
    problems = schedule_problems("s", "cron(60 24 32 13 8 1969)")
    assert [p.split("; ", 1)[1].split(" ", 1)[0] for p in problems] == [
        "Minutes",
        "Hours",
        "Day-of-month",
        "Month",
        "Day-of-week",
        "Year",
        "Day-of-month",  # ... and both day fields are given
    ]


def test_a_non_string_is_refused() -> None:
    assert schedule_problems("s", 5) == [
        "s: 5 is not allowed; expected cron(Minutes Hours Day-of-month Month Day-of-week Year), rate(N unit) or "
        "at(yyyy-mm-ddThh:mm:ss)"
    ]
