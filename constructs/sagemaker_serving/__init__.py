"""sagemaker_serving: AWS CDK v2 constructs that put SageMaker models into production.

Public API (imported lazily, so an app pays only for the aws_cdk modules it uses)::

    from sagemaker_serving import (
        ContainerImage, ModelData, Model,
        InstanceVariant, ServerlessVariant, EndpointConfig,
        Endpoint, VariantAutoscaling, ScheduledCapacity, ServingNetwork, ValidationError,
        FrontDoor, LambdaIntegration, DirectIntegration, FrontDoorIntegration,
        IamAuth, CognitoAuth, ApiKeyAuth, NoAuth, UsagePlanOptions, FrontDoorAuth, WafOptions,
        ModelBase, EndpointBase, MetricOptions, AutoscalingOptions,
        DeploymentGuardrails, BlueGreenUpdate, RollingUpdate, AllAtOnce, Canary, Linear, CapacitySize,
        ProvisionedConcurrencyAutoscaling, ProvisionedConcurrencyOptions,
        BatchPredictions, TransformOptions, PredictionLoading, DynamoDbLoading,
        AsyncInferenceConfig, AsyncInference, BacklogAutoscaling, BacklogAutoscalingOptions,
        DataCapture, CaptureBucket, ExistingCaptureBucket, CaptureDestination,
        ServingMonitoring, AlarmThresholds,
        RequestRouting, ShadowVariant,
        InstancePool, ComponentEndpointConfig, InferenceComponent, ComponentModel, ComputeRequirements,
        ComponentRollingUpdate, Batch, ComponentAutoscaling, CopyScalingMetric,
    )
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "ValidationError": "errors",
    "ContainerImage": "container_image",
    "ModelData": "model_data",
    "Model": "model",
    "ModelBase": "model",
    "InstanceVariant": "variants",
    "ServerlessVariant": "variants",
    "EndpointConfig": "endpoint_config",
    "Endpoint": "endpoint",
    "EndpointBase": "endpoint",
    "MetricOptions": "metrics",
    "VariantAutoscaling": "autoscaling",
    "ScheduledCapacity": "autoscaling",
    "AutoscalingOptions": "autoscaling",
    "ProvisionedConcurrencyAutoscaling": "provisioned_concurrency",
    "ProvisionedConcurrencyOptions": "provisioned_concurrency",
    "FrontDoor": "front_door.front_door",
    "FrontDoorAuth": "front_door.auth.base",
    "IamAuth": "front_door.auth.iam",
    "ApiKeyAuth": "front_door.auth.api_key",
    "CognitoAuth": "front_door.auth.cognito",
    "NoAuth": "front_door.auth.none",
    "UsagePlanOptions": "front_door.auth.usage_plan",
    "FrontDoorIntegration": "front_door.integrations.base",
    "LambdaIntegration": "front_door.integrations.lambda_function",
    "DirectIntegration": "front_door.integrations.direct",
    "WafOptions": "front_door.waf",
    "ServingNetwork": "network",
    "DeploymentGuardrails": "rollout",
    "BlueGreenUpdate": "rollout",
    "RollingUpdate": "rollout",
    "AllAtOnce": "rollout",
    "Canary": "rollout",
    "Linear": "rollout",
    "CapacitySize": "rollout",
    "BatchPredictions": "batch.batch_predictions",
    "TransformOptions": "batch.options",
    "PredictionLoading": "batch.loading",
    "DynamoDbLoading": "batch.loading",
    "AsyncInferenceConfig": "async_inference",
    "AsyncInference": "async_inference",
    "BacklogAutoscaling": "backlog_autoscaling",
    "BacklogAutoscalingOptions": "backlog_autoscaling",
    "DataCapture": "data_capture",
    "CaptureBucket": "data_capture",
    "ExistingCaptureBucket": "data_capture",
    "CaptureDestination": "data_capture",
    "ServingMonitoring": "monitoring.monitoring",
    "AlarmThresholds": "monitoring.thresholds",
    "RequestRouting": "routing",
    "ShadowVariant": "shadow",
    "InstancePool": "inference_components.pool",
    "ComponentEndpointConfig": "inference_components.endpoint_config",
    "InferenceComponent": "inference_components.component",
    "ComponentModel": "inference_components.source",
    "ComputeRequirements": "inference_components.capacity",
    "ComponentRollingUpdate": "inference_components.deployment",
    "Batch": "inference_components.deployment",
    "ComponentAutoscaling": "inference_components.autoscaling",
    "CopyScalingMetric": "inference_components.autoscaling",
}

__all__ = [
    "AlarmThresholds",
    "AllAtOnce",
    "ApiKeyAuth",
    "AsyncInference",
    "AsyncInferenceConfig",
    "AutoscalingOptions",
    "BacklogAutoscaling",
    "BacklogAutoscalingOptions",
    "Batch",
    "BatchPredictions",
    "BlueGreenUpdate",
    "Canary",
    "CapacitySize",
    "CaptureBucket",
    "CaptureDestination",
    "CognitoAuth",
    "ComponentAutoscaling",
    "ComponentEndpointConfig",
    "ComponentModel",
    "ComponentRollingUpdate",
    "ComputeRequirements",
    "ContainerImage",
    "CopyScalingMetric",
    "DataCapture",
    "DeploymentGuardrails",
    "DirectIntegration",
    "DynamoDbLoading",
    "Endpoint",
    "EndpointBase",
    "EndpointConfig",
    "ExistingCaptureBucket",
    "FrontDoor",
    "FrontDoorAuth",
    "FrontDoorIntegration",
    "IamAuth",
    "InferenceComponent",
    "InstancePool",
    "InstanceVariant",
    "LambdaIntegration",
    "Linear",
    "MetricOptions",
    "Model",
    "ModelBase",
    "ModelData",
    "NoAuth",
    "PredictionLoading",
    "ProvisionedConcurrencyAutoscaling",
    "ProvisionedConcurrencyOptions",
    "RequestRouting",
    "RollingUpdate",
    "ScheduledCapacity",
    "ServerlessVariant",
    "ServingMonitoring",
    "ServingNetwork",
    "ShadowVariant",
    "TransformOptions",
    "UsagePlanOptions",
    "ValidationError",
    "VariantAutoscaling",
    "WafOptions",
]

if TYPE_CHECKING:
    from sagemaker_serving.async_inference import AsyncInference, AsyncInferenceConfig
    from sagemaker_serving.autoscaling import AutoscalingOptions, ScheduledCapacity, VariantAutoscaling
    from sagemaker_serving.backlog_autoscaling import BacklogAutoscaling, BacklogAutoscalingOptions
    from sagemaker_serving.batch.batch_predictions import BatchPredictions
    from sagemaker_serving.batch.loading import DynamoDbLoading, PredictionLoading
    from sagemaker_serving.batch.options import TransformOptions
    from sagemaker_serving.container_image import ContainerImage
    from sagemaker_serving.data_capture import CaptureBucket, CaptureDestination, DataCapture, ExistingCaptureBucket
    from sagemaker_serving.endpoint import Endpoint, EndpointBase
    from sagemaker_serving.endpoint_config import EndpointConfig
    from sagemaker_serving.errors import ValidationError
    from sagemaker_serving.front_door.auth.api_key import ApiKeyAuth
    from sagemaker_serving.front_door.auth.base import FrontDoorAuth
    from sagemaker_serving.front_door.auth.cognito import CognitoAuth
    from sagemaker_serving.front_door.auth.iam import IamAuth
    from sagemaker_serving.front_door.auth.none import NoAuth
    from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions
    from sagemaker_serving.front_door.front_door import FrontDoor
    from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration
    from sagemaker_serving.front_door.integrations.direct import DirectIntegration
    from sagemaker_serving.front_door.integrations.lambda_function import LambdaIntegration
    from sagemaker_serving.front_door.waf import WafOptions
    from sagemaker_serving.inference_components.autoscaling import ComponentAutoscaling, CopyScalingMetric
    from sagemaker_serving.inference_components.capacity import ComputeRequirements
    from sagemaker_serving.inference_components.component import InferenceComponent
    from sagemaker_serving.inference_components.deployment import Batch, ComponentRollingUpdate
    from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig
    from sagemaker_serving.inference_components.pool import InstancePool
    from sagemaker_serving.inference_components.source import ComponentModel
    from sagemaker_serving.metrics import MetricOptions
    from sagemaker_serving.model import Model, ModelBase
    from sagemaker_serving.model_data import ModelData
    from sagemaker_serving.monitoring.monitoring import ServingMonitoring
    from sagemaker_serving.monitoring.thresholds import AlarmThresholds
    from sagemaker_serving.network import ServingNetwork
    from sagemaker_serving.provisioned_concurrency import (
        ProvisionedConcurrencyAutoscaling,
        ProvisionedConcurrencyOptions,
    )
    from sagemaker_serving.rollout import (
        AllAtOnce,
        BlueGreenUpdate,
        Canary,
        CapacitySize,
        DeploymentGuardrails,
        Linear,
        RollingUpdate,
    )
    from sagemaker_serving.routing import RequestRouting
    from sagemaker_serving.shadow import ShadowVariant
    from sagemaker_serving.variants import InstanceVariant, ServerlessVariant


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sagemaker_serving' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sagemaker_serving.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
