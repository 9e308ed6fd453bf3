"""Deployment guardrails: every option in the template, every rule by its message, alarms, grants and ordering."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Annotations, Match, Template

from sagemaker_serving import (
    AllAtOnce,
    BlueGreenUpdate,
    Canary,
    CapacitySize,
    ContainerImage,
    DeploymentGuardrails,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Linear,
    Model,
    ModelData,
    RollingUpdate,
    ServerlessVariant,
    ValidationError,
)

MINUTES_10 = cdk.Duration.minutes(10)


def _model(stack: cdk.Stack, construct_id: str = "Model", **kwargs: Any) -> Model:
    return Model(
        stack,
        construct_id,
        image=ContainerImage.sklearn(),
        model_data=ModelData.from_s3_url("s3://b/m.tar.gz"),
        **kwargs,
    )


def _config(stack: cdk.Stack, *counts: int, instance_type: str = "ml.m5.large") -> EndpointConfig:
    model = _model(stack)
    variants = [
        InstanceVariant(name=f"v{i}", model=model, instance_type=instance_type, initial_instance_count=count)
        for i, count in enumerate(counts)
    ]
    return EndpointConfig(stack, "Config", variants=variants)


def _serverless_config(stack: cdk.Stack) -> EndpointConfig:
    return EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="only", model=_model(stack))])


def _endpoint(stack: cdk.Stack, *counts: int, **kwargs: Any) -> Endpoint:
    return Endpoint(stack, "Endpoint", endpoint_config=_config(stack, *(counts or (4,))), **kwargs)


def _deployment_config(stack: cdk.Stack) -> dict[str, Any]:
    (endpoint,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    config: dict[str, Any] = endpoint["Properties"]["DeploymentConfig"]
    return config


def _problems(make: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        make()
    return str(caught.value)


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


# ---------------------------------------------------------------------------------------------
# Rollback alarms: by name, granted, created before the endpoint
# ---------------------------------------------------------------------------------------------
def _alarm(stack: cdk.Stack, endpoint: Endpoint, name: str | None, variant: str = "v0") -> cloudwatch.Alarm:
    return endpoint.metric_server_errors(variant_name=variant).create_alarm(
        stack, f"Alarm{name}", threshold=1, evaluation_periods=1, alarm_name=name
    )


def test_rollback_alarms_by_name_with_a_fixed_endpoint_name(stack: cdk.Stack) -> None:
    endpoint = _endpoint(
        stack, 2, endpoint_name="iris-prod", deployment=DeploymentGuardrails(rollback_alarm_names=["team-slo"])
    )
    errors = _alarm(stack, endpoint, "iris-prod-v0-errors")
    endpoint.add_rollback_alarms(errors)
    assert endpoint.rollback_alarms == (errors,)
    assert endpoint.rollback_alarm_names == ("iris-prod-v0-errors", "team-slo")
    template = Template.from_stack(stack)
    alarm_id = stack.get_logical_id(errors.node.default_child)  # type: ignore[arg-type]
    (endpoint_resource,) = template.find_resources("AWS::SageMaker::Endpoint").values()
    assert endpoint_resource["DependsOn"] == [alarm_id]  # the alarm exists before SageMaker reads it
    assert endpoint_resource["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "iris-prod-v0-errors"}, {"AlarmName": "team-slo"}]
    }
    # The alarm's metric names the endpoint by its fixed name, not by a reference: no cycle.
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Dimensions": Match.array_with([{"Name": "EndpointName", "Value": "iris-prod"}])},
    )


def test_models_may_describe_exactly_the_rollback_alarms(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails(rollback_alarm_names=["a1", "a2"]))
    policy = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    statements = [s for p in policy.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (describe,) = [s for s in statements if s["Action"] == "cloudwatch:DescribeAlarms"]
    arns = [stack.resolve(r) for r in describe["Resource"]]
    assert [a["Fn::Join"][1][-1] for a in arns] == [":alarm:a1", ":alarm:a2"]
    assert endpoint.rollback_alarm_names == ("a1", "a2")


def test_alarms_given_at_construction_are_imports_or_named_alarms(stack: cdk.Stack) -> None:
    imported = cloudwatch.Alarm.from_alarm_name(stack, "Imported", "existing-alarm")
    metric = cloudwatch.Metric(namespace="Custom", metric_name="Errors")
    own = metric.create_alarm(stack, "Own", threshold=1, evaluation_periods=1, alarm_name="own-alarm")
    _endpoint(stack, deployment=DeploymentGuardrails(rollback_alarms=[imported, own]))
    assert _deployment_config(stack)["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "existing-alarm"}, {"AlarmName": "own-alarm"}]
    }


def test_without_a_fixed_name_rollback_alarms_come_after_the_endpoint_and_a_warning_says_so(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails())
    endpoint.add_rollback_alarms(_alarm(stack, endpoint, "errors"))
    (endpoint_resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    assert "DependsOn" not in endpoint_resource
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Endpoint", Match.string_like_regexp("no fixed endpoint_name.*give it a fixed endpoint_name")
    )


def test_imported_alarms_need_no_fixed_endpoint_name(stack: cdk.Stack) -> None:
    imported = cloudwatch.Alarm.from_alarm_name(stack, "Imported", "existing-alarm")
    _endpoint(stack, deployment=DeploymentGuardrails(rollback_alarms=[imported]))
    (endpoint_resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    assert "DependsOn" not in endpoint_resource
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


def test_inf1_variants_get_a_warning_that_guardrails_do_not_apply(stack: cdk.Stack) -> None:
    config = _config(stack, 2, instance_type="ml.inf1.xlarge")
    Endpoint(stack, "Endpoint", endpoint_config=config, deployment=DeploymentGuardrails())
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Endpoint", Match.string_like_regexp(r"\['v0'\] run on Inf1 instances.*all traffic at once")
    )


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


def test_rollback_alarm_rules(stack: cdk.Stack) -> None:
    metric = cloudwatch.Metric(namespace="Custom", metric_name="Errors")
    unnamed = metric.create_alarm(stack, "Unnamed", threshold=1, evaluation_periods=1)
    message = _problems(
        lambda: _endpoint(
            stack, deployment=DeploymentGuardrails(rollback_alarms=[unnamed], rollback_alarm_names=["  ", "x", "x"])
        )
    )
    assert (
        "rollback_alarms[0]: alarm 'TestStack/Unnamed' has no fixed name; give it one (alarm_name=...) so the "
        "endpoint can name it without depending on it"
    ) in message
    assert "rollback_alarm_names[0]: '  ' is not allowed; expected 1-255 characters, not blank" in message
    assert "rollback alarms: ['x'] given more than once; name each alarm once" in message
    eleven = [f"alarm-{i}" for i in range(11)]
    message = _problems(
        lambda: _endpoint(cdk.Stack(cdk.App(), "S"), deployment=DeploymentGuardrails(rollback_alarm_names=eleven))
    )
    assert "rollback alarms: 11 alarms is not allowed; SageMaker takes 1 to 10" in message


def test_alarms_added_later_count_towards_the_ten(stack: cdk.Stack) -> None:
    endpoint = _endpoint(
        stack, endpoint_name="ep", deployment=DeploymentGuardrails(rollback_alarm_names=[f"a{i}" for i in range(9)])
    )
    endpoint.add_rollback_alarms(_alarm(stack, endpoint, "tenth"))
    message = _problems(lambda: endpoint.add_rollback_alarms(_alarm(stack, endpoint, "eleventh")))
    assert "Invalid rollback alarms: 1 problem(s)" in message and "11 alarms is not allowed" in message
    assert len(endpoint.rollback_alarm_names) == 10


def test_rollback_alarms_need_guardrails(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    message = _problems(lambda: endpoint.add_rollback_alarms(_alarm(stack, endpoint, "errors")))
    assert "deployment: None is not allowed with rollback alarms; give the endpoint deployment guardrails" in message


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
