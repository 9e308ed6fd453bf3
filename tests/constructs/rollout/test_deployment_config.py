"""Deployment guardrails in the template: every update policy and traffic routing option as SageMaker's
DeploymentConfig, the Inf1 warning, and a model change that updates the same endpoint under its guardrails."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sagemaker_serving import (
    AllAtOnce,
    BlueGreenUpdate,
    Canary,
    CapacitySize,
    DeploymentGuardrails,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Linear,
    RollingUpdate,
)
from tests.constructs.rollout.support import deployment_config as _deployment_config
from tests.constructs.rollout.support import endpoint as _endpoint
from tests.constructs.rollout.support import instance_config as _config
from tests.constructs.rollout.support import serverless_config as _serverless_config
from tests.constructs.rollout.support import sklearn_model as _model

MINUTES_10 = cdk.Duration.minutes(10)


# ---------------------------------------------------------------------------------------------
# Every option in the template
# ---------------------------------------------------------------------------------------------
def test_no_guardrails_no_deployment_config(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    Template.from_stack(stack).has_resource_properties("AWS::SageMaker::Endpoint", {"DeploymentConfig": Match.absent()})
    assert endpoint.deployment is None and endpoint.rollback_alarm_names == ()


def test_default_guardrails_are_blue_green_all_at_once_with_five_minutes_of_baking(stack: cdk.Stack) -> None:
    _endpoint(stack, deployment=DeploymentGuardrails())
    assert _deployment_config(stack) == {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 300}}
    }


def test_all_at_once_with_termination_wait_and_timeout(stack: cdk.Stack) -> None:
    policy = BlueGreenUpdate(
        traffic_routing=AllAtOnce(wait_interval=cdk.Duration.seconds(0)),
        termination_wait=cdk.Duration.minutes(2),
        maximum_execution_timeout=cdk.Duration.hours(8),
    )
    _endpoint(stack, deployment=DeploymentGuardrails(update_policy=policy))
    assert _deployment_config(stack) == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "TerminationWaitInSeconds": 120,
            "MaximumExecutionTimeoutInSeconds": 28800,
        }
    }


@pytest.mark.parametrize(
    ("size", "rendered"),
    [
        (CapacitySize.instance_count(1), {"Type": "INSTANCE_COUNT", "Value": 1}),
        (CapacitySize.capacity_percent(25), {"Type": "CAPACITY_PERCENT", "Value": 25}),
    ],
)
def test_canary_by_count_or_percent(stack: cdk.Stack, size: CapacitySize, rendered: dict[str, Any]) -> None:
    policy = BlueGreenUpdate(traffic_routing=Canary(size=size, wait_interval=MINUTES_10))
    _endpoint(stack, 2, 2, deployment=DeploymentGuardrails(update_policy=policy))
    assert _deployment_config(stack)["BlueGreenUpdatePolicy"] == {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": rendered, "WaitIntervalInSeconds": 600}
    }


def test_linear(stack: cdk.Stack) -> None:
    policy = BlueGreenUpdate(
        traffic_routing=Linear(step_size=CapacitySize(percent=20), wait_interval=cdk.Duration.minutes(3)),
        maximum_execution_timeout=cdk.Duration.hours(2),
    )
    _endpoint(stack, deployment=DeploymentGuardrails(update_policy=policy))
    assert _deployment_config(stack)["BlueGreenUpdatePolicy"] == {
        "TrafficRoutingConfiguration": {
            "Type": "LINEAR",
            "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
            "WaitIntervalInSeconds": 180,
        },
        "MaximumExecutionTimeoutInSeconds": 7200,
    }


def test_rolling_with_every_option(stack: cdk.Stack) -> None:
    policy = RollingUpdate(
        maximum_batch_size=CapacitySize.instance_count(2),
        wait_interval=cdk.Duration.minutes(4),
        rollback_maximum_batch_size=CapacitySize.capacity_percent(100),
        maximum_execution_timeout=cdk.Duration.hours(3),
    )
    _endpoint(stack, 4, deployment=DeploymentGuardrails(update_policy=policy))
    assert _deployment_config(stack) == {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
            "WaitIntervalInSeconds": 240,
            "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
            "MaximumExecutionTimeoutInSeconds": 10800,
        }
    }


def test_rolling_defaults(stack: cdk.Stack) -> None:
    policy = RollingUpdate(maximum_batch_size=CapacitySize.capacity_percent(50))
    _endpoint(stack, 2, deployment=DeploymentGuardrails(update_policy=policy))
    assert _deployment_config(stack) == {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 300,
        }
    }


def test_serverless_endpoint_takes_blue_green_by_percent(stack: cdk.Stack) -> None:
    policy = BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize.capacity_percent(10)))
    Endpoint(
        stack,
        "Endpoint",
        endpoint_config=_serverless_config(stack),
        deployment=DeploymentGuardrails(update_policy=policy),
    )
    assert _deployment_config(stack)["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"


def test_inf1_variants_get_a_warning_that_guardrails_do_not_apply(stack: cdk.Stack) -> None:
    config = _config(stack, 2, instance_type="ml.inf1.xlarge")
    Endpoint(stack, "Endpoint", endpoint_config=config, deployment=DeploymentGuardrails())
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Endpoint", Match.string_like_regexp(r"\['v0'\] run on Inf1 instances.*all traffic at once")
    )


# ---------------------------------------------------------------------------------------------
# A model change under guardrails: same endpoint, new config, guardrails kept
# ---------------------------------------------------------------------------------------------
def _guarded_app(model_version: str) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Serving")
    model = _model(stack, environment={"MODEL_VERSION": model_version})
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="champion", model=model, instance_type="ml.m5.large", initial_instance_count=2)],
    )
    policy = BlueGreenUpdate(traffic_routing=Canary(size=CapacitySize.instance_count(1), wait_interval=MINUTES_10))
    endpoint = Endpoint(
        stack,
        "Endpoint",
        endpoint_config=config,
        endpoint_name="serving",
        deployment=DeploymentGuardrails(update_policy=policy),
    )
    endpoint.add_rollback_alarms(
        endpoint.metric_server_errors(variant_name="champion").create_alarm(
            stack, "Errors", threshold=1, evaluation_periods=1, alarm_name="serving-champion-errors"
        )
    )
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


def test_a_model_change_updates_the_same_endpoint_and_keeps_its_guardrails() -> None:
    before, after = _guarded_app("1"), _guarded_app("2")

    def ids(template: dict[str, Any], kind: str) -> list[str]:
        return [lid for lid, r in template["Resources"].items() if r["Type"] == kind]

    (endpoint_id,) = ids(before, "AWS::SageMaker::Endpoint")
    assert ids(after, "AWS::SageMaker::Endpoint") == [endpoint_id]
    (config_id,) = ids(before, "AWS::SageMaker::EndpointConfig")
    (model_id,) = ids(before, "AWS::SageMaker::Model")
    # The model's container changes: a property that requires replacement, so a new model (new generated
    # name); the config names it by GetAtt and all its properties require replacement: a new config.
    container = after["Resources"][model_id]["Properties"]["PrimaryContainer"]
    assert container != before["Resources"][model_id]["Properties"]["PrimaryContainer"]
    assert container["Environment"] == {"MODEL_VERSION": "2"}
    (variant,) = after["Resources"][config_id]["Properties"]["ProductionVariants"]
    assert variant["ModelName"] == {"Fn::GetAtt": [model_id, "ModelName"]}
    endpoint_before, endpoint_after = before["Resources"][endpoint_id], after["Resources"][endpoint_id]
    assert endpoint_after == endpoint_before  # same name, same DeploymentConfig, same alarms: updated in place
    assert endpoint_after["Properties"]["EndpointConfigName"] == {"Fn::GetAtt": [config_id, "EndpointConfigName"]}
    assert endpoint_after["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] == {
        "Type": "CANARY",
        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 600,
    }
