"""Autoscaling of an asynchronous endpoint's instance variant on its request backlog, down to zero instances.

Two policies, as the SageMaker developer guide's "Autoscale an asynchronous endpoint" describes them
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html):

* target tracking on ``ApproximateBacklogSizePerInstance`` (a customized metric: namespace ``AWS/SageMaker``,
  dimension ``EndpointName`` only, statistic ``Average``; the guide's example target is 5.0), with
  ``MinCapacity`` 0 on the scalable target, since "with Asynchronous Inference you can also scale down your
  asynchronous endpoints instances to zero";
* a step scaling policy (``ChangeInCapacity`` +1 above 0, ``MetricAggregationType`` ``Average``, cooldown
  300 s) triggered by a CloudWatch alarm on ``HasBacklogWithoutCapacity`` (``AWS/SageMaker``,
  ``EndpointName``, ``Average`` over 60 s, 2 of 2 periods ≥ 1, missing data ``missing``): without it "your
  endpoint only initiates scaling up from zero after the number of backlog requests exceeds the target
  tracking value", since no instance publishes a backlog per instance at zero.

The metrics are published for asynchronous endpoints only, and an asynchronous endpoint publishes no
``Invocations``/``InvocationsPerInstance`` (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html),
so :class:`~sagemaker_serving.VariantAutoscaling` refuses asynchronous endpoints and this construct refuses
real-time ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving._scaling import (
    Scaling,
    capacity_problems,
    find_variant,
    once_problems,
    retain_instance_counts,
    scheduled_capacity_problems,
    wake_alarm,
)
from sagemaker_serving.autoscaling import ScheduledCapacity
from sagemaker_serving.endpoint import Endpoint
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.variants import InstanceVariant, is_burstable

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

#: The developer guide's target: 5 queued requests per instance.
DEFAULT_TARGET_BACKLOG_PER_INSTANCE = 5.0
#: The wake-up alarm, as the developer guide sets it.
WAKE_UP_PERIOD = cdk.Duration.minutes(1)
WAKE_UP_EVALUATION_PERIODS = 2
WAKE_UP_COOLDOWN_SECONDS = 300


class _RequiredBacklogAutoscalingOptions(TypedDict):
    max_capacity: int


class BacklogAutoscalingOptions(_RequiredBacklogAutoscalingOptions, total=False):
    """The keyword options of ``Endpoint.autoscale_on_backlog``: :class:`BacklogAutoscaling`'s own."""

    min_capacity: int
    target_backlog_per_instance: float
    scale_in_cooldown: cdk.Duration | None
    scale_out_cooldown: cdk.Duration | None
    schedules: Sequence[ScheduledCapacity]


