"""Fixtures of the inference component tests."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from sagemaker_serving import ContainerImage, Model, ModelData


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    """A scikit-learn model with an S3 artifact, in the test's stack."""
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
