"""BacklogAutoscaling: scale to zero on the backlog, wake up on HasBacklogWithoutCapacity, and every guard;
VariantAutoscaling refuses asynchronous endpoints."""

from __future__ import annotations

import inspect

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    AsyncInferenceConfig,
    BacklogAutoscaling,
    BacklogAutoscalingOptions,
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ScheduledCapacity,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn())


def _async_endpoint(stack: cdk.Stack, *variants: InstanceVariant) -> Endpoint:
    config = EndpointConfig(stack, "Config", variants=list(variants), async_inference=AsyncInferenceConfig())
    return Endpoint(stack, "Endpoint", endpoint_config=config)


def _endpoint_name(stack: cdk.Stack, endpoint: Endpoint) -> dict:
    return {"Fn::GetAtt": [stack.get_logical_id(endpoint.cfn_endpoint), "EndpointName"]}


def test_scale_to_zero_on_the_backlog_and_wake_up_on_the_alarm(stack: cdk.Stack, model: Model) -> None:
    endpoint = _async_endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.g5.xlarge"))
    scaling = endpoint.autoscale_on_backlog("a", max_capacity=4)
    template = Template.from_stack(stack)
    endpoint_id = stack.get_logical_id(endpoint.cfn_endpoint)
    target_id = stack.get_logical_id(scaling.scalable_target)
    dimensions = [{"Name": "EndpointName", "Value": _endpoint_name(stack, endpoint)}]
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "Properties": {
                "ServiceNamespace": "sagemaker",
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "ResourceId": {"Fn::Join": ["", ["endpoint/", _endpoint_name(stack, endpoint), "/variant/a"]]},
                "MinCapacity": 0,
                "MaxCapacity": 4,
                "ScheduledActions": Match.absent(),
            },
            "DependsOn": [endpoint_id],
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": target_id},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 5,
                "CustomizedMetricSpecification": {
                    "Namespace": "AWS/SageMaker",
                    "MetricName": "ApproximateBacklogSizePerInstance",
                    "Statistic": "Average",
                    "Dimensions": dimensions,
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        },
    )
    wake_id = stack.get_logical_id(scaling.wake_up_policy)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "StepScaling",
            "ScalingTargetId": {"Ref": target_id},
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "MetricAggregationType": "Average",
                "Cooldown": 300,
                "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
            },
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SageMaker",
            "MetricName": "HasBacklogWithoutCapacity",
            "Dimensions": dimensions,
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 2,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "missing",
            "AlarmActions": [{"Ref": wake_id}],
        },
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)
    # The endpoint keeps the counts autoscaling chose when it is updated.
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "RetainAllVariantProperties": True,
            "ExcludeRetainedVariantProperties": [{"VariantPropertyType": "DesiredWeight"}],
        },
    )


def test_options_and_schedules_down_to_zero(stack: cdk.Stack, model: Model) -> None:
    endpoint = _async_endpoint(
        stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large", initial_instance_count=2)
    )
    endpoint.autoscale_on_backlog(
        "a",
        min_capacity=1,
        max_capacity=6,
        target_backlog_per_instance=2.5,
        scale_in_cooldown=cdk.Duration.minutes(20),
        scale_out_cooldown=cdk.Duration.seconds(30),
        schedules=[ScheduledCapacity(name="night", schedule="cron(0 22 * * ? *)", min_capacity=0, max_capacity=0)],
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": 1,
            "MaxCapacity": 6,
            "ScheduledActions": [
                {
                    "ScheduledActionName": "night",
                    "Schedule": "cron(0 22 * * ? *)",
                    "Timezone": "UTC",
                    "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 0},
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {"TargetValue": 2.5, "ScaleInCooldown": 1200, "ScaleOutCooldown": 30}
            )
        },
    )


def test_invocations_per_instance_autoscaling_is_refused_for_an_async_endpoint(stack: cdk.Stack, model: Model) -> None:
    endpoint = _async_endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale("a", min_capacity=1, max_capacity=2)
    assert info.value.problems == (
        "variant_name: 'a' serves an asynchronous endpoint, for which SageMaker publishes no InvocationsPerInstance "
        "metric, so the invocations-per-instance policy would never scale it; use Endpoint.autoscale_on_backlog "
        "(BacklogAutoscaling: backlog per instance, down to zero instances)",
    )
    Template.from_stack(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)


