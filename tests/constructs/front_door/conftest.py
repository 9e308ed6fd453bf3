"""Front doors in the configurations the tests of this folder look at, each synthesised once per session."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_kms as kms

from sagemaker_serving import (
    DirectIntegration,
    Endpoint,
    FrontDoor,
    LambdaIntegration,
    ServingNetwork,
    WafOptions,
)
from tests.constructs.front_door.support import endpoint, template


def _build() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    app = cdk.App()
    built: dict[str, tuple[cdk.Stack, FrontDoor]] = {}

    def add(name: str, env: cdk.Environment | None = None, imported: bool = False, **props: Any) -> None:
        stack = cdk.Stack(app, name, env=env)
        if imported:
            served: Endpoint = Endpoint.from_endpoint_name(stack, "Imported", "my-endpoint")  # type: ignore[assignment]
            props.setdefault("variant_names", ["a", "b"])
        else:
            served = endpoint(stack)
        built[name] = (stack, FrontDoor(stack, "FrontDoor", endpoint=served, **props))

    add("Default")
    in_vpc = cdk.Stack(app, "InVpc")
    network = ServingNetwork(in_vpc, "Network")
    group = network.add_client_security_group("FrontDoorSecurityGroup", description="Front-door Lambda")
    built["InVpc"] = (
        in_vpc,
        FrontDoor(
            in_vpc,
            "FrontDoor",
            endpoint=endpoint(in_vpc),
            integration=LambdaIntegration(
                vpc=network.vpc, vpc_subnets=network.subnet_selection, security_groups=[group]
            ),
        ),
    )
    own_key = cdk.Stack(app, "OwnKey")
    key = kms.Key(own_key, "Key", enable_key_rotation=True)
    built["OwnKey"] = (own_key, FrontDoor(own_key, "FrontDoor", endpoint=endpoint(own_key), log_encryption_key=key))
    add("Direct", integration=DirectIntegration())
    add(
        "Extras",
        waf=WafOptions(rate_limit_per_5_minutes=500),
        cors_allowed_origins=["https://app.example.com"],
        cloud_watch_role=True,
        execution_log_level=apigateway.MethodLoggingLevel.INFO,
        binary_media_types=["image/png"],
        integration=LambdaIntegration(
            max_body_bytes=1_000_000,
            allowed_content_types=["application/json"],
            reserved_concurrent_executions=20,
            memory_size=512,
            timeout=cdk.Duration.seconds(20),
            sagemaker_connect_timeout=cdk.Duration.millis(1500),
            sagemaker_read_timeout=cdk.Duration.seconds(4),
            sagemaker_max_attempts=2,
        ),
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
        stage_name="prod",
        throttling_rate_limit=200,
        throttling_burst_limit=400,
    )
    add("Imported", env=cdk.Environment(account="123456789012", region="eu-west-1"), imported=True)
    add("China", env=cdk.Environment(account="123456789012", region="cn-north-1"))
    add("GovCloud", env=cdk.Environment(account="123456789012", region="us-gov-west-1"))
    add("DirectCors", integration=DirectIntegration(), cors_allowed_origins=["https://app.example.com"])
    add("Origins", cors_allowed_origins=["https://a.example.com", "https://b.example.com"])
    add(
        "LayerOverride",
        integration=LambdaIntegration(powertools_layer_arn="arn:aws:lambda:eu-west-1:123456789012:layer:mine:3"),
    )
    return built


@pytest.fixture(scope="session")
def built() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    return _build()


@pytest.fixture(scope="session")
def templates(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> dict[str, dict[str, Any]]:
    """Every variant's template, synthesised once for the session."""
    return {name: template(stack) for name, (stack, _) in built.items()}
