"""Autoscaling of one instance production variant: target tracking plus scheduled capacity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving._scaling import (
    Scaling,
    capacity_problems,
    cooldown_problems,
    find_variant,
    once_problems,
    retain_instance_counts,
    scheduled_capacity_problems,
)
from sagemaker_serving.endpoint import Endpoint
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.variants import InstanceVariant, is_burstable


@dataclass(frozen=True, kw_only=True)
class ScheduledCapacity:
    """A capacity floor/ceiling applied on a schedule, for daily traffic cycles.

    Example: ``ScheduledCapacity(name="business-hours", schedule="cron(0 7 ? * MON-FRI *)",
    min_capacity=4)`` and a second action in the evening that lowers ``min_capacity`` again.
    """

    #: Action name (letters, digits, ``_.-``), unique per variant.
    name: str
    #: ``cron(...)`` with six fields (Minutes Hours Day-of-month Month Day-of-week Year, e.g.
    #: ``cron(0 7 ? * MON-FRI *)``), ``rate(N unit)`` or ``at(yyyy-mm-ddThh:mm:ss)``; see
    #: :mod:`sagemaker_serving.schedules`.
    schedule: str
    #: New minimum capacity. Default: unchanged.
    min_capacity: int | None = None
    #: New maximum capacity. Default: unchanged.
    max_capacity: int | None = None
    #: IANA time zone of the schedule. Default ``UTC``.
    time_zone: str = "UTC"


class _RequiredAutoscalingOptions(TypedDict):
    min_capacity: int
    max_capacity: int


class AutoscalingOptions(_RequiredAutoscalingOptions, total=False):
    """The keyword options of ``Endpoint.autoscale``: :class:`VariantAutoscaling`'s own.

    ``min_capacity`` and ``max_capacity`` are required; the others take the defaults documented on
    :class:`VariantAutoscaling` (stated there only).
    """

    target_invocations_per_instance: int
    target_cpu_utilization: float | None
    scale_in_cooldown: cdk.Duration | None
    scale_out_cooldown: cdk.Duration | None
    schedules: Sequence[ScheduledCapacity]


class VariantAutoscaling(Construct):
    """Application Auto Scaling of one instance variant's ``DesiredInstanceCount``.

    Target tracking on invocations per instance (and optionally CPU utilisation), with scale-in and
    scale-out cooldowns, plus scheduled actions. Uses the Application Auto Scaling service-linked
    role (no extra IAM role). The scalable target depends on the endpoint, so it is registered only
    once the endpoint exists. Once autoscaling is on, the endpoint keeps its current instance counts
    across updates (weights still follow the new config).

    Guards: the variant exists and is an instance variant, not a burstable ``ml.t*`` type,
    ``min_capacity <= initial_instance_count <= max_capacity``, and one autoscaling per variant.

    :param min_capacity: fewest instances (≥ 1, ≤ the variant's initial count).
    :param max_capacity: most instances (≥ the variant's initial count and ``min_capacity``, ≤ 1000).
    :param target_invocations_per_instance: requests per instance per minute to track. Default 100.
    :param target_cpu_utilization: also track this average CPU percent. Default: off.
    :param scale_in_cooldown: wait after a scale-in. Default 300 s (scale in slowly).
    :param scale_out_cooldown: wait after a scale-out. Default 60 s (scale out fast).
    :param schedules: scheduled capacity changes. Default: none.

    Attributes: ``scalable_target``, ``invocations_policy``, ``cpu_policy`` (or ``None``), ``variant_name``,
    ``capacity_range`` (the fewest and most instances the variant can have, schedules included).
    ``min_capacity`` and ``max_capacity`` (the limits outside the schedules).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        variant_name: str,
        min_capacity: int,
        max_capacity: int,
        target_invocations_per_instance: int = 100,
        target_cpu_utilization: float | None = None,
        scale_in_cooldown: cdk.Duration | None = None,
        scale_out_cooldown: cdk.Duration | None = None,
        schedules: Sequence[ScheduledCapacity] = (),
    ) -> None:
        """Turn on autoscaling for ``variant_name`` of ``endpoint``."""
        problems = _variant_problems(endpoint, variant_name, min_capacity, max_capacity)
        problems += _tracking_problems(target_invocations_per_instance, target_cpu_utilization)
        problems += cooldown_problems(scale_in_cooldown=scale_in_cooldown, scale_out_cooldown=scale_out_cooldown)
        problems += scheduled_capacity_problems(schedules, max_capacity)
        # Before any construct is added to the tree.
        raise_if_problems(f"Invalid autoscaling of variant {variant_name!r}", problems)
        super().__init__(scope, construct_id)
        self.variant_name = variant_name
        self.capacity_range = (
            min([min_capacity, *(s.min_capacity for s in schedules if s.min_capacity is not None)]),
            max([max_capacity, *(s.max_capacity for s in schedules if s.max_capacity is not None)]),
        )
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity

        scaling = Scaling.of_variant(self, endpoint, variant_name, min_capacity, max_capacity, schedules)
        self.scalable_target = scaling.target
        retain_instance_counts(endpoint)
        self.invocations_policy = scaling.tracking_policy(
            "InvocationsPolicy",
            target_value=target_invocations_per_instance,
            metric=appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                predefined_metric_type="SageMakerVariantInvocationsPerInstance"
            ),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )
        self.cpu_policy: appscaling.CfnScalingPolicy | None = None
        if target_cpu_utilization is not None:
            self.cpu_policy = scaling.tracking_policy(
                "CpuPolicy",
                target_value=target_cpu_utilization,
                metric=_cpu(endpoint, variant_name),
                scale_in_cooldown=scale_in_cooldown,
                scale_out_cooldown=scale_out_cooldown,
            )