def test_backlog_autoscaling_is_refused_for_a_real_time_endpoint(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_on_backlog("a", max_capacity=2)
    assert info.value.problems == (
        "endpoint: is a real-time endpoint (its endpoint config has no async_inference); backlog autoscaling needs "
        "the queue metrics only asynchronous endpoints publish: use Endpoint.autoscale (VariantAutoscaling)",
    )


def test_every_guard_at_once(stack: cdk.Stack, model: Model) -> None:
    endpoint = _async_endpoint(
        stack,
        InstanceVariant(name="a", model=model, instance_type="ml.m5.large", initial_instance_count=3),
        InstanceVariant(name="t", model=model, instance_type="ml.t2.medium"),
    )
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_on_backlog(
            "a",
            min_capacity=-1,
            max_capacity=1001,
            target_backlog_per_instance=0,
            schedules=[ScheduledCapacity(name="x", schedule="cron(0 1 * * ? *)", min_capacity=-1)],
        )
    assert info.value.problems == (
        "min_capacity: -1 is not allowed; must be an integer from 0 to 1000",
        "max_capacity: 1001 is not allowed; must be an integer from 1 to 1000",
        "target_backlog_per_instance: 0 is not allowed; must be a number > 0",
        "schedules[0].min_capacity: -1 is not allowed; must be an integer from 0 to 1000 (an asynchronous endpoint "
        "can scale to zero)",
    )
    assert str(info.value).startswith("Invalid backlog autoscaling of variant 'a': 4 problem(s)")
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_on_backlog("a", max_capacity=2)
    assert info.value.problems == (
        "min_capacity/max_capacity: 0..2 must include the variant's initial_instance_count 3 "
        "(min_capacity <= initial_instance_count <= max_capacity)",
    )
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_on_backlog("t", min_capacity=2, max_capacity=1)
    assert info.value.problems == (
        "instance_type: 'ml.t2.medium' is burstable; autoscaling needs a non-ml.t* type",
        "min_capacity: 2 is greater than max_capacity 1; min_capacity must be <= max_capacity",
    )
    with pytest.raises(
        ValidationError, match=r"variant_name: 'nope' is not a variant of the endpoint; variants are \['a', 't'\]"
    ):
        endpoint.autoscale_on_backlog("nope", max_capacity=2)
    endpoint.autoscale_on_backlog("a", max_capacity=3)
    with pytest.raises(ValidationError, match=r"variant_name: 'a' already has autoscaling; enable it once per variant"):
        endpoint.autoscale_on_backlog("a", max_capacity=3)


def test_backlog_metrics_are_per_endpoint(stack: cdk.Stack, model: Model) -> None:
    endpoint = _async_endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    metric = endpoint.metric_backlog("ApproximateAgeOfOldestRequest", statistic="Maximum")
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/SageMaker",
        "ApproximateAgeOfOldestRequest",
        "Maximum",
    )
    assert list(metric.dimensions or {}) == ["EndpointName"]
    assert endpoint.metric_backlog().metric_name == "ApproximateBacklogSize"
    assert endpoint.metric_backlog().statistic == "Average"
    with pytest.raises(ValidationError, match=r"perod: is not a metric option; did you mean 'period'"):
        endpoint.metric_backlog(perod=cdk.Duration.minutes(5))  # type: ignore[call-arg]


def test_autoscale_on_backlog_options_are_the_constructs_own() -> None:
    own = inspect.signature(BacklogAutoscaling.__init__).parameters.values()
    keywords = {p.name: p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY}
    del keywords["endpoint"], keywords["variant_name"]
    assert set(BacklogAutoscalingOptions.__annotations__) == set(keywords)
    assert BacklogAutoscalingOptions.__required_keys__ == {n for n, p in keywords.items() if p.default is p.empty}
    assert (
        inspect.signature(Endpoint.autoscale_on_backlog).parameters["options"].annotation
        == "Unpack[BacklogAutoscalingOptions]"
    )
