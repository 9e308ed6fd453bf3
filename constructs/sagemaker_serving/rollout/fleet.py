"""What an endpoint update works on: each production variant's fleet, and the checks of sizes and waits against it.

SageMaker states its limits as shares of "the variant's total instance count". When a variant is
autoscaled, the endpoint keeps the instance count autoscaling chose across an update
(``RetainAllVariantProperties``, set by :class:`~sagemaker_serving.VariantAutoscaling`), so that count can be
anything from the autoscaling floor to its ceiling: a size is checked against both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

if TYPE_CHECKING:
    from sagemaker_serving.rollout.capacity import CapacitySize

#: The longest wait SageMaker accepts between traffic steps, per rolling batch and before the old fleet is
#: terminated: 3600 s (``TrafficRoutingConfig``/``RollingUpdatePolicy`` ``WaitIntervalInSeconds``,
#: ``BlueGreenUpdatePolicy`` ``TerminationWaitInSeconds``: 0-3600).
MAX_WAIT_SECONDS = 3600


@dataclass(frozen=True)
class Fleet:
    """One production variant as an update sees it."""

    #: The variant's name (an update needs the same names in the new endpoint config).
    variant_name: str
    #: A serverless variant: it has no instances to count.
    serverless: bool = False
    #: Fewest instances the variant can have when an update starts (its initial count, or the autoscaling floor).
    fewest: int = 1
    #: Most instances it can have then (its initial count, or the autoscaling ceiling).
    most: int = 1
    #: Its instance type (``None`` for serverless).
    instance_type: str | None = None


def seconds_problems(where: str, value: object, low: int, high: int) -> list[str]:
    """``value`` is a ``cdk.Duration`` of whole seconds from ``low`` to ``high``."""
    if not isinstance(value, cdk.Duration):
        return [f"{where}: {value!r} is not allowed; expected a cdk.Duration of {low}-{high} seconds"]
    millis = value.to_milliseconds()
    if millis % 1000 or not low <= millis // 1000 <= high:
        return [f"{where}: {millis / 1000:g} s is not allowed; expected whole seconds from {low} to {high}"]
    return []


def share_problems(
    where: str, size: CapacitySize, fleets: Sequence[Fleet], *, low: int, high: int, what: str, source: str
) -> list[str]:
    """``size`` is ``low``-``high`` % of every variant's instances (``what``: "a canary"; ``source``: the doc)."""
    problems = size.problems(where)
    if problems:
        return problems
    limit = f"{what} must be {f'{low}-{high}%' if low else f'at most {high}%'} of the variant's instances ({source})"
    if size.percent is not None:
        return [] if low <= size.percent <= high else [f"{where}: {size} is not allowed; {limit}"]
    count = size.instances or 0
    for fleet in fleets:
        name = fleet.variant_name
        if fleet.serverless:
            problems.append(
                f"{where}: {size} is not allowed; variant {name!r} is serverless and has no instances to count: "
                "give a percent"
            )
            continue
        if 100 * count > high * fleet.fewest:
            one = " (a one-instance variant cannot do this by count: give a percent or more instances)"
            problems.append(
                f"{where}: {size} is not allowed; {limit}, and variant {name!r} can start an update with "
                f"{fleet.fewest} instance{'' if fleet.fewest == 1 else 's'}{one if fleet.fewest == 1 else ''}"
            )
        elif low and 100 * count < low * fleet.most:
            problems.append(
                f"{where}: {size} is not allowed; {limit}, and variant {name!r} can start an update with "
                f"{fleet.most} instances"
            )
    return problems
