"""What the four autoscaling constructs share: one owner for the Application Auto Scaling shape.

:class:`~sagemaker_serving.VariantAutoscaling`, :class:`~sagemaker_serving.BacklogAutoscaling`,
:class:`~sagemaker_serving.ProvisionedConcurrencyAutoscaling` and
:class:`~sagemaker_serving.ComponentAutoscaling` each register one scalable target
(``AWS::ApplicationAutoScaling::ScalableTarget``, namespace ``sagemaker``) with its scheduled actions, put
a target-tracking policy on it, and (scale to zero) a step policy that adds one when an alarm fires. They
differ in the scalable dimension, the resource id, the metric and the bounds of the capacities; this
module holds the rest: the rules of the capacities and of the schedules (``ScheduledCapacity``), the
scalable target, the policies and the wake-up alarm
(https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html,
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving.schedules import schedule_problems

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from sagemaker_serving.autoscaling import ScheduledCapacity
    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.variants import Variant

#: Most capacity of a scalable target here (instances or copies).
MAX_CAPACITY = 1000
#: The cooldowns when none is given: scale in slowly, scale out fast.
SCALE_IN_SECONDS = 300
SCALE_OUT_SECONDS = 60
_ACTION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_KEEPS_ONE = " (a SageMaker variant keeps at least one instance)"

_Metric = (
    appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty
    | appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty
)


class Scaling:
    """The scalable target of one autoscaling construct (its child ``Target``) and the policies on it.

    Not a construct: what it creates are children of the autoscaling construct (``scope``), with the
    construct IDs it is given. The target is registered only after ``after`` (the endpoint or the
    inference component) exists.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        dimension: str,
        resource_id: str,
        min_capacity: int,
        max_capacity: int,
        schedules: Sequence[ScheduledCapacity],
        after: Construct,
    ) -> None:
        self._scope = scope
        self.target = appscaling.CfnScalableTarget(
            scope,
            "Target",
            service_namespace="sagemaker",
            scalable_dimension=dimension,
            resource_id=resource_id,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scheduled_actions=scheduled_actions(schedules),
        )
        self.target.node.add_dependency(after)
        self._target_ref = self.target.ref
        self._name_prefix: str | None = None

    @classmethod
    def of_variant(
        cls,
        scope: Construct,
        endpoint: Endpoint,
        variant_name: str,
        min_capacity: int,
        max_capacity: int,
        schedules: Sequence[ScheduledCapacity],
        *,
        dimension: str = "sagemaker:variant:DesiredInstanceCount",
    ) -> Scaling:
        """The scalable target of an endpoint's variant, registered only after the endpoint (and so the
        variant) exists; the variant counts as autoscaled from now on (see :func:`once_problems`)."""
        endpoint._autoscaled_variants.add(variant_name)
        return cls(
            scope,
            dimension=dimension,
            resource_id=f"endpoint/{endpoint.endpoint_name}/variant/{variant_name}",
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            schedules=schedules,
            after=endpoint.cfn_endpoint,
        )

    def tracking_policy(
        self,
        construct_id: str,
        *,
        target_value: float,
        metric: _Metric,
        scale_in_cooldown: cdk.Duration | None,
        scale_out_cooldown: cdk.Duration | None,
        name_suffix: str | None = None,
    ) -> appscaling.CfnScalingPolicy:
        """A target-tracking policy keeping ``metric`` at ``target_value``. The cooldowns default to 300 s
        in and 60 s out: scale in slowly, scale out fast."""
        predefined = appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty
        configuration = appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
            target_value=target_value,
            predefined_metric_specification=metric if isinstance(metric, predefined) else None,
            customized_metric_specification=None if isinstance(metric, predefined) else metric,
            scale_in_cooldown=cooldown_seconds(scale_in_cooldown, SCALE_IN_SECONDS),
            scale_out_cooldown=cooldown_seconds(scale_out_cooldown, SCALE_OUT_SECONDS),
        )
        return self._policy(construct_id, name_suffix, target_tracking_scaling_policy_configuration=configuration)

    def step_up_policy(
        self, construct_id: str, *, aggregation: str, cooldown: int, name_suffix: str | None = None
    ) -> appscaling.CfnScalingPolicy:
        """A step policy adding one (``ChangeInCapacity`` +1 at or above the alarm threshold): the way up
        from zero, where no per-instance or per-copy metric exists for target tracking."""
        return self._policy(
            construct_id,
            name_suffix,
            step_scaling_policy_configuration=appscaling.CfnScalingPolicy.StepScalingPolicyConfigurationProperty(
                adjustment_type="ChangeInCapacity",
                metric_aggregation_type=aggregation,
                cooldown=cooldown,
                step_adjustments=[
                    appscaling.CfnScalingPolicy.StepAdjustmentProperty(
                        metric_interval_lower_bound=0, scaling_adjustment=1
                    )
                ],
            ),
        )

    def _policy(
        self,
        construct_id: str,
        name_suffix: str | None,
        *,
        target_tracking_scaling_policy_configuration: (
            appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty | None
        ) = None,
        step_scaling_policy_configuration: appscaling.CfnScalingPolicy.StepScalingPolicyConfigurationProperty
        | None = None,
    ) -> appscaling.CfnScalingPolicy:
        """A policy on the target named ``<the scope's unique id, last 180 characters><name_suffix>``."""
        if self._name_prefix is None:
            self._name_prefix = cdk.Names.unique_id(self._scope)[-180:]
        return appscaling.CfnScalingPolicy(
            self._scope,
            construct_id,
            policy_name=f"{self._name_prefix}{name_suffix or construct_id}",
            policy_type="TargetTrackingScaling" if step_scaling_policy_configuration is None else "StepScaling",
            scaling_target_id=self._target_ref,
            target_tracking_scaling_policy_configuration=target_tracking_scaling_policy_configuration,
            step_scaling_policy_configuration=step_scaling_policy_configuration,
        )


