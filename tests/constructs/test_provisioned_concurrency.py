"""ProvisionedConcurrencyAutoscaling: the scalable dimension, the predefined metric, schedules and every guard."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

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


def _endpoint(stack: cdk.Stack, variant: InstanceVariant | ServerlessVariant) -> Endpoint:
    return Endpoint(stack, "Endpoint", endpoint_config=EndpointConfig(stack, "Config", variants=[variant]))


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn())


def _serverless(model: Model, *, provisioned: int | None = 2, max_concurrency: int = 20) -> ServerlessVariant:
    return ServerlessVariant(
        name="only", model=model, max_concurrency=max_concurrency, provisioned_concurrency=provisioned
    )


def test_target_tracking_on_provisioned_concurrency_with_daily_schedules(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, _serverless(model))
    scaling = endpoint.autoscale_provisioned_concurrency(
        "only",
        min_capacity=1,
        max_capacity=10,
        target_utilization=0.7,
        scale_in_cooldown=cdk.Duration.minutes(10),
        schedules=[
            ScheduledCapacity(name="day", schedule="cron(0 7 ? * MON-FRI *)", min_capacity=5, time_zone="Europe/Paris"),
            ScheduledCapacity(name="night", schedule="cron(0 20 ? * * *)", min_capacity=1, time_zone="Europe/Paris"),
        ],
    )
    template = Template.from_stack(stack)
    endpoint_id = stack.get_logical_id(endpoint.cfn_endpoint)
    template.has_resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "Properties": {
                "ServiceNamespace": "sagemaker",
                "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
                "ResourceId": {
                    "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": [endpoint_id, "EndpointName"]}, "/variant/only"]]
                },
                "MinCapacity": 1,
                "MaxCapacity": 10,
                "ScheduledActions": [
                    {
                        "ScheduledActionName": "day",
                        "Schedule": "cron(0 7 ? * MON-FRI *)",
                        "Timezone": "Europe/Paris",
                        "ScalableTargetAction": {"MinCapacity": 5},
                    },
                    {
                        "ScheduledActionName": "night",
                        "Schedule": "cron(0 20 ? * * *)",
                        "Timezone": "Europe/Paris",
                        "ScalableTargetAction": {"MinCapacity": 1},
                    },
                ],
            },
            "DependsOn": [endpoint_id],
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": stack.get_logical_id(scaling.scalable_target)},
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 0.7,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
                },
                "ScaleInCooldown": 600,
                "ScaleOutCooldown": 60,
            },
        },
    )
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)
    assert scaling.utilization_policy is not None


def test_defaults_track_half_the_provisioned_concurrency(stack: cdk.Stack, model: Model) -> None:
    _endpoint(stack, _serverless(model)).autoscale_provisioned_concurrency("only", min_capacity=1, max_capacity=4)
    policy = next(
        iter(Template.from_stack(stack).find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values())
    )
    config = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert (config["TargetValue"], config["ScaleInCooldown"], config["ScaleOutCooldown"]) == (0.5, 300, 60)


def _problems(excinfo: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return list(excinfo.value.problems)


def test_every_capacity_rule_is_reported_at_once(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, _serverless(model, provisioned=5, max_concurrency=8))
    with pytest.raises(ValidationError, match=re.escape("Invalid provisioned concurrency autoscaling")) as info:
        endpoint.autoscale_provisioned_concurrency(
            "only",
            min_capacity=0,
            max_capacity=9,
            target_utilization=70,
        )
    assert _problems(info) == [
        "min_capacity: 0 is not allowed; must be an integer from 1 to 8 (provisioned concurrency is at most the "
        "variant's max_concurrency, and at most 200)",
        "max_capacity: 9 is not allowed; must be an integer from 1 to 8 (provisioned concurrency is at most the "
        "variant's max_concurrency, and at most 200)",
        "target_utilization: 70 is not allowed; must be a ratio > 0 and <= 1 (the share of the provisioned "
        "concurrency in use, e.g. 0.5)",
    ]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (3, 2, "min_capacity: 3 is greater than max_capacity 2; min_capacity must be <= max_capacity"),
        (
            3,
            8,
            "min_capacity/max_capacity: 3..8 must include the variant's provisioned_concurrency 2 "
            "(min_capacity <= provisioned_concurrency <= max_capacity)",
        ),
    ],
)
def test_range_must_include_the_provisioned_concurrency(
    stack: cdk.Stack, model: Model, low: int, high: int, expected: str
) -> None:
    endpoint = _endpoint(stack, _serverless(model))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_provisioned_concurrency("only", min_capacity=low, max_capacity=high)
    assert _problems(info) == [expected]


def test_variant_without_provisioned_concurrency_is_refused(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, _serverless(model, provisioned=None))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_provisioned_concurrency("only", min_capacity=1, max_capacity=2)
    assert _problems(info) == [
        "provisioned_concurrency: the serverless variant 'only' has none; set it on the variant first (AWS scales "
        "only variants deployed with provisioned concurrency)"
    ]


def test_instance_and_unknown_variants_and_twice_are_refused(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, InstanceVariant(name="blue", model=model, instance_type="ml.m5.large"))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_provisioned_concurrency("blue", min_capacity=1, max_capacity=2)
    assert _problems(info) == [
        "variant_name: 'blue' is an instance variant; provisioned concurrency autoscaling is for serverless "
        "variants (use VariantAutoscaling for instances)"
    ]
    with pytest.raises(
        ValidationError, match=r"variant_name: 'nope' is not a variant of the endpoint; variants are \['blue'\]"
    ):
        endpoint.autoscale_provisioned_concurrency("nope", min_capacity=1, max_capacity=2)

    other = cdk.Stack(cdk.App(), "Other")
    served = _endpoint(other, _serverless(Model(other, "Model", image=ContainerImage.sklearn())))
    served.autoscale_provisioned_concurrency("only", min_capacity=1, max_capacity=4)
    with pytest.raises(
        ValidationError, match="variant_name: 'only' already has autoscaling; enable it once per variant"
    ):
        served.autoscale_provisioned_concurrency("only", min_capacity=1, max_capacity=4)


def test_schedules_stay_within_the_variant_max_concurrency(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, _serverless(model, max_concurrency=10))
    with pytest.raises(ValidationError) as info:
        endpoint.autoscale_provisioned_concurrency(
            "only",
            min_capacity=1,
            max_capacity=10,
            schedules=[
                ScheduledCapacity(name="peak", schedule="cron(0 7 * * *)", min_capacity=12, max_capacity=15),
            ],
        )
    problems = _problems(info)
    assert (
        "schedules[0].min_capacity: 12 is not allowed; must be at most 10 (the variant's max_concurrency)" in problems
    )
    assert (
        "schedules[0].max_capacity: 15 is not allowed; must be at most 10 (the variant's max_concurrency)" in problems
    )
    assert any(p.startswith("schedules[0].schedule: 'cron(0 7 * * *)' is not allowed") for p in problems)
