"""Deployment guardrails: how an endpoint update rolls out and what rolls it back.

``Endpoint(deployment=DeploymentGuardrails(update_policy=BlueGreenUpdate(traffic_routing=Canary(
size=CapacitySize.instance_count(1), wait_interval=cdk.Duration.minutes(10))), rollback_alarms=[...]))``.
Names are imported lazily: ``CapacitySize`` (a pure value object the configuration parser uses) loads
no aws_cdk module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "CapacitySize": "capacity",
    "DeploymentGuardrails": "guardrails",
    "BlueGreenUpdate": "policies",
    "RollingUpdate": "policies",
    "UpdatePolicy": "policies",
    "AllAtOnce": "traffic",
    "Canary": "traffic",
    "Linear": "traffic",
    "TrafficRouting": "traffic",
}

__all__ = [
    "AllAtOnce",
    "BlueGreenUpdate",
    "Canary",
    "CapacitySize",
    "DeploymentGuardrails",
    "Linear",
    "RollingUpdate",
    "TrafficRouting",
    "UpdatePolicy",
]

if TYPE_CHECKING:
    from sagemaker_serving.rollout.capacity import CapacitySize
    from sagemaker_serving.rollout.guardrails import DeploymentGuardrails
    from sagemaker_serving.rollout.policies import BlueGreenUpdate, RollingUpdate, UpdatePolicy
    from sagemaker_serving.rollout.traffic import AllAtOnce, Canary, Linear, TrafficRouting


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
