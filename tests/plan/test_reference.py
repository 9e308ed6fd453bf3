"""The plan of the real reference cloud assembly (tests/fixtures/environments.toml, synthesised once for the
session by tests/conftest.py): the numbers the issue quotes for prod, and every environment priced."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cost import Assumptions
from sagemaker_serving.plan.planner import EnvironmentPlan, plan_assembly
from sagemaker_serving.plan.prices import PRICE_FILE, load_prices
from stacks.config import AppConfig
from tests.conftest import Synthesised

ASSUME = Assumptions(monday=datetime.date(2027, 1, 4))


@pytest.fixture(scope="module")
def plans(reference_assembly_dir: Path) -> dict[str, EnvironmentPlan]:
    return {p.environment.name: p for p in plan_assembly(reference_assembly_dir, prices=PRICE_FILE, assumptions=ASSUME)}


def test_every_reference_environment_is_planned_in_the_default_region(plans: dict[str, EnvironmentPlan]) -> None:
    assert list(plans) == ["dev", "staging", "prod"]
    assert {p.region for p in plans.values()} == {"us-east-1"}
    assert {p.environment.endpoints[0].inference_option for p in plans.values()} == {"serverless", "real-time"}


def test_prod_instance_hours_and_week(plans: dict[str, EnvironmentPlan]) -> None:
    prod = plans["prod"]
    assert prod.zone == "Europe/London"
    champion, challenger = prod.estimate.instance_hours
    assert (champion.variant, champion.at_min, champion.at_max) == ("champion", 1460, 5840)
    assert champion.scheduled == pytest.approx(466 / 168 * 730)  # weekdays 07:00-20:00 London at 4, else 2
    assert (challenger.at_min, challenger.scheduled, challenger.at_max) == (1460, 1460, 2920)
    week = prod.weeks[("EndpointEEF1FD8F", "champion")]
    assert week.floor[:24] == (2,) * 7 + (4,) * 13 + (2,) * 4


def test_prod_cost_is_its_instances_plus_its_fixed_and_request_items(plans: dict[str, EnvironmentPlan]) -> None:
    prod = plans["prod"]
    hourly = load_prices(PRICE_FILE, "us-east-1").instance_hour["ml.m5.large"].usd
    lines = {line.item: line.monthly for line in prod.estimate.lines}
    assert lines["champion: ml.m5.large × 2-8"] == pytest.approx(466 / 168 * 730 * hourly)
    assert lines["challenger: ml.m5.large × 2-4"] == pytest.approx(1460 * hourly)
    assert "VPC interface endpoints (6 × 2 AZs)" in lines and "WAF web ACL" in lines
    (keys,) = [item for item in lines if item.startswith("KMS keys (")]
    assert int(keys.removeprefix("KMS keys (").rstrip(")")) >= 3  # front door, volumes, WAF logs; then alarms, capture
    others = sum(lines.values()) - lines["champion: ml.m5.large × 2-8"] - lines["challenger: ml.m5.large × 2-4"]
    assert prod.estimate.total_at_min == pytest.approx(2920 * hourly + others)
    assert prod.estimate.total_at_max == pytest.approx(8760 * hourly + others)


def test_prod_capacity_check_matches_the_issue(plans: dict[str, EnvironmentPlan]) -> None:
    """champion 8 × 200/min ≈ 27 req/s at target, ≈ 30/s through its 90% weight; the stage admits 200/s."""
    capacity = plans["prod"].capacity
    champion = capacity.variants[0]
    assert round(champion.rps or 0) == 27 and round(champion.endpoint_rps or 0) == 30
    assert capacity.admits_rps == 200
    assert capacity.warnings[0].startswith("floods: the front door admits 200 req/s but the endpoint serves about 29.6")
    assert capacity.per_client == ("WAF RateLimitPerIp: 2,000 per 300 s per IP ≈ 6.7/s per client",)


def test_staging_admits_its_usage_plan_and_dev_is_serverless(plans: dict[str, EnvironmentPlan]) -> None:
    staging = plans["staging"]
    assert staging.capacity.admits_rps == 20
    assert staging.estimate.instance_hours[0].scheduled == 730
    dev = plans["dev"]
    assert dev.estimate.instance_hours == () and dev.weeks == {}
    assert dev.capacity.serves_rps == pytest.approx(5 / 0.1)  # 5 concurrent at 100 ms
    assert any(line.item == "champion: serverless compute" for line in dev.estimate.lines)


def test_in_eu_west_1_the_serverless_price_is_missing_and_named(reference_assembly_dir: Path) -> None:
    with pytest.raises(
        PlanError, match=r"dev: champion: serverless compute: no price 'sagemaker_serverless_gb_second' for eu-west-1"
    ):
        plan_assembly(reference_assembly_dir, prices=PRICE_FILE, assumptions=ASSUME, region="eu-west-1")
    (prod,) = plan_assembly(
        reference_assembly_dir, prices=PRICE_FILE, assumptions=ASSUME, region="eu-west-1", only="prod"
    )
    assert prod.region == "eu-west-1"


def test_any_configuration_is_planned_or_names_its_missing_prices(
    any_config: Synthesised, readme_edits_config: AppConfig
) -> None:
    """Whatever environments.toml holds: every environment is planned, or the only problems are prices the
    shipped file lacks (an instance type it does not list), each named."""
    try:
        plans = plan_assembly(any_config.assembly_dir, prices=PRICE_FILE, assumptions=ASSUME)
    except PlanError as exc:
        assert all("no price" in problem for problem in exc.problems[1:]), exc.problems
        return
    assert [p.environment.stack for p in plans] == [e.stack_name for e in any_config.config.environments.values()]
    for plan in plans:
        assert all(len(week.floor) == 168 for week in plan.weeks.values())
    if any_config.config == readme_edits_config:
        # The README's schedule edit: staging at 2 on weekdays 08:00-18:00 Paris time, else 1.
        staging = next(p for p in plans if p.environment.name == "staging")
        assert staging.zone == "Europe/Paris"
        assert staging.estimate.instance_hours[0].scheduled == pytest.approx((5 * 10 * 2 + 118 * 1) / 168 * 730)