def wake_alarm(
    scope: Construct,
    construct_id: str,
    *,
    policy: appscaling.CfnScalingPolicy,
    description: str,
    metric_name: str,
    dimension: tuple[str, str],
    statistic: str,
    evaluation_periods: int,
    treat_missing_data: str,
    period: int = 60,
) -> cloudwatch.CfnAlarm:
    """The alarm on an ``AWS/SageMaker`` metric (≥ 1 in ``evaluation_periods`` of ``evaluation_periods``
    periods) that runs ``policy`` (:meth:`Scaling.step_up_policy`)."""
    from aws_cdk import aws_cloudwatch as cloudwatch  # only scale to zero needs it

    name, value = dimension
    return cloudwatch.CfnAlarm(
        scope,
        construct_id,
        alarm_description=description,
        namespace="AWS/SageMaker",
        metric_name=metric_name,
        dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name=name, value=value)],
        statistic=statistic,
        period=period,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=evaluation_periods,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data=treat_missing_data,
        alarm_actions=[policy.ref],  # Ref of a scaling policy is its ARN
    )


def scheduled_actions(
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


def cooldown_seconds(cooldown: cdk.Duration | None, default: int) -> int:
    """A policy's cooldown in seconds: ``cooldown``, or ``default`` when none is given."""
    return default if cooldown is None else int(cooldown.to_seconds())


def cooldown_problems(**cooldowns: cdk.Duration | None) -> list[str]:
    """Each given cooldown (by its keyword name) is not negative."""
    return [
        f"{label}: must not be negative"
        for label, cooldown in cooldowns.items()
        if cooldown is not None and not cooldown.is_unresolved() and cooldown.to_seconds() < 0
    ]


def is_count(value: object, floor: int, ceiling: int = MAX_CAPACITY) -> bool:
    """``value`` is an integer (not a bool) from ``floor`` to ``ceiling``."""
    return isinstance(value, int) and not isinstance(value, bool) and floor <= value <= ceiling


def capacity_problems(
    min_value: int,
    max_value: int,
    *,
    initial: int | None,
    initial_name: str = "initial_instance_count",
    owner: str = "variant",
    names: tuple[str, str] = ("min_capacity", "max_capacity"),
    floor: int = 1,
    ceiling: int = MAX_CAPACITY,
    note: str = "",
    ordered: bool = True,
) -> list[str]:
    """The target's capacities: integers (``min`` from ``floor``, ``max`` from 1, both to ``ceiling``),
    ``min <= max`` (``ordered``), and a range that includes the ``owner``'s current ``initial`` (when not
    ``None``)."""
    low_name, high_name = names
    problems = [
        f"{name}: {value!r} is not allowed; must be an integer from {least} to {ceiling}{note}"
        for name, value, least in ((low_name, min_value, floor), (high_name, max_value, 1))
        if not is_count(value, least, ceiling)
    ]
    if problems:
        return problems
    if ordered and min_value > max_value:
        return [f"{low_name}: {min_value} is greater than {high_name} {max_value}; {low_name} must be <= {high_name}"]
    if initial is not None and not min_value <= initial <= max_value:
        return [
            f"{low_name}/{high_name}: {min_value}..{max_value} must include the {owner}'s {initial_name} {initial} "
            f"({low_name} <= {initial_name} <= {high_name})"
        ]
    return []


def scheduled_capacity_problems(
    schedules: Sequence[ScheduledCapacity],
    max_capacity: int,
    *,
    floor: int = 1,
    note: str = _KEEPS_ONE,
    max_name: str = "the target's max_capacity",
) -> list[str]:
    """Each schedule's name (unique), expression, capacities (``floor`` to 1000, ordered, a minimum at most
    ``max_capacity`` when it sets no maximum) and IANA time zone."""
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
            if value is not None and not is_count(value, floor):
                problems.append(
                    f"{where}.{label}: {value!r} is not allowed; "
                    f"must be an integer from {floor} to {MAX_CAPACITY}{note}"
                )
        if isinstance(s.min_capacity, int) and isinstance(s.max_capacity, int) and s.min_capacity > s.max_capacity:
            problems.append(f"{where}: min_capacity {s.min_capacity} is greater than max_capacity {s.max_capacity}")
        if (
            s.max_capacity is None
            and isinstance(s.min_capacity, int)
            and isinstance(max_capacity, int)
            and s.min_capacity > max_capacity
        ):
            problems.append(f"{where}.min_capacity: {s.min_capacity} is greater than {max_name} {max_capacity}")
        if s.time_zone != "UTC":
            zones = zones if zones is not None else available_timezones()
            if s.time_zone not in zones:
                problems.append(f"{where}.time_zone: {s.time_zone!r} is not an IANA time zone such as 'Europe/Paris'")
    return problems


def find_variant(endpoint: Endpoint, variant_name: str) -> tuple[Variant | None, list[str]]:
    """The endpoint's variant named ``variant_name``, or ``None`` and the problem."""
    variant = next((v for v in endpoint.endpoint_config.variants if v.name == variant_name), None)
    if variant is not None:
        return variant, []
    return None, [
        f"variant_name: {variant_name!r} is not a variant of the endpoint; variants are {list(endpoint.variant_names)}"
    ]


def once_problems(endpoint: Endpoint, variant_name: str) -> list[str]:
    """The variant has no autoscaling yet (one per variant, whichever kind)."""
    if variant_name in endpoint._autoscaled_variants:
        return [f"variant_name: {variant_name!r} already has autoscaling; enable it once per variant"]
    return []


def retain_instance_counts(endpoint: Endpoint) -> None:
    """Keep the instance counts autoscaling chose when the endpoint is updated; apply new weights."""
    endpoint.cfn_endpoint.retain_all_variant_properties = True
    endpoint.cfn_endpoint.exclude_retained_variant_properties = [
        {"variantPropertyType": "DesiredWeight"}  # type: ignore[list-item]
    ]
