"""Autoscaling of a serverless variant's provisioned concurrency: target tracking plus daily schedules.

Application Auto Scaling scales ``sagemaker:variant:DesiredProvisionedConcurrency`` of a serverless
variant that was deployed with provisioned concurrency, tracking the predefined metric
``SageMakerVariantProvisionedConcurrencyUtilization`` (the share of the provisioned concurrency in use,
a ratio: AWS's example tracks 0.5), and takes scheduled actions as instance autoscaling does
(https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-autoscale.html). Provisioned
concurrency is 1 to 200 and at most the variant's ``MaxConcurrency``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from constructs import Construct

from sagemaker_serving._scaling import (
    Scaling,
    capacity_problems,
    cooldown_problems,
    find_variant,
    is_count,
    once_problems,
    scheduled_capacity_problems,
)
from sagemaker_serving.autoscaling import ScheduledCapacity
from sagemaker_serving.endpoint import Endpoint
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.variants import ServerlessVariant

#: The scalable dimension and the predefined metric (Application Auto Scaling's names).
SCALABLE_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
PREDEFINED_METRIC = "SageMakerVariantProvisionedConcurrencyUtilization"
#: ``ProvisionedConcurrency``: 1 to 200 (ProductionVariantServerlessConfig).
MAX_PROVISIONED_CONCURRENCY = 200
#: Default target utilisation: the value of AWS's example policy for serverless endpoints.
DEFAULT_TARGET_UTILIZATION = 0.5


class _RequiredOptions(TypedDict):
    min_capacity: int
    max_capacity: int


class ProvisionedConcurrencyOptions(_RequiredOptions, total=False):
    """The keyword options of ``Endpoint.autoscale_provisioned_concurrency``: the construct's own.

    ``min_capacity`` and ``max_capacity`` are required; the defaults of the others are documented on
    :class:`ProvisionedConcurrencyAutoscaling` (stated there only).
    """

    target_utilization: float
    scale_in_cooldown: cdk.Duration | None
    scale_out_cooldown: cdk.Duration | None
    schedules: Sequence[ScheduledCapacity]


class ProvisionedConcurrencyAutoscaling(Construct):
    """Application Auto Scaling of one serverless variant's provisioned concurrency.

    Target tracking on ``SageMakerVariantProvisionedConcurrencyUtilization`` with cooldowns, plus
    scheduled actions (``ScheduledCapacity``: a floor in the day, a lower one at night). Uses the
    Application Auto Scaling service-linked role. The scalable target depends on the endpoint.

    Guards, as for instance autoscaling: the variant exists and is serverless with
    ``provisioned_concurrency`` set (AWS scales only variants deployed with it),
    ``min_capacity <= provisioned_concurrency <= max_capacity``, ``max_capacity <= max_concurrency`` of
    the variant (and ≤ 200), schedules within the same bounds, and one autoscaling per variant.

    :param min_capacity: least provisioned concurrency (≥ 1, ≤ the variant's ``provisioned_concurrency``).
    :param max_capacity: most provisioned concurrency (≥ the variant's ``provisioned_concurrency``,
        ≤ its ``max_concurrency``).
    :param target_utilization: share of the provisioned concurrency in use to track, > 0 and ≤ 1.
        Default 0.5 (AWS's example).
    :param scale_in_cooldown: wait after a scale-in. Default 300 s (scale in slowly).
    :param scale_out_cooldown: wait after a scale-out. Default 60 s (scale out fast).
    :param schedules: scheduled changes of the capacity range, for daily cycles. Default: none.

    Attributes: ``scalable_target``, ``utilization_policy``.
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
        target_utilization: float = DEFAULT_TARGET_UTILIZATION,
        scale_in_cooldown: cdk.Duration | None = None,
        scale_out_cooldown: cdk.Duration | None = None,
        schedules: Sequence[ScheduledCapacity] = (),
    ) -> None:
        """Turn on provisioned-concurrency autoscaling for ``variant_name`` of ``endpoint``."""
        problems, ceiling = _variant_problems(endpoint, variant_name, min_capacity, max_capacity)
        problems += _tracking_problems(target_utilization)
        problems += cooldown_problems(scale_in_cooldown=scale_in_cooldown, scale_out_cooldown=scale_out_cooldown)
        problems += _schedules_within(schedules, max_capacity, ceiling)
        raise_if_problems(f"Invalid provisioned concurrency autoscaling of variant {variant_name!r}", problems)
        super().__init__(scope, construct_id)

        scaling = Scaling.of_variant(
            self, endpoint, variant_name, min_capacity, max_capacity, schedules, dimension=SCALABLE_DIMENSION
        )
        self.scalable_target = scaling.target
        self.utilization_policy = scaling.tracking_policy(
            "UtilizationPolicy",
            target_value=target_utilization,
            metric=appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                predefined_metric_type=PREDEFINED_METRIC
            ),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )


def _variant_problems(
    endpoint: Endpoint, variant_name: str, min_capacity: int, max_capacity: int
) -> tuple[list[str], int]:
    """The variant can scale its provisioned concurrency (once); the capacities fit it. Also returns the
    ceiling: the variant's ``max_concurrency`` (200 when unknown)."""
    variant, problems = find_variant(endpoint, variant_name)
    ceiling, initial = MAX_PROVISIONED_CONCURRENCY, None
    if variant is not None and not isinstance(variant, ServerlessVariant):
        problems.append(
            f"variant_name: {variant_name!r} is an instance variant; provisioned concurrency autoscaling is for "
            "serverless variants (use VariantAutoscaling for instances)"
        )
    elif isinstance(variant, ServerlessVariant) and variant.provisioned_concurrency is None:
        problems.append(
            f"provisioned_concurrency: the serverless variant {variant_name!r} has none; set it on the variant "
            "first (AWS scales only variants deployed with provisioned concurrency)"
        )
    elif isinstance(variant, ServerlessVariant):
        initial = variant.provisioned_concurrency
        ceiling = min(variant.max_concurrency, MAX_PROVISIONED_CONCURRENCY)
    problems += once_problems(endpoint, variant_name)
    problems += capacity_problems(
        min_capacity,
        max_capacity,
        initial=initial,
        initial_name="provisioned_concurrency",
        ceiling=ceiling,
        note=" (provisioned concurrency is at most the variant's max_concurrency, and at most 200)",
    )
    return problems, ceiling


def _tracking_problems(target_utilization: float) -> list[str]:
    if isinstance(target_utilization, bool) or not (
        isinstance(target_utilization, (int, float)) and 0 < target_utilization <= 1
    ):
        return [
            f"target_utilization: {target_utilization!r} is not allowed; must be a ratio > 0 and <= 1 "
            "(the share of the provisioned concurrency in use, e.g. 0.5)"
        ]
    return []


def _schedules_within(schedules: Sequence[ScheduledCapacity], max_capacity: int, ceiling: int) -> list[str]:
    """The instance-autoscaling schedule rules, plus every capacity at most the variant's ceiling."""
    problems = scheduled_capacity_problems(schedules, max_capacity)
    for i, s in enumerate(schedules):
        for label, value in (("min_capacity", s.min_capacity), ("max_capacity", s.max_capacity)):
            if is_count(value, 1) and value > ceiling:  # type: ignore[operator]
                problems.append(
                    f"schedules[{i}].{label}: {value} is not allowed; must be at most {ceiling} "
                    "(the variant's max_concurrency)"
                )
    return problems