class BacklogAutoscaling(Construct):
    """Application Auto Scaling of one instance variant of an asynchronous endpoint, down to zero instances.

    Target tracking on the endpoint's ``ApproximateBacklogSizePerInstance`` and a step policy that adds an
    instance when the ``HasBacklogWithoutCapacity`` alarm fires, so the first request wakes an endpoint at
    zero (see the module docstring for every value and its source). Scheduled actions as for
    :class:`~sagemaker_serving.VariantAutoscaling` (they may set 0). Uses the service-linked role; the
    endpoint keeps its current instance counts across updates.

    The backlog metrics are per endpoint: with several variants, each tracks the endpoint's backlog per
    instance.

    Guards: the endpoint is asynchronous, the variant exists and is an instance variant, not burstable,
    ``min_capacity <= initial_instance_count <= max_capacity``, and one autoscaling per variant.

    :param max_capacity: most instances (1 to 1000, ≥ the variant's initial count).
    :param min_capacity: fewest instances. Default 0 (scale to zero when idle).
    :param target_backlog_per_instance: queued requests per instance to track (> 0). Default 5.
    :param scale_in_cooldown: wait after a scale-in. Default 300 s.
    :param scale_out_cooldown: wait after a scale-out. Default 60 s.
    :param schedules: scheduled capacity changes (0 allowed). Default: none.

    Attributes: ``scalable_target``, ``backlog_policy``, ``wake_up_policy``, ``wake_up_alarm``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        variant_name: str,
        max_capacity: int,
        min_capacity: int = 0,
        target_backlog_per_instance: float = DEFAULT_TARGET_BACKLOG_PER_INSTANCE,
        scale_in_cooldown: cdk.Duration | None = None,
        scale_out_cooldown: cdk.Duration | None = None,
        schedules: Sequence[ScheduledCapacity] = (),
    ) -> None:
        """Turn on backlog autoscaling for ``variant_name`` of the asynchronous ``endpoint``."""
        problems = _variant_problems(endpoint, variant_name, min_capacity, max_capacity)
        if (
            isinstance(target_backlog_per_instance, bool)
            or not isinstance(target_backlog_per_instance, int | float)
            or target_backlog_per_instance <= 0
        ):
            problems.append(
                f"target_backlog_per_instance: {target_backlog_per_instance!r} is not allowed; must be a number > 0"
            )
        problems += scheduled_capacity_problems(
            schedules, max_capacity, floor=0, note=" (an asynchronous endpoint can scale to zero)"
        )
        raise_if_problems(f"Invalid backlog autoscaling of variant {variant_name!r}", problems)
        super().__init__(scope, construct_id)

        scaling = Scaling.of_variant(self, endpoint, variant_name, min_capacity, max_capacity, schedules)
        self.scalable_target = scaling.target
        retain_instance_counts(endpoint)
        self.backlog_policy = scaling.tracking_policy(
            "BacklogPolicy",
            target_value=float(target_backlog_per_instance),
            metric=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                namespace="AWS/SageMaker",
                metric_name="ApproximateBacklogSizePerInstance",
                statistic="Average",
                dimensions=[
                    appscaling.CfnScalingPolicy.MetricDimensionProperty(
                        name="EndpointName", value=endpoint.endpoint_name
                    )
                ],
            ),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )
        self.wake_up_policy, self.wake_up_alarm = self._wake_up(scaling, endpoint)

    def _wake_up(self, scaling: Scaling, endpoint: Endpoint) -> tuple[appscaling.CfnScalingPolicy, cloudwatch.CfnAlarm]:
        """One more instance when requests wait and there is none: the step policy and the alarm that triggers it."""
        policy = scaling.step_up_policy("WakeUpPolicy", aggregation="Average", cooldown=WAKE_UP_COOLDOWN_SECONDS)
        alarm = wake_alarm(
            self,
            "WakeUpAlarm",
            policy=policy,
            description=(
                f"Requests wait in the queue of {endpoint.node.path} and it has no instance: add one "
                "(HasBacklogWithoutCapacity)"
            ),
            metric_name="HasBacklogWithoutCapacity",
            dimension=("EndpointName", endpoint.endpoint_name),
            statistic="Average",
            period=int(WAKE_UP_PERIOD.to_seconds()),
            evaluation_periods=WAKE_UP_EVALUATION_PERIODS,
            treat_missing_data="missing",
        )
        return policy, alarm


def _variant_problems(endpoint: Endpoint, variant_name: str, min_capacity: int, max_capacity: int) -> list[str]:
    """The endpoint is asynchronous, the variant can autoscale (once), and the capacities include its initial count."""
    problems: list[str] = []
    if not endpoint.endpoint_config.is_async:
        problems.append(
            "endpoint: is a real-time endpoint (its endpoint config has no async_inference); backlog autoscaling "
            "needs the queue metrics only asynchronous endpoints publish: use Endpoint.autoscale (VariantAutoscaling)"
        )
    variant, missing = find_variant(endpoint, variant_name)
    problems += missing
    initial = 1
    if variant is not None and not isinstance(variant, InstanceVariant):
        problems.append(f"variant_name: {variant_name!r} is serverless; only instance variants can autoscale instances")
    elif isinstance(variant, InstanceVariant):
        initial = variant.initial_instance_count
        if is_burstable(variant.instance_type):
            problems.append(
                f"instance_type: {variant.instance_type!r} is burstable; autoscaling needs a non-ml.t* type"
            )
    problems += once_problems(endpoint, variant_name)
    return problems + capacity_problems(
        min_capacity, max_capacity, initial=None if variant is None else initial, floor=0
    )
