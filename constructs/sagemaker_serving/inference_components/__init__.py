"""Many models on one endpoint: an instance pool shared by inference components.

:class:`ComponentEndpointConfig` (an :class:`InstancePool`, an execution role) is served by an
:class:`~sagemaker_serving.Endpoint`; each :class:`InferenceComponent` deploys one model on it
(:class:`ComponentModel`) with what one copy reserves (:class:`ComputeRequirements`), its copies, an
optional :class:`ComponentRollingUpdate` and :class:`ComponentAutoscaling` (down to zero). Names are
imported lazily: an app pays only for what it uses. See docs/inference_components.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "InstancePool": "pool",
    "ComponentEndpointConfig": "endpoint_config",
    "ComponentModel": "source",
    "ComputeRequirements": "capacity",
    "InferenceComponent": "component",
    "ComponentRollingUpdate": "deployment",
    "Batch": "deployment",
    "ComponentAutoscaling": "autoscaling",
    "ComponentAutoscalingOptions": "autoscaling",
    "CopyScalingMetric": "autoscaling",
}

__all__ = [
    "Batch",
    "ComponentAutoscaling",
    "ComponentAutoscalingOptions",
    "ComponentEndpointConfig",
    "ComponentModel",
    "ComponentRollingUpdate",
    "ComputeRequirements",
    "CopyScalingMetric",
    "InferenceComponent",
    "InstancePool",
]

if TYPE_CHECKING:
    from sagemaker_serving.inference_components.autoscaling import (
        ComponentAutoscaling,
        ComponentAutoscalingOptions,
        CopyScalingMetric,
    )
    from sagemaker_serving.inference_components.capacity import ComputeRequirements
    from sagemaker_serving.inference_components.component import InferenceComponent
    from sagemaker_serving.inference_components.deployment import Batch, ComponentRollingUpdate
    from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig
    from sagemaker_serving.inference_components.pool import InstancePool
    from sagemaker_serving.inference_components.source import ComponentModel


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
