"""Deployment guardrails: how an endpoint update rolls out and what rolls it back.

``Endpoint(deployment=DeploymentGuardrails(update_policy=BlueGreenUpdate(traffic_routing=Canary(
size=CapacitySize.instance_count(1), wait_interval=cdk.Duration.minutes(10))), rollback_alarms=[...]))``.
"""

from sagemaker_serving.rollout.capacity import CapacitySize
from sagemaker_serving.rollout.guardrails import DeploymentGuardrails
from sagemaker_serving.rollout.policies import BlueGreenUpdate, RollingUpdate, UpdatePolicy
from sagemaker_serving.rollout.traffic import AllAtOnce, Canary, Linear, TrafficRouting

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
