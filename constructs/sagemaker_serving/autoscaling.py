"""Autoscaling of one instance production variant: target tracking plus scheduled capacity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict
from zoneinfo import available_timezones

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving.endpoint import Endpoint
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.schedules import schedule_problems
from sagemaker_serving.variants import InstanceVariant, is_burstable

_ACTION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_MAX_CAPACITY = 1000


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
        """Turn on autoscaling for ``variant_name`` of ``endpoint``.

        :param min_capacity: fewest instances (≥ 1, ≤ the variant's initial count).
        :param max_capacity: most instances (≥ the variant's initial count and ``min_capacity``, ≤ 1000).
        :param target_invocations_per_instance: requests per instance per minute to track. Default 100.
        :param target_cpu_utilization: also track this average CPU percent. Default: off.
        :param scale_in_cooldown: wait after a scale-in. Default 300 s (scale in slowly).
        :param scale_out_cooldown: wait after a scale-out. Default 60 s (scale out fast).
        :param schedules: scheduled capacity changes. Default: none.
        """
        scale_in = scale_in_cooldown or cdk.Duration.seconds(300)
        scale_out = scale_out_cooldown or cdk.Duration.seconds(60)
        problems = _variant_problems(endpoint, variant_name, min_capacity, max_capacity)
        problems += _tracking_problems(target_invocations_per_instance, target_cpu_utilization, scale_in, scale_out)
        problems += _schedule_problems(schedules, max_capacity)
        # Before any construct is added to the tree.
        raise_if_problems(f"Invalid autoscaling of variant {variant_name!r}", problems)
        super().__init__(scope, construct_id)
        endpoint._autoscaled_variants.add(variant_name)
        self.variant_name = variant_name
        self.capacity_range = (
            min([min_capacity, *(s.min_capacity for s in schedules if s.min_capacity is not None)]),
            max([max_capacity, *(s.max_capacity for s in schedules if s.max_capacity is not None)]),
        )
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity

        self.scalable_target = self._scalable_target(endpoint, variant_name, min_capacity, max_capacity, schedules)
        _retain_instance_counts(endpoint)
        self.invocations_policy = self._policy(
            "InvocationsPolicy",
            appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=target_invocations_per_instance,
                predefined_metric_specification=appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                    predefined_metric_type="SageMakerVariantInvocationsPerInstance"
                ),
                scale_in_cooldown=int(scale_in.to_seconds()),
                scale_out_cooldown=int(scale_out.to_seconds()),
            ),
        )
        self.cpu_policy: appscaling.CfnScalingPolicy | None = None
        if target_cpu_utilization is not None:
            self.cpu_policy = self._policy(
                "CpuPolicy", _cpu_tracking(endpoint, variant_name, target_cpu_utilization, scale_in, scale_out)
            )

    def _scalable_target(
        self,
        endpoint: Endpoint,
        variant_name: str,
        min_capacity: int,
        max_capacity: int,
        schedules: Sequence[ScheduledCapacity],
    ) -> appscaling.CfnScalableTarget:
        """The variant's ``DesiredInstanceCount`` as a scalable target, with the scheduled actions."""
        target = appscaling.CfnScalableTarget(
            self,
            "Target",
            service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            resource_id=f"endpoint/{endpoint.endpoint_name}/variant/{variant_name}",
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scheduled_actions=_scheduled_actions(schedules),
        )
        # Registered only after the endpoint (and so the variant) exists.
        target.node.add_dependency(endpoint.cfn_endpoint)
        return target

    def _policy(
        self, policy_id: str, spec: appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty
    ) -> appscaling.CfnScalingPolicy:
        """A target-tracking policy on the scalable target."""
        return appscaling.CfnScalingPolicy(
            self,
            policy_id,
            policy_name=f"{cdk.Names.unique_id(self)[-180:]}{policy_id}",
            policy_type="TargetTrackingScaling",
            scaling_target_id=self.scalable_target.ref,
            target_tracking_scaling_policy_configuration=spec,
        )


def _variant_problems(endpoint: Endpoint, variant_name: str, min_capacity: int, max_capacity: int) -> list[str]:
    """The variant can autoscale (once) and the capacities are valid and include its initial count."""
    problems: list[str] = []
    variant = next((v for v in endpoint.endpoint_config.variants if v.name == variant_name), None)
    initial = 1
    if variant is None:
        problems.append(
            f"variant_name: {variant_name!r} is not a variant of the endpoint; "
            f"variants are {list(endpoint.variant_names)}"
        )
    elif not isinstance(variant, InstanceVariant):
        problems.append(f"variant_name: {variant_name!r} is serverless; only instance variants can autoscale instances")
    elif endpoint.endpoint_config.is_async:
        problems.append(
            f"variant_name: {variant_name!r} serves an asynchronous endpoint, for which SageMaker publishes no "
            "InvocationsPerInstance metric, so the invocations-per-instance policy would never scale it; use "
            "Endpoint.autoscale_on_backlog (BacklogAutoscaling: backlog per instance, down to zero instances)"
        )
    else:
        initial = variant.initial_instance_count
        if is_burstable(variant.instance_type):
            problems.append(
                f"instance_type: {variant.instance_type!r} is burstable; autoscaling needs a non-ml.t* type"
            )
    if variant_name in endpoint._autoscaled_variants:
        problems.append(f"variant_name: {variant_name!r} already has autoscaling; enable it once per variant")
    return problems + _capacity_problems(min_capacity, max_capacity, initial, check_initial=not problems)


def _capacity_problems(min_capacity: int, max_capacity: int, initial: int, *, check_initial: bool) -> list[str]:
    """Both capacities within 1..1000, ordered, and (``check_initial``) around the initial count."""
    problems: list[str] = []
    capacities_valid = True
    for field_name, value in (("min_capacity", min_capacity), ("max_capacity", max_capacity)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_CAPACITY:
            problems.append(f"{field_name}: {value!r} is not allowed; must be an integer from 1 to {_MAX_CAPACITY}")
            capacities_valid = False
    if capacities_valid and min_capacity > max_capacity:
        problems.append(
            f"min_capacity: {min_capacity} is greater than max_capacity {max_capacity}; "
            "min_capacity must be <= max_capacity"
        )
    elif check_initial and not problems and not min_capacity <= initial <= max_capacity:
        problems.append(
            f"min_capacity/max_capacity: {min_capacity}..{max_capacity} must include the variant's "
            f"initial_instance_count {initial} (min_capacity <= initial_instance_count <= max_capacity)"
        )
    return problems


def _tracking_problems(
    target_invocations_per_instance: int,
    target_cpu_utilization: float | None,
    scale_in: cdk.Duration,
    scale_out: cdk.Duration,
) -> list[str]:
    """The tracked targets and the cooldowns."""
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
    for label, cooldown in (("scale_in_cooldown", scale_in), ("scale_out_cooldown", scale_out)):
        if not cooldown.is_unresolved() and cooldown.to_seconds() < 0:
            problems.append(f"{label}: must not be negative")
    return problems


def _scheduled_actions(
    schedules: Sequence[ScheduledCapacity],
) -> list[appscaling.CfnScalableTarget.ScheduledActionProperty] | None:
    """The scalable target's ``ScheduledActions`` (``None`` when there are none)."""
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


def _retain_instance_counts(endpoint: Endpoint) -> None:
    """Keep the instance counts autoscaling chose when the endpoint is updated; apply new weights."""
    endpoint.cfn_endpoint.retain_all_variant_properties = True
    endpoint.cfn_endpoint.exclude_retained_variant_properties = [
        {"variantPropertyType": "DesiredWeight"}  # type: ignore[list-item]
    ]


def _cpu_tracking(
    endpoint: Endpoint,
    variant_name: str,
    target_cpu_utilization: float,
    scale_in: cdk.Duration,
    scale_out: cdk.Duration,
) -> appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty:
    """Track the variant's average ``CPUUtilization`` (a customized metric of the endpoint and variant)."""
    return appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
        target_value=target_cpu_utilization,
        customized_metric_specification=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
            namespace="/aws/sagemaker/Endpoints",
            metric_name="CPUUtilization",
            statistic="Average",
            unit="Percent",
            dimensions=[
                appscaling.CfnScalingPolicy.MetricDimensionProperty(name="EndpointName", value=endpoint.endpoint_name),
                appscaling.CfnScalingPolicy.MetricDimensionProperty(name="VariantName", value=variant_name),
            ],
        ),
        scale_in_cooldown=int(scale_in.to_seconds()),
        scale_out_cooldown=int(scale_out.to_seconds()),
    )


def _schedule_problems(schedules: Sequence[ScheduledCapacity], max_capacity: int, *, floor: int = 1) -> list[str]:
    """``floor``: the lowest capacity a schedule may set (0 for an asynchronous endpoint, else 1)."""
    problems: list[str] = []
    names: set[str] = set()
    zones: set[str] | None = None
    for i, s in enumerate(schedules):
        where = f"schedules[{i}]"
        if not _ACTION_NAME.match(s.name):
            problems.append(f"{where}.name: {s.name!r} is not allowed; expected 1-256 of [A-Za-z0-9_.-]")
        if s.name in names:
            problems.append(f"{where}.name: {s.name!r} is used twice; names must be unique")
        names.add(s.name)
        problems += schedule_problems(f"{where}.schedule", s.schedule)
        if s.min_capacity is None and s.max_capacity is None:
            problems.append(f"{where}: sets neither min_capacity nor max_capacity; set at least one")
        for label, value in (("min_capacity", s.min_capacity), ("max_capacity", s.max_capacity)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not floor <= value <= _MAX_CAPACITY
            ):
                why = (
                    "an asynchronous endpoint can scale to zero"
                    if floor == 0
                    else "a SageMaker variant keeps at least one instance"
                )
                problems.append(
                    f"{where}.{label}: {value!r} is not allowed; must be an integer from {floor} to "
                    f"{_MAX_CAPACITY} ({why})"
                )
        if isinstance(s.min_capacity, int) and isinstance(s.max_capacity, int) and s.min_capacity > s.max_capacity:
            problems.append(f"{where}: min_capacity {s.min_capacity} is greater than max_capacity {s.max_capacity}")
        if (
            s.max_capacity is None
            and isinstance(s.min_capacity, int)
            and isinstance(max_capacity, int)
            and s.min_capacity > max_capacity
        ):
            problems.append(
                f"{where}.min_capacity: {s.min_capacity} is greater than the target's max_capacity {max_capacity}"
            )
        if s.time_zone != "UTC":
            zones = zones if zones is not None else available_timezones()
            if s.time_zone not in zones:
                problems.append(f"{where}.time_zone: {s.time_zone!r} is not an IANA time zone such as 'Europe/Paris'")
    return problems
