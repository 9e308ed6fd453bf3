"""Routing (404/405) and the GET /health route."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import DESCRIBE, FakeResponse, FakeSageMaker

ENDPOINT = "test-endpoint"


@pytest.mark.parametrize(
    ("method", "path", "proxy"),
    [
        ("POST", "/nope", False),
        ("POST", "/nope", True),
        ("POST", "/", True),
        ("POST", "/invocations/extra", True),
        ("POST", "/variants/a/b", True),
        ("GET", "/variants", True),
        ("POST", "/prod/invocations", True),
    ],
)
def test_unknown_routes_are_404(frontdoor: Any, fake: FakeSageMaker, method: str, path: str, proxy: bool) -> None:
    response = frontdoor.request(method, path, proxy=proxy, body="{}", headers={"Content-Type": "application/json"})

    assert response.status == 404
    assert response.error() == ("NotFound", "No such route")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/invocations", "POST"),
        ("PUT", "/invocations", "POST"),
        ("DELETE", "/variants/blue/invocations", "POST"),
        ("POST", "/health", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    frontdoor: Any, fake: FakeSageMaker, method: str, path: str, allow: str
) -> None:
    response = frontdoor.request(method, path, body="{}", headers={"Content-Type": "application/json"})

    assert response.status == 405
    assert response.headers["Allow"] == allow
    assert response.error()[0] == "MethodNotAllowed"
    assert fake.requests == []


def test_event_without_resource_routes_on_path(
    frontdoor: Any, fake: FakeSageMaker, make_event: Callable[..., dict[str, Any]]
) -> None:
    event = make_event("POST", "/invocations", body="{}", headers={"Content-Type": "application/json"})
    del event["resource"]

    assert frontdoor.call(event).status == 200


def test_health_in_service_is_200_with_variants(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.variant_names = ["blue", "green"]

    response = frontdoor.request("GET", "/health")

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": "InService", "variants": ["blue", "green"]}
    [sent] = fake.requests_for(DESCRIBE)
    assert sent.path == "/"
    assert sent.header("X-Amz-Target") == "SageMaker.DescribeEndpoint"
    assert json.loads(sent.body) == {"EndpointName": ENDPOINT}


@pytest.mark.parametrize("status", ["Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"])
def test_health_while_the_endpoint_still_serves_is_200(frontdoor: Any, fake: FakeSageMaker, status: str) -> None:
    """Every autoscaling event and blue/green update puts the endpoint in ``Updating``; it still serves."""
    fake.endpoint_status = status

    response = frontdoor.request("GET", "/health")

    assert response.status == 200
    assert response.json() == {"status": status, "variants": ["AllTraffic"]}


@pytest.mark.parametrize("status", ["Creating", "OutOfService", "Deleting", "Failed", "SomethingNew"])
def test_health_not_serving_is_503(frontdoor: Any, fake: FakeSageMaker, status: str) -> None:
    fake.endpoint_status = status

    response = frontdoor.request("GET", "/health")

    assert response.status == 503
    assert response.error() == ("EndpointNotInService", f"Endpoint status is {status}")
    assert response.json()["requestId"] == "api-request-id"
    assert response.headers["Retry-After"] == "30"


def test_health_when_describe_endpoint_fails_is_503(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(DESCRIBE, FakeResponse.error("AccessDeniedException", 400, "not authorized on arn:aws:iam::1:role/x"))

    response = frontdoor.request("GET", "/health")

    assert response.status == 503
    assert response.error() == ("HealthCheckFailed", "Could not read the endpoint status")
    assert "arn:" not in response.raw["body"]


def test_health_result_is_cached(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    frontdoor = frontdoor_factory(HEALTH_CACHE_SECONDS="60")

    assert frontdoor.request("GET", "/health").status == 200
    fake.endpoint_status = "Failed"
    assert frontdoor.request("GET", "/health").status == 200  # served from the cache

    assert len(fake.requests_for(DESCRIBE)) == 1


def test_health_builds_the_control_plane_client_once(frontdoor: Any, fake: FakeSageMaker) -> None:
    assert frontdoor.app.client._control_plane is None

    frontdoor.request("GET", "/health")
    client = frontdoor.app.client._control_plane
    frontdoor.request("GET", "/health")

    assert client is not None and frontdoor.app.client._control_plane is client
    assert client.meta.service_model.service_name == "sagemaker"
    assert len(fake.requests_for(DESCRIBE)) == 2  # HEALTH_CACHE_SECONDS=0 in tests
