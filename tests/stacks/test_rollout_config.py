"""The ``deployment`` table: parsed strictly, its problems in the file's keys, and the reference prod's guardrails."""

from __future__ import annotations

import copy
from typing import Any

from aws_cdk.assertions import Match, Template

from sagemaker_serving import BlueGreenUpdate, Canary, CapacitySize, RollingUpdate
from stacks.config import AppConfig, parse
from stacks.deployment_config import BlueGreenConfig, DeploymentConfig
from stacks.guardrails import guardrails_props
from stacks.serving_stack import ServingStack
from tests.support.config_problems import build_problems as _build_problems
from tests.support.config_problems import parse_problems as _problems

PROD = "environment 'prod': "


def _with_deployment(raw: dict[str, Any], table: dict[str, Any], env: str = "prod") -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["environments"][env]["deployment"] = table
    return data


# ---------------------------------------------------------------------------------------------
# Reference prod: a canary of one instance, ten minutes of baking, rollback on the error-rate and latency alarms
# ---------------------------------------------------------------------------------------------
def test_reference_prod_deployment_is_parsed_into_the_constructs_value_objects(reference_config: AppConfig) -> None:
    prod = reference_config.environments["prod"]
    assert prod.deployment == DeploymentConfig(
        blue_green=BlueGreenConfig(
            traffic_routing="canary", canary_size=CapacitySize(instances=1), wait_interval_seconds=600
        ),
        rollback_alarms=True,
    )
    props = guardrails_props(prod)
    assert props["endpoint_name"] == "ModelServing-prod"
    policy = props["deployment"].update_policy
    assert isinstance(policy, BlueGreenUpdate) and isinstance(policy.traffic_routing, Canary)
    assert policy.traffic_routing.size == CapacitySize.instance_count(1)
    assert policy.traffic_routing.wait_interval.to_seconds() == 600
    assert (policy.termination_wait, policy.maximum_execution_timeout) == (None, None)  # SageMaker's defaults
    assert all(env.deployment is None for name, env in reference_config.environments.items() if name != "prod")


