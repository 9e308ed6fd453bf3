"""ComponentAutoscaling: copy-count target tracking, schedules, scale to zero (alarm + step policy) and every rule."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ComponentEndpointConfig,
    ComputeRequirements,
    ContainerImage,
    CopyScalingMetric,
    Endpoint,
    InferenceComponent,
    InstancePool,
    Model,
    ScheduledCapacity,
    ValidationError,
)

ONE_CPU = ComputeRequirements(cpu_cores=1, min_memory_mb=1024)


def _component(stack: cdk.Stack, *, copy_count: int = 1, max_instances: int = 2) -> InferenceComponent:
    pool = InstancePool(instance_type="ml.m5.xlarge", min_instance_count=0, max_instance_count=max_instances)
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=ComponentEndpointConfig(stack, "Config", pool=pool))
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    return InferenceComponent(
        stack, "Fraud", endpoint=endpoint, name="fraud", model=model, compute=ONE_CPU, copy_count=copy_count
    )


def test_scale_to_zero_has_tracking_a_wake_alarm_and_a_step_policy(stack: cdk.Stack) -> None:
    component = _component(stack)
    scaling = component.autoscale(
        min_copies=0,
        max_copies=4,
        metric=CopyScalingMetric.concurrent_requests_per_copy(5),
        schedules=[
            ScheduledCapacity(name="night", schedule="cron(0 20 ? * * *)", min_capacity=0, max_capacity=0),
            ScheduledCapacity(name="day", schedule="cron(0 7 ? * MON-FRI *)", min_capacity=1, time_zone="Europe/Paris"),
        ],
    )
    assert component.autoscaling is scaling and component.peak_copies == 4
    template = Template.from_stack(stack)
    name = component.inference_component_name
    target = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    ((target_id, target_resource),) = target.items()
    assert target_resource["Properties"] == {
        "ServiceNamespace": "sagemaker",
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
        "ResourceId": f"inference-component/{name}",
        "MinCapacity": 0,
        "MaxCapacity": 4,
        "ScheduledActions": [
            {
                "ScheduledActionName": "night",
                "Schedule": "cron(0 20 ? * * *)",
                "Timezone": "UTC",
                "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 0},
            },
            {
                "ScheduledActionName": "day",
                "Schedule": "cron(0 7 ? * MON-FRI *)",
                "Timezone": "Europe/Paris",
                "ScalableTargetAction": {"MinCapacity": 1},
            },
        ],
    }
    assert target_resource["DependsOn"] == [stack.get_logical_id(component.cfn_inference_component)]
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": target_id},
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"
                },
                "TargetValue": 5,
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        },
    )
    assert scaling.wake_policy is not None and scaling.wake_alarm is not None
    wake_id = stack.get_logical_id(scaling.wake_policy)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "StepScaling",
            "ScalingTargetId": {"Ref": target_id},
            "StepScalingPolicyConfiguration": {
                "AdjustmentType": "ChangeInCapacity",
                "MetricAggregationType": "Maximum",
                "Cooldown": 300,
                "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
            },
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SageMaker",
            "MetricName": "NoCapacityInvocationFailures",
            "Dimensions": [{"Name": "InferenceComponentName", "Value": name}],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": wake_id}],
        },
    )


def test_no_wake_policy_without_scale_to_zero(stack: cdk.Stack) -> None:
    component = _component(stack, copy_count=2)
    scaling = component.autoscale(min_copies=1, max_copies=3, wake_cooldown=cdk.Duration.minutes(9))
    assert scaling.wake_policy is None and scaling.wake_alarm is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerInferenceComponentInvocationsPerCopy"
                    },
                    "TargetValue": 100,
                }
            )
        },
    )


def test_autoscaling_rules_all_at_once(stack: cdk.Stack) -> None:
    component = _component(stack, copy_count=2)
    with pytest.raises(ValidationError) as info:
        component.autoscale(
            min_copies=3,
            max_copies=4,
            metric=CopyScalingMetric.invocations_per_copy(0),
            schedules=[
                ScheduledCapacity(name="x y", schedule="cron(0 7 * * *)", min_capacity=-1),
                ScheduledCapacity(name="z", schedule="rate(1 day)", min_capacity=9, time_zone="Mars/Base"),
            ],
        )
    assert info.value.problems == (
        "min_copies/max_copies: 3..4 must include the component's copy_count 2 (min_copies <= copy_count <= max_copies)",
        "metric: CopyScalingMetric(metric_type='SageMakerInferenceComponentInvocationsPerCopy', target=0) is not allowed; expected CopyScalingMetric.invocations_per_copy(target) or .concurrent_requests_per_copy(target) with a target > 0",
        "schedules[0].name: 'x y' is not allowed; expected 1-256 of [A-Za-z0-9_.-]",
        "schedules[0].schedule: 'cron(0 7 * * *)' is not allowed; Application Auto Scaling cron expressions have six fields, cron(Minutes Hours Day-of-month Month Day-of-week Year), not 5: did you mean 'cron(0 7 * * ? *)'?",
        "schedules[0].min_capacity: -1 is not allowed; must be an integer from 0 to 1000 copies",
        "schedules[1].min_capacity: 9 is greater than max_copies 4",
        "schedules[1].time_zone: 'Mars/Base' is not an IANA time zone such as 'Europe/Paris'",
    )
    assert component.autoscaling is None


def test_once_per_component_and_capacities(stack: cdk.Stack) -> None:
    component = _component(stack)
    with pytest.raises(ValidationError) as info:
        component.autoscale(min_copies=-1, max_copies=0)
    assert info.value.problems == (
        "min_copies: -1 is not allowed; must be an integer from 0 to 1000",
        "max_copies: 0 is not allowed; must be an integer from 1 to 1000",
    )
    component.autoscale(min_copies=0, max_copies=2)
    with pytest.raises(
        ValidationError, match=r"component: 'fraud' already has autoscaling; enable it once per component"
    ):
        component.autoscale(min_copies=0, max_copies=2)


def test_max_copies_must_fit_in_the_pool(stack: cdk.Stack) -> None:
    component = _component(stack, max_instances=2)  # 2 × ml.m5.xlarge = 8 vCPUs
    with pytest.raises(ValidationError) as info:
        component.autoscale(min_copies=0, max_copies=9)
    assert info.value.problems == (
        "max_copies: 9 × 1 ('fraud' (autoscaling.max_copies)) = 9 CPU cores is not allowed; 2 × ml.m5.xlarge (max_instance_count 2) offers 8 vCPUs: lower the copy counts or requirements, or raise the pool's max_instance_count",
        "max_copies: 9 copies of 'fraud' (autoscaling.max_copies) need 3 instances (4 per ml.m5.xlarge), which is not allowed; the pool has at most 2 × ml.m5.xlarge (max_instance_count 2): lower the copy counts or requirements, or raise the pool's max_instance_count",
    )


def test_a_later_component_counts_the_others_autoscaled_peak(stack: cdk.Stack) -> None:
    component = _component(stack, max_instances=2)
    component.autoscale(min_copies=0, max_copies=6)
    with pytest.raises(
        ValidationError, match=r"copy_count: 6 × 1 \('fraud'\) \+ 3 × 1 \('other'\) = 9 CPU cores is not allowed"
    ):
        InferenceComponent(
            stack,
            "Other",
            endpoint=component.endpoint,
            name="other",
            model=Model(stack, "M2", image=ContainerImage.sklearn()),
            compute=ONE_CPU,
            copy_count=3,
        )
