"""Each integration's validation rules, one problem at a time, matched by its message."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_serving import DirectIntegration, FrontDoor, LambdaIntegration, ValidationError
from tests.constructs.front_door.support import endpoint as _endpoint


@pytest.mark.parametrize(
    ("integration", "message"),
    [
        (
            LambdaIntegration(timeout=cdk.Duration.seconds(30)),
            "integration.timeout: 30000 ms is not allowed; must be from 1000 to 29000 ms",
        ),
        (
            DirectIntegration(timeout=cdk.Duration.millis(500)),
            "integration.timeout: 500 ms is not allowed; must be from 1000 to 29000 ms",
        ),
        (
            LambdaIntegration(allowed_content_types=[]),
            "integration.allowed_content_types: [] is not allowed; expected a non-empty list",
        ),
        (
            LambdaIntegration(allowed_content_types=["json"]),
            "integration.allowed_content_types: 'json' is not allowed; expected a lower-case type/subtype",
        ),
        (
            LambdaIntegration(max_body_bytes=7 * 1024 * 1024),
            "integration.max_body_bytes: 7340032 is not allowed; must be an integer from 1 to",
        ),
        (
            LambdaIntegration(max_body_bytes=4 * 1024 * 1024 + 1),
            "integration.max_body_bytes: 4194305 is not allowed; must be an integer from 1 to 4194304 (4 MiB: "
            "Serverless",
        ),
        (
            LambdaIntegration(sagemaker_max_attempts=0),
            "integration.sagemaker_max_attempts: 0 is not allowed; must be an integer from 1 to 10",
        ),
        (
            LambdaIntegration(sagemaker_read_timeout=cdk.Duration.seconds(20)),
            "integration.sagemaker timeouts: 2 attempt(s) × (1000 ms connect + 20000 ms read) + back-off = 42200 ms "
            "is not allowed; must be ≤ 27000 ms (integration.timeout minus 2000 ms for the handler)",
        ),
        (
            LambdaIntegration(timeout=cdk.Duration.seconds(10)),
            "back-off = 20200 ms is not allowed; must be ≤ 8000 ms",
        ),
        (
            LambdaIntegration(sagemaker_connect_timeout=cdk.Duration.seconds(0)),
            "integration.sagemaker_connect_timeout: 0 ms is not allowed; must be > 0",
        ),
        (
            LambdaIntegration(memory_size=100),
            "integration.memory_size: 100 is not allowed; must be an integer from 128 to 10240",
        ),
        (
            LambdaIntegration(reserved_concurrent_executions=0),
            "integration.reserved_concurrent_executions: 0 is not allowed",
        ),
        (
            LambdaIntegration(powertools_layer_arn="my-layer"),
            "integration.powertools_layer_arn: 'my-layer' is not allowed; expected a layer version ARN",
        ),
        (
            LambdaIntegration(service_name=""),
            "integration.service_name: '' is not allowed; expected 1-255 characters",
        ),
        (
            LambdaIntegration(metrics_namespace="AWS/Mine"),
            "integration.metrics_namespace: 'AWS/Mine' is not allowed",
        ),
        (
            LambdaIntegration(log_level="TRACE"),  # type: ignore[arg-type]
            "integration.log_level: 'TRACE' is not allowed; expected DEBUG, INFO, WARNING or ERROR",
        ),
        (
            LambdaIntegration(security_groups=["sg"]),  # type: ignore[list-item]
            "integration.vpc_subnets/security_groups: not allowed without vpc",
        ),
    ],
)
def test_each_integration_validation_rule(stack: cdk.Stack, integration: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as info:
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), integration=integration)
    assert len(info.value.problems) == 1