def test_reference_prod_endpoint_has_its_guardrails_and_rollback_alarms(
    reference_templates: dict[str, Template], reference_stacks: dict[str, ServingStack]
) -> None:
    template = reference_templates["prod"]
    # The rollback alarms are the monitoring's (ServingMonitoring.rollback_alarms), named after the stack.
    names = [
        f"ModelServing-prod-{variant}-{alarm}"
        for variant in ("champion", "challenger")
        for alarm in ("Invocation5XXErrors", "ModelLatencyP99")
    ]
    template.has_resource(
        "AWS::SageMaker::Endpoint",
        {
            "Properties": {
                "EndpointName": "ModelServing-prod",
                "DeploymentConfig": {
                    "BlueGreenUpdatePolicy": {
                        "TrafficRoutingConfiguration": {
                            "Type": "CANARY",
                            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                            "WaitIntervalInSeconds": 600,
                        }
                    },
                    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": n} for n in names]},
                },
                # Autoscaling keeps its instance counts across an update; the weights follow the config.
                "RetainAllVariantProperties": True,
                "ExcludeRetainedVariantProperties": [{"VariantPropertyType": "DesiredWeight"}],
            },
            "DependsOn": Match.array_with([Match.string_like_regexp("^Monitoring")]),
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    by_name = {a["Properties"]["AlarmName"]: (logical_id, a) for logical_id, a in alarms.items()}
    assert set(names) <= set(by_name)
    errors = by_name[names[0]][1]["Properties"]
    assert errors["MetricName"] == "Invocation5XXErrors"
    assert {"Name": "EndpointName", "Value": "ModelServing-prod"} in errors["Dimensions"]  # the fixed name: no cycle
    latency = by_name[names[1]][1]["Properties"]
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("ModelLatency", "p99")
    (endpoint_resource,) = template.find_resources("AWS::SageMaker::Endpoint").values()
    assert {by_name[n][0] for n in names} <= set(endpoint_resource["DependsOn"])  # alarms exist first
    endpoint = reference_stacks["prod"].endpoint
    assert endpoint.rollback_alarm_names == tuple(names)
    assert reference_stacks["prod"].monitoring is not None
    assert tuple(a.alarm_name for a in reference_stacks["prod"].monitoring.rollback_alarms) == tuple(names)


def test_every_environment_with_guardrails_renders_them(any_config: Any) -> None:
    """Whatever the file holds: an environment with a deployment table has a DeploymentConfig, the others none."""
    for name, template in any_config.templates.items():
        env = any_config.config.environments[name]
        (endpoint,) = template.find_resources("AWS::SageMaker::Endpoint").values()
        assert ("DeploymentConfig" in endpoint["Properties"]) is (env.deployment is not None), name


# ---------------------------------------------------------------------------------------------
# The file's own rules
# ---------------------------------------------------------------------------------------------
def test_misspelt_deployment_keys_get_a_suggestion(raw: dict[str, Any]) -> None:
    data = _with_deployment(
        raw,
        {
            "rollback_alarm_name": ["x"],
            "blue_green": {"traffic_routing": "canery", "canary_size": {"instance": 1}, "wait_interval_seconds": "600"},
        },
    )
    assert _problems(data) == (
        PROD + "deployment.blue_green.traffic_routing: 'canery' is not allowed; expected one of all_at_once, canary, "
        "linear",
        PROD + "deployment.blue_green.canary_size.instance: is not a known key; did you mean 'instances'?",
        PROD + "deployment.blue_green.wait_interval_seconds: '600' is not allowed; expected int",
        PROD + "deployment.rollback_alarm_name: is not a known key; did you mean 'rollback_alarm_names'?",
    )


def test_one_update_policy_and_each_size_with_its_traffic_routing(raw: dict[str, Any]) -> None:
    data = _with_deployment(
        raw,
        {
            "blue_green": {
                "traffic_routing": "linear",
                "canary_size": {"instances": 1},
                "termination_wait_seconds": -3,
            },
            "rolling": {"maximum_batch_size": {"percent": 50}},
        },
    )
    assert _problems(data) == (
        PROD + "deployment: blue_green and rolling are not allowed together; give one update policy (one of the two "
        "tables)",
        PROD + "deployment.blue_green.canary_size: { instances = 1 } is only allowed with traffic_routing = 'canary', "
        "not 'linear'",
        PROD + "deployment.blue_green.linear_step_size: missing; traffic_routing = 'linear' needs it "
        "({ instances = <n> } or { percent = <p> })",
        PROD + "deployment.blue_green.termination_wait_seconds: -3 is not allowed; expected seconds ≥ 0",
    )


def test_a_rolling_table_needs_its_batch_size(raw: dict[str, Any]) -> None:
    assert _problems(_with_deployment(raw, {"rolling": {}})) == (
        PROD + "deployment.rolling.maximum_batch_size: missing; expected a table",
    )


# ---------------------------------------------------------------------------------------------
# The construct's rules, in the file's keys
# ---------------------------------------------------------------------------------------------
def test_construct_rules_name_the_deployment_keys(raw: dict[str, Any]) -> None:
    data = _with_deployment(
        raw,
        {
            "rollback_alarm_names": ["  "],
            "blue_green": {
                "traffic_routing": "canary",
                "canary_size": {"percent": 60},
                "wait_interval_seconds": 4000,
                "termination_wait_seconds": 3601,
                "maximum_execution_timeout_seconds": 30000,
            },
        },
    )
    assert _build_problems(data) == (
        PROD + "deployment.blue_green.canary_size: 60% is not allowed; a canary must be at most 50% of the variant's "
        "instances (TrafficRoutingConfig CanarySize)",
        PROD + "deployment.blue_green.wait_interval_seconds: 4000 s is not allowed; "
        "expected whole seconds from 0 to 3600",
        PROD + "deployment.blue_green.termination_wait_seconds: 3601 s is not allowed; expected "
        "whole seconds from 0 to 3600",
        PROD + "deployment.blue_green.maximum_execution_timeout_seconds: 30000 s is not "
        "allowed; expected whole seconds from 600 to 28800",
        PROD + "deployment.rollback_alarm_names[0]: '  ' is not allowed; expected 1-255 characters, not blank",
    )


def test_rolling_is_refused_for_prods_two_variants_and_dev_serverless(raw: dict[str, Any]) -> None:
    rolling = {"rolling": {"maximum_batch_size": {"percent": 60}, "maximum_execution_timeout_seconds": 100}}
    data = _with_deployment(_with_deployment(raw, rolling), {"rolling": {"maximum_batch_size": {"percent": 50}}}, "dev")
    assert _build_problems(data) == (
        "environment 'dev': deployment.rolling: RollingUpdate is not allowed for serverless variant 'champion'; "
        "rolling deployments do not support serverless endpoints: use BlueGreenUpdate",
        PROD + "deployment.rolling: RollingUpdate is not allowed for an endpoint with 2 variants ['champion', "
        "'challenger']; rolling deployments support single-variant endpoints only: use BlueGreenUpdate",
        PROD + "deployment.rolling.maximum_batch_size: 60% is not allowed; a rolling batch must be 5-50% of the "
        "variant's instances (RollingUpdatePolicy MaximumBatchSize)",
        PROD + "deployment.rolling.maximum_execution_timeout_seconds: 100 s is not allowed; "
        "expected whole seconds from 600 to 28800",
    )


def test_a_rolling_update_of_staging(raw: dict[str, Any]) -> None:
    data = _with_deployment(
        raw, {"rolling": {"maximum_batch_size": {"instances": 1}}, "rollback_alarms": False}, "staging"
    )
    app_config = parse(data)
    props = guardrails_props(app_config.environments["staging"])
    assert "endpoint_name" not in props  # no stack alarms to create first: the name stays generated
    assert props["deployment"].update_policy == RollingUpdate(maximum_batch_size=CapacitySize(instances=1))
    # staging has one instance: a batch of one is all of it (more than 50%).
    assert _build_problems(data) == (
        "environment 'staging': deployment.rolling.maximum_batch_size: 1 instance is not allowed; a rolling batch "
        "must be 5-50% of the variant's instances (RollingUpdatePolicy MaximumBatchSize), and variant 'champion' can "
        "start an update with 1 instance (a one-instance variant cannot do this by count: give a percent or more "
        "instances)",
    )


def test_the_autoscaling_floor_is_checked_with_the_file_keys(raw: dict[str, Any]) -> None:
    """prod's champion may scale in to one instance on a schedule: a canary of one is then all of it."""
    data = copy.deepcopy(raw)
    data["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][1]["min_capacity"] = 1
    data["environments"]["prod"]["instance_variants"][0]["autoscaling"]["min_capacity"] = 1
    assert _build_problems(data) == (
        PROD + "deployment.blue_green.canary_size: 1 instance is not allowed; a canary must be at most 50% of the "
        "variant's instances (TrafficRoutingConfig CanarySize), and variant 'champion' can start an update with 1 "
        "instance (a one-instance variant cannot do this by count: give a percent or more instances)",
    )


def test_too_many_rollback_alarms_counts_the_stacks_own(raw: dict[str, Any]) -> None:
    data = _with_deployment(
        raw,
        {
            "rollback_alarm_names": [f"team-alarm-{i}" for i in range(7)],
            "blue_green": {"traffic_routing": "canary", "canary_size": {"instances": 1}},
        },
    )
    assert _build_problems(data) == (
        PROD + "deployment.rollback_alarm_names (with the stack's 2 rollback alarms per variant): 11 alarms is not "
        "allowed; SageMaker takes 1 to 10",
    )
