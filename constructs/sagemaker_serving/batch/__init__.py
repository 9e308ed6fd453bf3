"""Batch predictions: SageMaker Batch Transform on a schedule, run by Step Functions (see docs/batch.md).

Names are imported lazily (PEP 562): an app that never names them loads none of aws_stepfunctions,
aws_scheduler, aws_events, aws_dynamodb or aws_sns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "BatchPredictions": "batch_predictions",
    "TransformOptions": "options",
    "PredictionLoading": "loading",
    "DynamoDbLoading": "loading",
    "TRANSFORM_INSTANCE_TYPES": "instance_types",
}

__all__ = ["TRANSFORM_INSTANCE_TYPES", "BatchPredictions", "DynamoDbLoading", "PredictionLoading", "TransformOptions"]

if TYPE_CHECKING:
    from sagemaker_serving.batch.batch_predictions import BatchPredictions
    from sagemaker_serving.batch.instance_types import TRANSFORM_INSTANCE_TYPES
    from sagemaker_serving.batch.loading import DynamoDbLoading, PredictionLoading
    from sagemaker_serving.batch.options import TransformOptions


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())
