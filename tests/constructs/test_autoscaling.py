"""VariantAutoscaling: target tracking, schedules, dependency on the endpoint and every guard."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ScheduledCapacity,
    ServerlessVariant,
    ValidationError,
)


def _endpoint(stack: cdk.Stack, *variants: InstanceVariant | ServerlessVariant) -> Endpoint:
    config = EndpointConfig(stack, "Config", variants=list(variants))
    return Endpoint(stack, "Endpoint", endpoint_config=config)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn())


def test_target_tracking_schedules_and_dependency(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(
        stack, InstanceVariant(name="champion", model=model, instance_type="ml.m5.large", initial_instance_count=2)
    )
    scaling = endpoint.autoscale(
        "champion",
        min_capacity=2,
        max_capacity=8,
        target_invocations_per_instance=200,
        target_cpu_utilization=70,
        scale_in_cooldown=cdk.Duration.minutes(10),
        schedules=[
            ScheduledCapacity(
                name="day", schedule="cron(0 7 ? * MON-FRI *)", min_capacity=4, time_zone="Europe/London"
            ),
            ScheduledCapacity(name="night", schedule="cron(0 20 ? * MON-FRI *)", min_capacity=2),
        ],
    )
    template = Template.from_stack(stack)
    endpoint_id = stack.get_logical_id(endpoint.cfn_endpoint)
    target_id = stack.get_logical_id(scaling.scalable_target)
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "Properties": {
                "ServiceNamespace": "sagemaker",
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "ResourceId": {
                    "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": [endpoint_id, "EndpointName"]}, "/variant/champion"]]
                },
                "MinCapacity": 2,
                "MaxCapacity": 8,
                "RoleARN": Match.absent(),  # the service-linked role, no extra IAM role
                "ScheduledActions": [
                    {
                        "ScheduledActionName": "day",
                        "Schedule": "cron(0 7 ? * MON-FRI *)",
                        "Timezone": "Europe/London",
                        "ScalableTargetAction": {"MinCapacity": 4},
                    },
                    {"ScheduledActionName": "night", "Timezone": "UTC", "ScalableTargetAction": {"MinCapacity": 2}},
                ],
            },
            "DependsOn": Match.array_with([endpoint_id]),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": target_id},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 200,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "ScaleInCooldown": 600,
                "ScaleOutCooldown": 60,
            },
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70,
                "CustomizedMetricSpecification": {
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "MetricName": "CPUUtilization",
                    "Statistic": "Average",
                },
            }
        },
    )
    # Updates keep the instance counts autoscaling chose, but apply new weights.
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "RetainAllVariantProperties": True,
            "ExcludeRetainedVariantProperties": [{"VariantPropertyType": "DesiredWeight"}],
        },
    )


def test_no_cpu_policy_unless_asked(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    scaling = endpoint.autoscale("a", min_capacity=1, max_capacity=2)
    assert scaling.cpu_policy is None
    Template.from_stack(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)


def test_burstable_instances_are_rejected(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.t2.medium"))
    with pytest.raises(ValidationError, match="instance_type: 'ml.t2.medium' is burstable"):
        endpoint.autoscale("a", min_capacity=1, max_capacity=2)


def test_capacity_must_include_initial_count(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(
        stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large", initial_instance_count=3)
    )
    with pytest.raises(
        ValidationError, match=r"min_capacity/max_capacity: 4..8 must include the variant's initial_instance_count 3"
    ):
        endpoint.autoscale("a", min_capacity=4, max_capacity=8)
    with pytest.raises(ValidationError, match=r"1..2 must include the variant's initial_instance_count 3"):
        endpoint.autoscale("a", min_capacity=1, max_capacity=2)


def test_once_per_variant(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    endpoint.autoscale("a", min_capacity=1, max_capacity=2)
    with pytest.raises(ValidationError, match="variant_name: 'a' already has autoscaling; enable it once per variant"):
        endpoint.autoscale("a", min_capacity=1, max_capacity=3)


def test_unknown_and_serverless_variants_are_rejected(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, ServerlessVariant(name="s", model=model))
    with pytest.raises(
        ValidationError, match=r"variant_name: 'x' is not a variant of the endpoint; variants are \['s'\]"
    ):
        endpoint.autoscale("x", min_capacity=1, max_capacity=2)
    with pytest.raises(ValidationError, match="variant_name: 's' is serverless"):
        endpoint.autoscale("s", min_capacity=1, max_capacity=2)


def test_all_problems_reported_together(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale(
            "a",
            min_capacity=0,
            max_capacity=1001,
            target_invocations_per_instance=0,
            target_cpu_utilization=-5,
            schedules=[
                ScheduledCapacity(name="bad name", schedule="every day"),
                ScheduledCapacity(
                    name="x", schedule="cron(0 7 * * ? *)", min_capacity=5, max_capacity=2, time_zone="Mars/Base"
                ),
                ScheduledCapacity(name="x", schedule="rate(5 minutes)", max_capacity=3),
            ],
        )
    message = str(info.value)
    for expected in [
        "Invalid autoscaling of variant 'a'",
        "min_capacity: 0 is not allowed; must be an integer from 1 to 1000",
        "max_capacity: 1001 is not allowed",
        "target_invocations_per_instance: 0 is not allowed",
        "target_cpu_utilization: -5 is not allowed",
        "schedules[0].name: 'bad name' is not allowed",
        "schedules[0].schedule: 'every day' is not allowed; expected cron(Minutes Hours Day-of-month Month "
        "Day-of-week Year), rate(N unit) or at(yyyy-mm-ddThh:mm:ss)",
        "schedules[0]: sets neither min_capacity nor max_capacity",
        "schedules[1]: min_capacity 5 is greater than max_capacity 2",
        "schedules[1].time_zone: 'Mars/Base' is not an IANA time zone",
        "schedules[2].name: 'x' is used twice",
    ]:
        assert expected in message, expected


def test_min_capacity_greater_than_max_capacity_is_said_in_those_words(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(
        stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large", initial_instance_count=2)
    )
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale("a", min_capacity=10, max_capacity=8)
    message = str(info.value)
    assert "min_capacity: 10 is greater than max_capacity 8; min_capacity must be <= max_capacity" in message
    assert "must include the variant's initial_instance_count" not in message  # one problem, said once
    with pytest.raises(
        ValidationError, match="schedules\\[0\\].min_capacity: 9 is greater than the target's max_capacity 8"
    ):
        endpoint.autoscale(
            "a",
            min_capacity=2,
            max_capacity=8,
            schedules=[ScheduledCapacity(name="up", schedule="rate(1 day)", min_capacity=9)],
        )


def test_five_field_cron_is_refused_with_the_six_field_form(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale(
            "a",
            min_capacity=1,
            max_capacity=4,
            schedules=[
                ScheduledCapacity(name="evening", schedule="cron(0 20 * * MON-FRI)", min_capacity=1),
                ScheduledCapacity(name="never", schedule="rate(0 minutes)", min_capacity=1),
                ScheduledCapacity(name="once", schedule="at(2027-02-30T10:00:00)", min_capacity=2),
            ],
        )
    message = str(info.value)
    for expected in [
        "schedules[0].schedule: 'cron(0 20 * * MON-FRI)' is not allowed; Application Auto Scaling cron expressions "
        "have six fields, cron(Minutes Hours Day-of-month Month Day-of-week Year), not 5: "
        "did you mean 'cron(0 20 ? * MON-FRI *)'?",
        "schedules[1].schedule: 'rate(0 minutes)' is not allowed; rate(value unit) takes a positive integer value, not '0'",
        "schedules[2].schedule: 'at(2027-02-30T10:00:00)' is not allowed; at(yyyy-mm-ddThh:mm:ss) takes a date and "
        "time such as at(2027-01-31T18:00:00), and '2027-02-30T10:00:00' is not a real date and time",
    ]:
        assert expected in message, expected


def test_min_above_max_is_reported_beside_other_problems(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, ServerlessVariant(name="s", model=model))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale("s", min_capacity=10, max_capacity=8)
    assert info.value.problems == (
        "variant_name: 's' is serverless; only instance variants can autoscale instances",
        "min_capacity: 10 is greater than max_capacity 8; min_capacity must be <= max_capacity",
    )
