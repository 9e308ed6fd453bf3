"""Monthly estimates of fixture environments, each number worked out by hand from the round prices of
tests/plan/builders.py (ml.m5.large $0.10 an hour, serverless $0.00002 a GB-second, …)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from sagemaker_serving.plan.assembly import environment_from_template
from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cost import Assumptions
from sagemaker_serving.plan.planner import EnvironmentPlan, plan_assembly, plan_environment
from sagemaker_serving.plan.prices import load_prices
from tests.plan.builders import (
    autoscaling,
    endpoint,
    front_door,
    instance_variant,
    interface_endpoints,
    schedule,
    serverless_variant,
    template,
    web_acl,
    write_assembly,
)

WINTER_MONDAY = datetime.date(2027, 1, 4)
WEEKDAY_FLOOR = [
    schedule("up", "cron(0 7 ? * MON-FRI *)", min_capacity=4, time_zone="Europe/London"),
    schedule("down", "cron(0 20 ? * MON-FRI *)", min_capacity=2, time_zone="Europe/London"),
]


def plan_of(resources: dict[str, object], prices: Path, **assume: object) -> EnvironmentPlan:
    env = environment_from_template(resources, stack="S", name="env", region="us-east-1")
    book = load_prices(prices, "us-east-1")
    result = plan_environment(env, book, Assumptions(monday=WINTER_MONDAY, **assume), region="us-east-1")  # type: ignore[arg-type]
    assert book.missing == []
    return result


def test_scheduled_instances_at_min_as_scheduled_and_at_max(prices: Path) -> None:
    plan = plan_of(
        template(
            endpoint([instance_variant("champion", count=2)]), autoscaling("champion", 2, 8, schedules=WEEKDAY_FLOOR)
        ),
        prices,
    )

    (hours,) = plan.estimate.instance_hours
    # 466 instance-hours a week (see test_weekly) over 168 hours, times 730 hours a month
    assert hours.scheduled == pytest.approx(466 / 168 * 730)  # 2,024.88
    assert (hours.at_min, hours.at_max) == (2 * 730, 8 * 730)
    data = 1_000_000 * 4 / 1_000_000 * 0.02  # 4 GB in + out at $0.02
    assert plan.estimate.total_scheduled == pytest.approx(466 / 168 * 730 * 0.10 + data)  # $202.57
    assert plan.estimate.total_at_min == pytest.approx(146 + data)
    assert plan.estimate.total_at_max == pytest.approx(584 + data)
    assert [line.item for line in plan.estimate.lines] == ["champion: ml.m5.large × 2-8", "SageMaker data in + out"]


def test_serverless_environment_at_two_million_requests_a_month(prices: Path) -> None:
    plan = plan_of(
        template(endpoint([serverless_variant("champion", 2048, 10)]), front_door(memory_mb=512)),
        prices,
        requests_per_month=2_000_000,
        latency_ms=200,
    )
    monthly = {line.item: line.monthly for line in plan.estimate.lines}
    assert monthly == pytest.approx(
        {
            "SageMaker data in + out": 8 * 0.02,  # 2M × 4 KB = 8 GB
            "champion: serverless compute": 2_000_000 * 0.2 * 2 * 0.00002,  # 800,000 GB-s = $16
            "API Gateway REST requests": 2 * 3.50,
            "Lambda requests": 2 * 0.20,
            "Lambda compute (512 MB, arm64)": 2_000_000 * 0.2 * 0.5 * 0.00001,  # 200,000 GB-s = $2
            "CloudWatch Logs ingestion": 2 * 0.50,  # 2M × 1,000 bytes = 2 GB
        }
    )
    assert plan.estimate.total_scheduled == pytest.approx(26.56)
    assert plan.estimate.instance_hours == ()
    assert plan.estimate.total_at_min == plan.estimate.total_at_max == plan.estimate.total_scheduled


def test_api_gateway_tiers_and_fixed_costs(prices: Path) -> None:
    plan = plan_of(
        template(
            endpoint([instance_variant("a")]),
            front_door(),
            web_acl(1000),
            interface_endpoints(6, 2),
            {"K": {"Type": "AWS::KMS::Key"}},
        ),
        prices,
        requests_per_month=400_000_000,
    )
    monthly = {line.item: line.monthly for line in plan.estimate.lines}
    assert monthly["API Gateway REST requests"] == pytest.approx(333 * 3.50 + 67 * 2.80)  # $1,353.10
    assert monthly["WAF web ACL"] == 5 and monthly["WAF rules (2)"] == 2
    assert monthly["WAF requests"] == pytest.approx(400 * 0.60)
    assert monthly["VPC interface endpoints (6 × 2 AZs)"] == pytest.approx(12 * 730 * 0.01)  # $87.60
    assert monthly["KMS keys (1)"] == 1


def test_a_canary_update_keeps_the_old_fleet_through_both_bakes_and_the_termination_wait(prices: Path) -> None:
    canary = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                "WaitIntervalInSeconds": 600,
            },
            "TerminationWaitInSeconds": 300,
        }
    }
    plan = plan_of(template(endpoint([instance_variant("a", count=2)], deployment=canary)), prices, updates_per_month=3)
    # 2 instances × (600 s canary bake + 600 s final bake + 300 s termination wait) = 3,000 instance-seconds
    assert plan.estimate.per_update_hours == pytest.approx(2 * 1500 / 3600)
    assert plan.estimate.per_update_usd == pytest.approx(2 * 1500 / 3600 * 0.10)
    (update,) = [line for line in plan.estimate.lines if line.item.startswith("endpoint updates")]
    assert update.quantity == pytest.approx(2.5) and update.monthly == pytest.approx(0.25)


def test_missing_prices_are_one_error_naming_each_and_the_file(tmp_path: Path, prices: Path) -> None:
    stacks = {
        "gpu": template(endpoint([instance_variant("llm", "ml.g5.xlarge")])),
        "warm": template(endpoint([serverless_variant("s", 2048, 5, provisioned=2)])),
    }
    assembly = write_assembly(tmp_path / "out", stacks, region="us-east-1")
    with pytest.raises(PlanError) as raised:
        plan_assembly(assembly, prices=prices, assumptions=Assumptions(monday=WINTER_MONDAY))
    message = str(raised.value)
    assert message.startswith("cannot price every environment:")
    assert f"gpu: variant llm: instance type 'ml.g5.xlarge' has no price for us-east-1 in {prices}; add" in message
    assert (
        '"ml.g5.xlarge" = { usd = <USD per instance-hour>' in message and "[regions.us-east-1.instance_hour]" in message
    )
    assert "no price 'sagemaker_serverless_provisioned_gb_second' for us-east-1" in message
    assert "no price 'sagemaker_serverless_provisioned_inference_gb_second'" in message


def test_a_region_missing_from_the_price_file_is_a_clear_error(tmp_path: Path, prices: Path) -> None:
    assembly = write_assembly(tmp_path / "out", {"x": template(endpoint([instance_variant("a")]))}, region="ap-south-2")
    with pytest.raises(PlanError, match=r"no prices for region 'ap-south-2' \(it has us-east-1\)"):
        plan_assembly(assembly, prices=prices, assumptions=Assumptions())


def test_environment_agnostic_stacks_take_the_given_region_and_say_so(tmp_path: Path, prices: Path) -> None:
    assembly = write_assembly(tmp_path / "out", {"x": template(endpoint([instance_variant("a")]))})
    (plan,) = plan_assembly(
        assembly, prices=prices, assumptions=Assumptions(), region="us-east-1", region_from="$AWS_REGION"
    )
    assert plan.region == "us-east-1"
    assert plan.region_source == "the stack is environment-agnostic: $AWS_REGION"
