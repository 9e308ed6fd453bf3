"""The ``[environments.<name>.deployment]`` table: deployment guardrails of the environment's endpoint.

Structured by :mod:`stacks.config` (strict cattrs hooks, key paths, did-you-mean), straight into the
construct's :class:`~sagemaker_serving.rollout.CapacitySize` for sizes (``{ instances = 1 }`` or
``{ percent = 10 }``). A setting left out takes the construct's default (blue/green, all at once, 5
minutes of baking). This module checks only what belongs to the file (one update policy table, a size
given with its traffic routing); ranges are the construct's rules, reported by the stack with these
key paths (:mod:`stacks.guardrails`)::

    [environments.prod.deployment]
    rollback_alarms = true              # the stack's per-variant 5XX-rate and ModelLatency p99 alarms
    rollback_alarm_names = ["team-slo"] # alarms that already exist in the account and region

    [environments.prod.deployment.blue_green]
    traffic_routing = "canary"          # all_at_once | canary | linear
    canary_size = { instances = 1 }
    wait_interval_seconds = 600
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from sagemaker_serving.rollout.capacity import CapacitySize


@dataclass(frozen=True, kw_only=True)
class BlueGreenConfig:
    """A blue/green update (``sagemaker_serving.BlueGreenUpdate``)."""

    #: How traffic moves to the new fleet: ``all_at_once`` (default), ``canary`` or ``linear``.
    traffic_routing: Literal["all_at_once", "canary", "linear"] = "all_at_once"
    #: ``canary`` only (required there): ``{ instances = n }`` or ``{ percent = p }``, at most 50% of each variant.
    canary_size: CapacitySize | None = None
    #: ``linear`` only (required there): ``{ instances = n }`` or ``{ percent = p }``, 10-50% of each variant.
    linear_step_size: CapacitySize | None = None
    #: Baking period after each traffic step, 0-3600. Default: the construct's (300).
    wait_interval_seconds: int | None = None
    #: Extra wait before the old fleet is terminated, 0-3600. Default: SageMaker's (0).
    termination_wait_seconds: int | None = None
    #: Time limit of the whole update, 600-28800. Default: SageMaker's.
    maximum_execution_timeout_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class RollingConfig:
    """A rolling update (``sagemaker_serving.RollingUpdate``): one instance variant only."""

    #: Instances replaced per batch: ``{ instances = n }`` or ``{ percent = p }``, 5-50% of the variant.
    maximum_batch_size: CapacitySize
    #: Baking period after each batch, 0-3600. Default: the construct's (300).
    wait_interval_seconds: int | None = None
    #: Batch size when rolling back. Default: SageMaker's (the whole old fleet at once).
    rollback_maximum_batch_size: CapacitySize | None = None
    #: Time limit of the whole update, 600-28800. Default: SageMaker's.
    maximum_execution_timeout_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class DeploymentConfig:
    """Deployment guardrails of the endpoint's updates (``sagemaker_serving.DeploymentGuardrails``).

    At most one of ``blue_green`` and ``rolling``; neither is a blue/green update, all at once.
    """

    #: A blue/green update (the default when neither table is given).
    blue_green: BlueGreenConfig | None = None
    #: A rolling update (one instance variant only).
    rolling: RollingConfig | None = None
    #: Roll back on the stack's per-variant alarms (5XX error rate, ModelLatency p99); the endpoint then
    #: has a fixed name, the stack's (``ModelServing-<env>``). Default true.
    rollback_alarms: bool = True
    #: Further alarms (existing in the environment's account and region) that roll an update back.
    rollback_alarm_names: tuple[str, ...] = ()


def as_written(size: CapacitySize) -> str:
    """``CapacitySize(instances=1)`` as the file writes it: ``{ instances = 1 }``."""
    given = [f"{f.name} = {getattr(size, f.name)!r}" for f in fields(size) if getattr(size, f.name) is not None]
    return "{ " + ", ".join(given) + " }" if given else "{ }"


def deployment_problems(deployment: DeploymentConfig | None) -> list[str]:
    """What the flat tables allow but the construct's objects cannot carry (key paths under ``deployment``)."""
    if deployment is None:
        return []
    problems = []
    if deployment.blue_green is not None and deployment.rolling is not None:
        problems.append(
            "deployment: blue_green and rolling are not allowed together; give one update policy (one of the "
            "two tables)"
        )
    blue_green = deployment.blue_green
    if blue_green is not None:
        routing = blue_green.traffic_routing
        for key, kind in (("canary_size", "canary"), ("linear_step_size", "linear")):
            given = getattr(blue_green, key)
            if given is not None and routing != kind:
                problems.append(
                    f"deployment.blue_green.{key}: {as_written(given)} is only allowed with traffic_routing = "
                    f"{kind!r}, not {routing!r}"
                )
            if given is None and routing == kind:
                problems.append(
                    f"deployment.blue_green.{key}: missing; traffic_routing = {kind!r} needs it "
                    "({ instances = <n> } or { percent = <p> })"
                )
    for name, table in (("blue_green", blue_green), ("rolling", deployment.rolling)):
        for f in fields(table) if table is not None else ():
            value = getattr(table, f.name)
            if f.name.endswith("_seconds") and isinstance(value, int) and value < 0:
                problems.append(f"deployment.{name}.{f.name}: {value!r} is not allowed; expected seconds ≥ 0")
    return problems
