"""Helpers shared by the deployment guardrails tests: a model, endpoint configs, an endpoint, what it renders."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_serving import (
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ValidationError,
)


def sklearn_model(stack: cdk.Stack, construct_id: str = "Model", **kwargs: Any) -> Model:
    """A scikit-learn model with an S3 artifact."""
    return Model(
        stack,
        construct_id,
        image=ContainerImage.sklearn(),
        model_data=ModelData.from_s3_url("s3://b/m.tar.gz"),
        **kwargs,
    )


def instance_config(stack: cdk.Stack, *counts: int, instance_type: str = "ml.m5.large") -> EndpointConfig:
    """One instance variant ``v<i>`` per count, each with that initial instance count."""
    model = sklearn_model(stack)
    variants = [
        InstanceVariant(name=f"v{i}", model=model, instance_type=instance_type, initial_instance_count=count)
        for i, count in enumerate(counts)
    ]
    return EndpointConfig(stack, "Config", variants=variants)


def serverless_config(stack: cdk.Stack) -> EndpointConfig:
    """One serverless variant, ``only``."""
    return EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="only", model=sklearn_model(stack))])


def endpoint(stack: cdk.Stack, *counts: int, **kwargs: Any) -> Endpoint:
    """An endpoint on :func:`instance_config` (one variant of 4 instances unless counts are given)."""
    return Endpoint(stack, "Endpoint", endpoint_config=instance_config(stack, *(counts or (4,))), **kwargs)


def deployment_config(stack: cdk.Stack) -> dict[str, Any]:
    """The DeploymentConfig of the stack's one endpoint."""
    (endpoint,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    config: dict[str, Any] = endpoint["Properties"]["DeploymentConfig"]
    return config


def problems(make: Any) -> str:
    """The message of the ValidationError that ``make()`` raises."""
    with pytest.raises(ValidationError) as caught:
        make()
    return str(caught.value)
