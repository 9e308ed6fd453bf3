"""The value types the configuration's tables share.

``Seconds``, ``Days`` and ``Routing`` are checked by the converter's strict hooks
(:mod:`stacks.config.structuring`). The constructs' own value objects (``ScheduledCapacity``,
``WafOptions``, ``UsagePlanOptions``, ``TransformOptions``, ``AlarmThresholds``) stand here as
placeholders until a table needs one: the converter then imports the real class, so reading a file
that uses none of them imports none of their modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NewType

if TYPE_CHECKING:
    from sagemaker_serving import AlarmThresholds, ScheduledCapacity, TransformOptions, UsagePlanOptions, WafOptions

#: A duration in seconds (a number ≥ 0); the stack turns it into a ``cdk.Duration``.
Seconds = NewType("Seconds", float)
#: A duration in whole days (an integer ≥ 0); the stack turns it into a ``cdk.Duration``.
Days = NewType("Days", int)
#: ``sagemaker_serving.RequestRouting``: each request to an instance with more capacity, or to a random one.
Routing = Literal["least_outstanding_requests", "random"]


class _LazyValueObject:
    """Stands for a construct value object in annotations until a table needs it (then imported)."""

    module: str


def _lazy(module: str, name: str) -> type[_LazyValueObject]:
    return type(name, (_LazyValueObject,), {"module": module})


if not TYPE_CHECKING:  # the real classes are imported by the converter's hook, on first use
    ScheduledCapacity = _lazy("sagemaker_serving", "ScheduledCapacity")
    WafOptions = _lazy("sagemaker_serving", "WafOptions")
    UsagePlanOptions = _lazy("sagemaker_serving", "UsagePlanOptions")
    TransformOptions = _lazy("sagemaker_serving", "TransformOptions")
    AlarmThresholds = _lazy("sagemaker_serving.monitoring.thresholds", "AlarmThresholds")

__all__ = [
    "AlarmThresholds",
    "Days",
    "Routing",
    "ScheduledCapacity",
    "Seconds",
    "TransformOptions",
    "UsagePlanOptions",
    "WafOptions",
]
