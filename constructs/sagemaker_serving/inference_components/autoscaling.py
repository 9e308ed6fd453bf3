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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving._scaling import (
    MAX_CAPACITY,
    Scaling,
    capacity_problems,
    cooldown_seconds,
    is_count,
    scheduled_capacity_problems,
    wake_alarm,
)
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.inference_components.capacity import Demand, pool_capacity_problems

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from sagemaker_serving.autoscaling import ScheduledCapacity
    from sagemaker_serving.inference_components.component import InferenceComponent

SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
MAX_COPIES = MAX_CAPACITY
_WAKE_COOLDOWN_SECONDS = 300  # about one cold start
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

    :param min_copies: fewest copies (0 to ``copy_count``; 0 scales to zero).
    :param max_copies: most copies (``copy_count`` to 1000, and at least 1).
    :param metric: the target-tracking metric. Default: 100 invocations per copy per minute (the
        instance variants' default per instance).
    :param scale_in_cooldown: wait after a scale-in. Default 300 s.
    :param scale_out_cooldown: wait after a scale-out. Default 60 s.
    :param wake_cooldown: the step policy's cooldown after it adds the first copy (scale to zero only).
        Default 300 s, about one cold start.
    :param schedules: scheduled copy-count changes. Default: none.

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
        """Turn on autoscaling for ``component``."""
        metric = metric or CopyScalingMetric.invocations_per_copy(100)
        problems = _problems(component, min_copies, max_copies, metric, schedules)
        raise_if_problems(f"Invalid autoscaling of inference component {component.name!r}", problems)
        super().__init__(scope, construct_id)
        self.min_copies, self.max_copies = min_copies, max_copies
        component.autoscaling = self
        scaling = Scaling(
            self,
            dimension=SCALABLE_DIMENSION,
            resource_id=f"inference-component/{component.inference_component_name}",
            min_capacity=min_copies,
            max_capacity=max_copies,
            schedules=schedules,
            after=component.cfn_inference_component,
        )
        self.scalable_target = scaling.target
        self.tracking_policy = scaling.tracking_policy(
            "TrackingPolicy",
            name_suffix="Tracking",
            target_value=metric.target,
            metric=metric.bind(),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )
        self.wake_policy: appscaling.CfnScalingPolicy | None = None
        self.wake_alarm: cloudwatch.CfnAlarm | None = None
        if min_copies == 0:
            self.wake_policy, self.wake_alarm = self._wake(
                scaling, component, cooldown_seconds(wake_cooldown, _WAKE_COOLDOWN_SECONDS)
            )

    def _wake(
        self, scaling: Scaling, component: InferenceComponent, cooldown: int
    ) -> tuple[appscaling.CfnScalingPolicy, cloudwatch.CfnAlarm]:
        """The step policy that adds one copy, and the alarm on ``NoCapacityInvocationFailures`` that runs it."""
        policy = scaling.step_up_policy("WakePolicy", name_suffix="Wake", aggregation="Maximum", cooldown=cooldown)
        alarm = wake_alarm(
            self,
            "WakeAlarm",
            policy=policy,
            description=(
                f"Inference component {component.name!r} was invoked with no copy: add one (scale out from zero)"
            ),
            metric_name="NoCapacityInvocationFailures",
            dimension=("InferenceComponentName", component.inference_component_name),
            statistic="Sum",
            evaluation_periods=1,
            treat_missing_data="notBreaching",
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
    problems += capacity_problems(
        min_copies,
        max_copies,
        initial=component.copy_count,
        initial_name="copy_count",
        owner="component",
        names=("min_copies", "max_copies"),
        floor=0,
        ordered=False,
    )
    valid = is_count(min_copies, 0) and is_count(max_copies, 1)
    if not isinstance(metric, CopyScalingMetric) or not isinstance(metric.target, (int, float)) or metric.target <= 0:
        problems.append(
            f"metric: {metric!r} is not allowed; expected CopyScalingMetric.invocations_per_copy(target) or "
            ".concurrent_requests_per_copy(target) with a target > 0"
        )
    problems += scheduled_capacity_problems(
        schedules, max_copies if valid else MAX_COPIES, floor=0, note=" copies", max_name="max_copies"
    )
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