def _variant_problems(endpoint: Endpoint, variant_name: str, min_capacity: int, max_capacity: int) -> list[str]:
    """The variant can autoscale (once) and the capacities are valid and include its initial count."""
    variant, problems = find_variant(endpoint, variant_name)
    initial = 1
    if variant is not None and not isinstance(variant, InstanceVariant):
        problems.append(f"variant_name: {variant_name!r} is serverless; only instance variants can autoscale instances")
    elif isinstance(variant, InstanceVariant) and endpoint.endpoint_config.is_async:
        problems.append(
            f"variant_name: {variant_name!r} serves an asynchronous endpoint, for which SageMaker publishes no "
            "InvocationsPerInstance metric, so the invocations-per-instance policy would never scale it; use "
            "Endpoint.autoscale_on_backlog (BacklogAutoscaling: backlog per instance, down to zero instances)"
        )
    elif isinstance(variant, InstanceVariant):
        initial = variant.initial_instance_count
        if is_burstable(variant.instance_type):
            problems.append(
                f"instance_type: {variant.instance_type!r} is burstable; autoscaling needs a non-ml.t* type"
            )
    problems += once_problems(endpoint, variant_name)
    return problems + capacity_problems(min_capacity, max_capacity, initial=None if problems else initial)


def _tracking_problems(target_invocations_per_instance: int, target_cpu_utilization: float | None) -> list[str]:
    """The tracked targets."""
    problems: list[str] = []
    if (
        isinstance(target_invocations_per_instance, bool)
        or not isinstance(target_invocations_per_instance, int)
        or target_invocations_per_instance < 1
    ):
        problems.append(
            f"target_invocations_per_instance: {target_invocations_per_instance!r} is not allowed; "
            "must be an integer >= 1"
        )
    if target_cpu_utilization is not None and not (
        isinstance(target_cpu_utilization, (int, float)) and 0 < target_cpu_utilization <= 100 * 192
    ):
        problems.append(f"target_cpu_utilization: {target_cpu_utilization!r} is not allowed; must be a percentage > 0")
    return problems


def _cpu(endpoint: Endpoint, variant_name: str) -> appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty:
    """The variant's average ``CPUUtilization`` (a customized metric of the endpoint and variant)."""
    return appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
        namespace="/aws/sagemaker/Endpoints",
        metric_name="CPUUtilization",
        statistic="Average",
        unit="Percent",
        dimensions=[
            appscaling.CfnScalingPolicy.MetricDimensionProperty(name="EndpointName", value=endpoint.endpoint_name),
            appscaling.CfnScalingPolicy.MetricDimensionProperty(name="VariantName", value=variant_name),
        ],
    )
