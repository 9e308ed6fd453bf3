"""Autoscaling of one inference component's copy count, down to zero and back.

Application Auto Scaling scales ``sagemaker:inference-component:DesiredCopyCount`` of the resource
``inference-component/<name>`` (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html)
with target tracking on a predefined per-copy metric, ``SageMakerInferenceComponentInvocationsPerCopy`` or
``SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution``
(https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PredefinedMetricSpecification.html),
plus scheduled actions.

**Scale to zero** (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html):
with ``min_copies=0`` target tracking may remove the last copy, but cannot add one back (there is no
per-copy metric without copies). AWS's procedure adds a step scaling policy (``ChangeInCapacity`` +1,
``MetricAggregationType`` ``Maximum``) triggered by a CloudWatch alarm on ``NoCapacityInvocationFailures``
(``AWS/SageMaker``, dimension ``InferenceComponentName``), which "SageMaker AI emits ... when an endpoint
receives an inference request, but the endpoint has no active instances to serve the request". This
construct creates both. Two deliberate differences from the page's CLI example, each to the caller's
benefit:

- the alarm fires on **one** failed request (``GreaterThanOrEqualToThreshold`` 1; the example's
  ``GreaterThanThreshold`` 1 needs two in a minute), and treats missing data as not breaching, so it
  returns to ``OK`` once requests succeed;
- the step policy's cooldown is 5 minutes by default (the example's is 60 s): while a copy starts, every
  request still fails and the alarm stays in ``ALARM``, and Application Auto Scaling re-runs the policy
  every minute the alarm stays there; during a cooldown a step policy "won't increase the desired
  capacity again unless either a larger scale out is triggered or the cooldown period ends"
  (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html),
  so one cold start adds one copy, not one per minute of it.

**What callers see (the cold start).** While a component has no copy, ``InvokeEndpoint`` naming it fails
at once with a ``ValidationError`` (HTTP 400, "Inference Component has no capacity to process this
request"); that failure is what wakes the component. AWS says "the provisioning process takes several
minutes. During that time, any attempts to invoke the endpoint will produce an error": the alarm needs
its one-minute period, then SageMaker starts a copy, and a new instance too when the pool has scaled to
zero instances. The front door answers those requests ``503 ComponentScaledToZero`` with
``Retry-After: 60`` instead of SageMaker's 400, so clients retry later instead of treating them as bad
requests. Keep ``min_copies >= 1`` for a model whose callers cannot wait minutes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict
from zoneinfo import available_timezones

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.inference_components.capacity import Demand, pool_capacity_problems
from sagemaker_serving.schedules import schedule_problems

if TYPE_CHECKING:
    from sagemaker_serving.autoscaling import ScheduledCapacity
    from sagemaker_serving.inference_components.component import InferenceComponent

SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
MAX_COPIES = 1000
_ACTION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
MetricType = Literal[
    "SageMakerInferenceComponentInvocationsPerCopy",
    "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
]


@dataclass(frozen=True)
class CopyScalingMetric:
    """What target tracking keeps at its target: :meth:`invocations_per_copy` or
    :meth:`concurrent_requests_per_copy`."""

    #: The predefined metric type.
    metric_type: MetricType
    #: The value to keep the metric at.
    target: float

    @staticmethod
    def invocations_per_copy(target: float) -> CopyScalingMetric:
        """Requests per copy per minute (``SageMakerInferenceComponentInvocationsPerCopy``)."""
        return CopyScalingMetric("SageMakerInferenceComponentInvocationsPerCopy", target)

    @staticmethod
    def concurrent_requests_per_copy(target: float) -> CopyScalingMetric:
        """Requests in flight per copy, sampled every 10 s
        (``SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution``): reacts faster."""
        return CopyScalingMetric("SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution", target)

    def bind(self) -> appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty:
        """The policy's ``PredefinedMetricSpecification``."""
        spec = appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty
        return spec(predefined_metric_type=self.metric_type)


class _RequiredOptions(TypedDict):
    min_copies: int
    max_copies: int


class ComponentAutoscalingOptions(_RequiredOptions, total=False):
    """The keyword options of ``InferenceComponent.autoscale``: :class:`ComponentAutoscaling`'s own (defaults there)."""

    metric: CopyScalingMetric
    scale_in_cooldown: cdk.Duration | None
    scale_out_cooldown: cdk.Duration | None
    wake_cooldown: cdk.Duration | None
    schedules: Sequence[ScheduledCapacity]


