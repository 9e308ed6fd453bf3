"""The capacity check: what the endpoint serves at its maximum against what the front door admits."""

from __future__ import annotations

import pytest

from sagemaker_serving.plan.assembly import environment_from_template
from sagemaker_serving.plan.capacity import check
from tests.plan.builders import (
    autoscaling,
    endpoint,
    front_door,
    instance_variant,
    serverless_variant,
    template,
    usage_plan,
    web_acl,
)


def test_reference_prod_shape_floods_the_endpoint() -> None:
    """champion 8 × 200/min ≈ 26.7 req/s at target, ≈ 29.6/s through its 90%; the stage admits 200/s."""
    env = environment_from_template(
        template(
            endpoint(
                [instance_variant("champion", count=2, weight=0.9), instance_variant("challenger", count=2, weight=0.1)]
            ),
            autoscaling("champion", 2, 8, target=200),
            autoscaling("challenger", 2, 4, target=200),
            front_door(rate=200, burst=400),
            web_acl(2000),
        ),
        stack="S",
        name="prod",
        region=None,
    )
    capacity = check(env, latency_ms=100)

    champion, challenger = capacity.variants
    assert champion.rps == pytest.approx(8 * 200 / 60)  # 26.7
    assert champion.endpoint_rps == pytest.approx(8 * 200 / 60 / 0.9)  # 29.6
    assert challenger.endpoint_rps == pytest.approx(4 * 200 / 60 / 0.1)  # 133.3
    assert capacity.serves_rps == pytest.approx(29.63, abs=0.01)
    assert capacity.admits_rps == 200
    assert capacity.per_client == ("WAF RatePerIp: 2,000 per 300 s per IP ≈ 6.7/s per client",)
    (warning,) = capacity.warnings
    assert warning.startswith("floods: the front door admits 200 req/s but the endpoint serves about 29.6 req/s")
    # 200 req/s × 90% × 60 s / 200 invocations per instance-minute = 54 instances
    assert "Raise champion's max_capacity to 54 or lower the front door's throttling to 30/s." in warning


def test_usage_plan_throttle_applies_per_key_and_a_large_ceiling_starves() -> None:
    env = environment_from_template(
        template(
            endpoint([instance_variant("a", count=1)]),
            autoscaling("a", 1, 20, target=300),
            front_door(rate=100, burst=200, api_key=True),
            usage_plan(5, 10, keys=2),
        ),
        stack="S",
        name="x",
        region=None,
    )
    capacity = check(env, latency_ms=100)
    assert capacity.admits_rps == 10  # 5/s for each of 2 keys, under the stage's 100/s
    assert capacity.admits_how[0] == "usage plan 5/s × 2 keys"
    assert capacity.serves_rps == pytest.approx(20 * 300 / 60)  # 100/s
    (warning,) = capacity.warnings
    # 10 req/s × 60 / 300 per instance-minute = 2 instances
    assert warning == (
        "starves: a can serve 100.0 req/s at its maximum of 20, but the front door admits only 10/s (100% of it "
        "reaches a): 2 instances would do"
    )


def test_serverless_capacity_and_the_lambda_concurrency_limit() -> None:
    env = environment_from_template(
        template(endpoint([serverless_variant("s", 2048, 5)]), front_door(rate=5000, burst=5000)),
        stack="S",
        name="dev",
        region=None,
    )
    capacity = check(env, latency_ms=500)
    assert capacity.serves_rps == pytest.approx(10)  # 5 concurrent / 0.5 s
    assert capacity.admits_rps == 5000
    assert any(
        w.startswith("floods: the front door admits 5000 req/s but the endpoint serves about 10.0")
        for w in capacity.warnings
    )
    # 1,000 concurrent executions (the account default) / 0.5 s = 2,000/s
    assert "its function serves about 2000/s (1000 concurrent executions at 500 ms)" in capacity.warnings[-1]


def test_without_an_invocations_target_capacity_is_not_known() -> None:
    env = environment_from_template(
        template(endpoint([instance_variant("a", count=1)]), front_door(rate=50, burst=100)),
        stack="S",
        name="x",
        region=None,
    )
    capacity = check(env, latency_ms=100)
    assert capacity.serves_rps is None and capacity.warnings == ()
    assert capacity.variants[0].how == "no invocations target: not known"


def test_an_asynchronous_endpoint_queues_instead_of_saturating() -> None:
    env = environment_from_template(
        template(
            endpoint([instance_variant("a", count=1)], AsyncInferenceConfig={"OutputConfig": {}}),
            autoscaling("a", 1, 2, target=100),
            front_door(rate=500, burst=1000),
        ),
        stack="S",
        name="x",
        region=None,
    )
    capacity = check(env, latency_ms=100)
    assert capacity.variants[0].how == "asynchronous: requests queue and are served at the instances' pace"
    assert capacity.serves_rps is None and capacity.warnings == ()
