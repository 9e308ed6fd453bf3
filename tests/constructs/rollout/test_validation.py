"""Every rule of the deployment guardrails, by its message: update policies, traffic routing, capacity sizes,
waits and timeouts, and the autoscaling bounds checked at synth."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_serving import (
    AllAtOnce,
    BlueGreenUpdate,
    Canary,
    CapacitySize,
    DeploymentGuardrails,
    Endpoint,
    Linear,
    RollingUpdate,
)
from tests.constructs.rollout.support import endpoint as _endpoint
from tests.constructs.rollout.support import problems as _problems
from tests.constructs.rollout.support import serverless_config as _serverless_config


# ---------------------------------------------------------------------------------------------
# Every rule, by its message
# ---------------------------------------------------------------------------------------------
def _guardrails(policy: Any, counts: tuple[int, ...] = (2, 2)) -> str:
    def make() -> None:
        stack = cdk.Stack(cdk.App(), "S")
        _endpoint(stack, *counts, deployment=DeploymentGuardrails(update_policy=policy))

    return _problems(make)


def test_only_one_update_policy() -> None:
    both = (BlueGreenUpdate(), RollingUpdate(maximum_batch_size=CapacitySize(percent=50)))
    assert "deployment.update_policy: (BlueGreenUpdate(" in _guardrails(both)
    assert "is not allowed; give exactly one update policy: a BlueGreenUpdate or a RollingUpdate" in _guardrails(both)


def test_canary_is_at_most_half_of_each_variant() -> None:
    message = _guardrails(BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize(percent=60))))
    assert (
        "deployment.update_policy.traffic_routing.size: 60% is not allowed; a canary must be at most 50% of the "
        "variant's instances (TrafficRoutingConfig CanarySize)"
    ) in message
    message = _guardrails(BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize(instances=2))), (4, 3))
    assert (
        "deployment.update_policy.traffic_routing.size: 2 instances is not allowed; a canary must be at most 50% "
        "of the variant's instances (TrafficRoutingConfig CanarySize), and variant 'v1' can start an update with "
        "3 instances"
    ) in message
    assert "'v0'" not in message  # 2 of 4 is 50%: allowed


def test_a_one_instance_variant_cannot_canary_by_count() -> None:
    message = _guardrails(BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize(instances=1))), (1,))
    assert (
        "size: 1 instance is not allowed; a canary must be at most 50% of the variant's instances "
        "(TrafficRoutingConfig CanarySize), and variant 'v0' can start an update with 1 instance (a one-instance "
        "variant cannot do this by count: give a percent or more instances)"
    ) in message


def test_linear_step_is_10_to_50_percent() -> None:
    for percent in (9, 51):
        message = _guardrails(BlueGreenUpdate(traffic_routing=Linear(step_size=CapacitySize(percent=percent))))
        assert (
            f"deployment.update_policy.traffic_routing.step_size: {percent}% is not allowed; a linear step must be "
            "10-50% of the variant's instances (TrafficRoutingConfig LinearStepSize)"
        ) in message
    message = _guardrails(BlueGreenUpdate(traffic_routing=Linear(step_size=CapacitySize(instances=1))), (20,))
    assert "step_size: 1 instance is not allowed; a linear step must be 10-50%" in message
    assert "variant 'v0' can start an update with 20 instances" in message


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (
            BlueGreenUpdate(traffic_routing=AllAtOnce(wait_interval=cdk.Duration.seconds(3601))),
            "traffic_routing.wait_interval",
        ),
        (
            BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize(percent=10), wait_interval=cdk.Duration.hours(2))),
            "traffic_routing.wait_interval",
        ),
        (
            BlueGreenUpdate(
                traffic_routing=Linear(step_size=CapacitySize(percent=10), wait_interval=cdk.Duration.hours(2))
            ),
            "traffic_routing.wait_interval",
        ),
        (BlueGreenUpdate(termination_wait=cdk.Duration.hours(2)), "termination_wait"),
        (
            RollingUpdate(maximum_batch_size=CapacitySize(percent=50), wait_interval=cdk.Duration.hours(2)),
            "wait_interval",
        ),
    ],
)
def test_wait_intervals_are_0_to_3600_seconds(policy: Any, field: str) -> None:
    message = _guardrails(policy, (2,))
    assert f"deployment.update_policy.{field}: " in message
    assert "is not allowed; expected whole seconds from 0 to 3600" in message


def test_waits_are_whole_seconds() -> None:
    message = _guardrails(BlueGreenUpdate(traffic_routing=AllAtOnce(wait_interval=cdk.Duration.millis(1500))))
    assert (
        "deployment.update_policy.traffic_routing.wait_interval: 1.5 s is not allowed; expected "
        "whole seconds from 0 to 3600"
    ) in message


@pytest.mark.parametrize("seconds", [599, 28801])
def test_blue_green_timeout_is_600_to_28800_seconds(seconds: int) -> None:
    message = _guardrails(BlueGreenUpdate(maximum_execution_timeout=cdk.Duration.seconds(seconds)))
    assert (
        f"deployment.update_policy.maximum_execution_timeout: {seconds} s is not allowed; expected whole seconds "
        "from 600 to 28800"
    ) in message


def test_blue_green_timeout_is_longer_than_the_waits() -> None:
    policy = BlueGreenUpdate(
        traffic_routing=Canary(size=CapacitySize(percent=10), wait_interval=cdk.Duration.minutes(50)),
        termination_wait=cdk.Duration.minutes(10),
        maximum_execution_timeout=cdk.Duration.minutes(60),
    )
    assert (
        "deployment.update_policy.maximum_execution_timeout: 3600 s is not allowed; it must be larger than the wait "
        "interval plus the termination wait (3600 s)"
    ) in _guardrails(policy)


@pytest.mark.parametrize("seconds", [599, 28801])
def test_rolling_timeout_is_600_to_28800_seconds(seconds: int) -> None:
    policy = RollingUpdate(
        maximum_batch_size=CapacitySize(percent=50), maximum_execution_timeout=cdk.Duration.seconds(seconds)
    )
    assert (
        f"deployment.update_policy.maximum_execution_timeout: {seconds} s is not allowed; expected whole seconds "
        "from 600 to 28800"
    ) in _guardrails(policy, (2,))


def test_rolling_batch_is_5_to_50_percent() -> None:
    for percent in (4, 51):
        message = _guardrails(RollingUpdate(maximum_batch_size=CapacitySize(percent=percent)), (4,))
        assert (
            f"deployment.update_policy.maximum_batch_size: {percent}% is not allowed; a rolling batch must be 5-50% "
            "of the variant's instances (RollingUpdatePolicy MaximumBatchSize)"
        ) in message


def test_no_rolling_update_for_multi_variant_endpoints() -> None:
    message = _guardrails(RollingUpdate(maximum_batch_size=CapacitySize(percent=50)), (2, 2))
    assert (
        "deployment.update_policy: RollingUpdate is not allowed for an endpoint with 2 variants ['v0', 'v1']; "
        "rolling deployments support single-variant endpoints only: use BlueGreenUpdate"
    ) in message


def test_no_rolling_update_for_serverless_endpoints(stack: cdk.Stack) -> None:
    policy = RollingUpdate(maximum_batch_size=CapacitySize(percent=50))
    message = _problems(
        lambda: Endpoint(
            stack,
            "Endpoint",
            endpoint_config=_serverless_config(stack),
            deployment=DeploymentGuardrails(update_policy=policy),
        )
    )
    assert (
        "deployment.update_policy: RollingUpdate is not allowed for serverless variant 'only'; rolling deployments "
        "do not support serverless endpoints: use BlueGreenUpdate"
    ) in message


def test_serverless_variants_have_no_instances_to_count(stack: cdk.Stack) -> None:
    policy = BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize(instances=1)))
    message = _problems(
        lambda: Endpoint(
            stack,
            "Endpoint",
            endpoint_config=_serverless_config(stack),
            deployment=DeploymentGuardrails(update_policy=policy),
        )
    )
    assert "variant 'only' is serverless and has no instances to count: give a percent" in message


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (
            CapacitySize(),
            "size: CapacitySize(instances=None, percent=None) is not allowed; give exactly one of instances or percent",
        ),
        (CapacitySize(instances=1, percent=10), "give exactly one of instances or percent"),
        (CapacitySize(instances=0), "size.instances: 0 is not allowed; expected an integer ≥ 1"),
        (CapacitySize(percent=101), "size.percent: 101 is not allowed; expected an integer from 1 to 100"),
        (CapacitySize(percent=True), "size.percent: True is not allowed; expected an integer from 1 to 100"),  # type: ignore[arg-type]
    ],
)
def test_capacity_sizes(size: CapacitySize, expected: str) -> None:
    assert expected in _guardrails(BlueGreenUpdate(traffic_routing=Canary(size=size)))


def test_rollback_batch_size_is_checked() -> None:
    policy = RollingUpdate(maximum_batch_size=CapacitySize(percent=50), rollback_maximum_batch_size=CapacitySize())
    assert "deployment.update_policy.rollback_maximum_batch_size: CapacitySize(" in _guardrails(policy, (2,))


def test_every_problem_at_once() -> None:
    policy = BlueGreenUpdate(
        traffic_routing=Canary(size=CapacitySize(percent=70), wait_interval=cdk.Duration.hours(2)),
        termination_wait=cdk.Duration.hours(3),
        maximum_execution_timeout=cdk.Duration.seconds(10),
    )
    message = _guardrails(policy)
    assert message.startswith("Invalid endpoint props: 4 problem(s)")
    for field in ("size", "wait_interval", "termination_wait", "maximum_execution_timeout"):
        assert f".{field}: " in message


def test_a_traffic_routing_that_is_not_one_is_refused() -> None:
    message = _guardrails(BlueGreenUpdate(traffic_routing="CANARY"))  # type: ignore[arg-type]
    assert (
        "deployment.update_policy.traffic_routing: 'CANARY' is not allowed; expected AllAtOnce, Canary or Linear"
        in message
    )


def test_autoscaling_floor_is_checked_at_synth() -> None:
    """Autoscaling is configured after the endpoint: a canary that its floor makes too big fails the synth."""
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    policy = BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize.instance_count(1)))
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails(update_policy=policy))
    endpoint.autoscale("v0", min_capacity=1, max_capacity=4)
    with pytest.raises(
        RuntimeError, match=r"Invalid deployment guardrails: .*variant 'v0' can start an update with 1 instance"
    ):
        app.synth()


def test_autoscaling_ceiling_is_checked_at_synth_for_linear_steps() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    policy = BlueGreenUpdate(traffic_routing=Linear(step_size=CapacitySize.instance_count(1)))
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails(update_policy=policy))
    endpoint.autoscale("v0", min_capacity=2, max_capacity=20)
    with pytest.raises(RuntimeError, match=r"a linear step must be 10-50%.*'v0' can start an update with 20 instances"):
        app.synth()