class ComponentAutoscaling(Construct):
    """Application Auto Scaling of one :class:`~sagemaker_serving.InferenceComponent`'s copy count.

    Target tracking on a per-copy metric, scheduled actions (``ScheduledCapacity``, whose capacities are
    copies here and may be 0), and with ``min_copies=0`` the alarm and step policy that bring the first
    copy back (see the module docstring for the cold start callers see). Uses the Application Auto
    Scaling service-linked role. The scalable target is registered after the component exists.

    Checked when built: ``min_copies <= copy_count <= max_copies``, ``max_copies >= 1``, one autoscaling per
    component, the schedules, and that ``max_copies`` copies (with every other component's most) fit in
    the pool's most instances.

    Attributes: ``scalable_target``, ``tracking_policy``, ``wake_policy`` and ``wake_alarm`` (``None``
    unless ``min_copies`` is 0), ``min_copies``, ``max_copies``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        component: InferenceComponent,
        min_copies: int,
        max_copies: int,
        metric: CopyScalingMetric | None = None,
        scale_in_cooldown: cdk.Duration | None = None,
        scale_out_cooldown: cdk.Duration | None = None,
        wake_cooldown: cdk.Duration | None = None,
        schedules: Sequence[ScheduledCapacity] = (),
    ) -> None:
        """Turn on autoscaling for ``component``.

        :param min_copies: fewest copies (0 to ``copy_count``; 0 scales to zero).
        :param max_copies: most copies (``copy_count`` to 1000, and at least 1).
        :param metric: the target-tracking metric. Default: 100 invocations per copy per minute (the
            instance variants' default per instance).
        :param scale_in_cooldown: wait after a scale-in. Default 300 s.
        :param scale_out_cooldown: wait after a scale-out. Default 60 s.
        :param wake_cooldown: the step policy's cooldown after it adds the first copy (scale to zero only).
            Default 300 s, about one cold start.
        :param schedules: scheduled copy-count changes. Default: none.
        """
        metric = metric or CopyScalingMetric.invocations_per_copy(100)
        cooldowns = {
            "scale_in_cooldown": scale_in_cooldown or cdk.Duration.seconds(300),
            "scale_out_cooldown": scale_out_cooldown or cdk.Duration.seconds(60),
            "wake_cooldown": wake_cooldown or cdk.Duration.seconds(300),
        }
        problems = _problems(component, min_copies, max_copies, metric, schedules)
        raise_if_problems(f"Invalid autoscaling of inference component {component.name!r}", problems)
        super().__init__(scope, construct_id)
        self.min_copies, self.max_copies = min_copies, max_copies
        component.autoscaling = self
        self.scalable_target = appscaling.CfnScalableTarget(
            self,
            "Target",
            service_namespace="sagemaker",
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=f"inference-component/{component.inference_component_name}",
            min_capacity=min_copies,
            max_capacity=max_copies,
            scheduled_actions=_scheduled_actions(schedules),
        )
        self.scalable_target.node.add_dependency(component.cfn_inference_component)
        self.tracking_policy = appscaling.CfnScalingPolicy(
            self,
            "TrackingPolicy",
            policy_name=f"{cdk.Names.unique_id(self)[-180:]}Tracking",
            policy_type="TargetTrackingScaling",
            scaling_target_id=self.scalable_target.ref,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=metric.target,
                predefined_metric_specification=metric.bind(),
                scale_in_cooldown=int(cooldowns["scale_in_cooldown"].to_seconds()),
                scale_out_cooldown=int(cooldowns["scale_out_cooldown"].to_seconds()),
            ),
        )
        self.wake_policy: appscaling.CfnScalingPolicy | None = None
        self.wake_alarm: cloudwatch.CfnAlarm | None = None
        if min_copies == 0:
            self.wake_policy, self.wake_alarm = self._wake(component, cooldowns["wake_cooldown"])

    def _wake(
        self, component: InferenceComponent, cooldown: cdk.Duration
    ) -> tuple[appscaling.CfnScalingPolicy, cloudwatch.CfnAlarm]:
        """The step policy that adds one copy, and the alarm on ``NoCapacityInvocationFailures`` that runs it."""
        policy = appscaling.CfnScalingPolicy(
            self,
            "WakePolicy",
            policy_name=f"{cdk.Names.unique_id(self)[-180:]}Wake",
            policy_type="StepScaling",
            scaling_target_id=self.scalable_target.ref,
            step_scaling_policy_configuration=appscaling.CfnScalingPolicy.StepScalingPolicyConfigurationProperty(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type="Maximum",
                cooldown=int(cooldown.to_seconds()),
                step_adjustments=[
                    appscaling.CfnScalingPolicy.StepAdjustmentProperty(
                        metric_interval_lower_bound=0, scaling_adjustment=1
                    )
                ],
            ),
        )
        alarm = cloudwatch.CfnAlarm(
            self,
            "WakeAlarm",
            alarm_description=(
                f"Inference component {component.name!r} was invoked with no copy: add one (scale out from zero)"
            ),
            namespace="AWS/SageMaker",
            metric_name="NoCapacityInvocationFailures",
            dimensions=[
                cloudwatch.CfnAlarm.DimensionProperty(
                    name="InferenceComponentName", value=component.inference_component_name
                )
            ],
            statistic="Sum",
            period=60,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[policy.ref],  # Ref of a scaling policy is its ARN.
        )
        return policy, alarm


def _problems(
    component: InferenceComponent,
    min_copies: int,
    max_copies: int,
    metric: CopyScalingMetric,
    schedules: Sequence[ScheduledCapacity],
) -> list[str]:
    problems: list[str] = []
    if component.autoscaling is not None:
        problems.append(f"component: {component.name!r} already has autoscaling; enable it once per component")
    valid = True
    for label, value, low in (("min_copies", min_copies, 0), ("max_copies", max_copies, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_COPIES:
            problems.append(f"{label}: {value!r} is not allowed; must be an integer from {low} to {MAX_COPIES}")
            valid = False
    if valid and not min_copies <= component.copy_count <= max_copies:
        problems.append(
            f"min_copies/max_copies: {min_copies}..{max_copies} must include the component's copy_count "
            f"{component.copy_count} (min_copies <= copy_count <= max_copies)"
        )
    if not isinstance(metric, CopyScalingMetric) or not isinstance(metric.target, (int, float)) or metric.target <= 0:
        problems.append(
            f"metric: {metric!r} is not allowed; expected CopyScalingMetric.invocations_per_copy(target) or "
            ".concurrent_requests_per_copy(target) with a target > 0"
        )
    problems += _schedule_problems(schedules, max_copies if valid else MAX_COPIES)
    if not problems:
        from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig

        config = component.endpoint.endpoint_config
        assert isinstance(config, ComponentEndpointConfig)
        demands = [
            Demand(
                f"{c.name!r} (autoscaling.max_copies)" if c is component else f"{c.name!r}",
                c.compute,
                max(max_copies, c.copy_count) if c is component else c.peak_copies,
            )
            for c in component.endpoint.inference_components
        ]
        problems += pool_capacity_problems("max_copies", config.pool, demands)
    return problems


def _schedule_problems(schedules: Sequence[ScheduledCapacity], max_copies: int) -> list[str]:
    """Each schedule's name, expression, capacities (copies: 0 allowed) and time zone."""
    problems: list[str] = []
    names: set[str] = set()
    zones: set[str] | None = None
    for i, s in enumerate(schedules):
        where = f"schedules[{i}]"
        if not isinstance(s.name, str) or not _ACTION_NAME.match(s.name):
            problems.append(f"{where}.name: {s.name!r} is not allowed; expected 1-256 of [A-Za-z0-9_.-]")
        if s.name in names:
            problems.append(f"{where}.name: {s.name!r} is used twice; names must be unique")
        names.add(s.name)
        problems += schedule_problems(f"{where}.schedule", s.schedule)
        if s.min_capacity is None and s.max_capacity is None:
            problems.append(f"{where}: sets neither min_capacity nor max_capacity; set at least one")
        for label, value in (("min_capacity", s.min_capacity), ("max_capacity", s.max_capacity)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COPIES
            ):
                problems.append(
                    f"{where}.{label}: {value!r} is not allowed; must be an integer from 0 to {MAX_COPIES} copies"
                )
        if isinstance(s.min_capacity, int) and isinstance(s.max_capacity, int) and s.min_capacity > s.max_capacity:
            problems.append(f"{where}: min_capacity {s.min_capacity} is greater than max_capacity {s.max_capacity}")
        if s.max_capacity is None and isinstance(s.min_capacity, int) and s.min_capacity > max_copies:
            problems.append(f"{where}.min_capacity: {s.min_capacity} is greater than max_copies {max_copies}")
        if s.time_zone != "UTC":
            zones = zones if zones is not None else available_timezones()
            if s.time_zone not in zones:
                problems.append(f"{where}.time_zone: {s.time_zone!r} is not an IANA time zone such as 'Europe/Paris'")
    return problems


def _scheduled_actions(
    schedules: Sequence[ScheduledCapacity],
) -> list[appscaling.CfnScalableTarget.ScheduledActionProperty] | None:
    return [
        appscaling.CfnScalableTarget.ScheduledActionProperty(
            scheduled_action_name=s.name,
            schedule=s.schedule,
            timezone=s.time_zone,
            scalable_target_action=appscaling.CfnScalableTarget.ScalableTargetActionProperty(
                min_capacity=s.min_capacity, max_capacity=s.max_capacity
            ),
        )
        for s in schedules
    ] or None
