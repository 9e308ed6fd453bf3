"""``make serve-local``: real HTTP requests → API Gateway proxy events → the front-door handler → moto."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.deploy_local import target_of
from rehearsal.moto_server import MotoServer, port_is_open
from rehearsal.serve_local import (
    HANDLER_FILE,
    LocalFrontDoor,
    Route,
    front_door_setup,
    load_handler,
    variant_names,
)
from stacks.config import AppConfig

HANDLER = HANDLER_FILE  # the real front-door handler, lambda/front_door/handler.py
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


def _request(
    url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # a loopback URL built here
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


@pytest.fixture
def recording_front_door() -> Iterator[tuple[LocalFrontDoor, list[dict[str, Any]]]]:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append({**event, "_request_id": context.aws_request_id})
        return {
            "statusCode": 201,
            "multiValueHeaders": {"Content-Type": ["image/png"], "X-Seen": ["a", "b"]},
            "body": base64.b64encode(PNG).decode(),
            "isBase64Encoded": True,
        }

    routes = [Route("POST", "/variants/{variant}/invocations"), Route("GET", "/health")]
    front_door = LocalFrontDoor(handler, routes=routes).start()
    try:
        yield front_door, events
    finally:
        front_door.stop()
    assert not port_is_open(front_door.port)


def test_request_becomes_a_rest_proxy_event(recording_front_door: tuple[LocalFrontDoor, list[dict[str, Any]]]) -> None:
    front_door, events = recording_front_door
    status, headers, body = _request(
        f"{front_door.url}/variants/chal%2Dlenger/invocations?top=3&top=5&debug=",
        body=PNG,
        headers={"Content-Type": "image/png", "X-Amzn-SageMaker-Custom-Attributes": "trace=1"},
    )
    assert (status, body) == (201, PNG)
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Seen"] == "a, b" or headers["X-Seen"] in ("a", "b")
    (event,) = events
    assert event["resource"] == "/variants/{variant}/invocations"
    assert event["path"] == "/variants/chal%2Dlenger/invocations"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"variant": "chal-lenger"}
    assert event["queryStringParameters"] == {"top": "5", "debug": ""}
    assert event["multiValueQueryStringParameters"] == {"top": ["3", "5"], "debug": [""]}
    assert event["headers"]["Content-Type"] == "image/png"
    multi_headers = {k.lower(): v for k, v in event["multiValueHeaders"].items()}
    assert multi_headers["x-amzn-sagemaker-custom-attributes"] == ["trace=1"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == PNG
    context = event["requestContext"]
    assert context["resourcePath"] == "/variants/{variant}/invocations"
    assert context["httpMethod"] == "POST"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] and context["requestId"] != event["_request_id"]


def test_text_bodies_stay_text_and_unknown_routes_get_api_gateways_403(
    recording_front_door: tuple[LocalFrontDoor, list[dict[str, Any]]],
) -> None:
    front_door, events = recording_front_door
    _request(f"{front_door.url}/variants/a/invocations", body=b"1,2,3", headers={"Content-Type": "text/csv"})
    assert events[-1]["isBase64Encoded"] is False
    assert events[-1]["body"] == "1,2,3"
    status, _, body = _request(f"{front_door.url}/nowhere", body=b"{}", headers={"Content-Type": "application/json"})
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, _, _ = _request(f"{front_door.url}/health", body=b"{}", headers={"Content-Type": "application/json"})
    assert status == 403  # POST /health: no such method on the resource
    assert len(events) == 1


def test_a_failing_handler_is_a_502() -> None:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    with LocalFrontDoor(handler) as front_door:
        status, _, body = _request(f"{front_door.url}/health")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})


def test_front_door_end_to_end_on_moto(
    env_name: str,
    moto_server: MotoServer,
    app_config: AppConfig,
    synthesized: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deploy the environment, run the handler behind the local front door, get moto's canned answer back."""
    env = app_config.environments[env_name]
    target = target_of(env)
    stack_name = f"{env.stack_name}-serve"  # its own stack: independent of the lifecycle tests
    moto_server.put_bootstrap_version(target=target)
    deploy_stack(moto_server, stack_name, synthesized / f"{env.stack_name}.template.json", target=target)
    try:
        setup = front_door_setup(moto_server, stack_name, env)
        template = json.loads((synthesized / f"{env.stack_name}.template.json").read_text())
        (endpoint,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Endpoint"]
        fixed = endpoint["Properties"].get("EndpointName")  # with deployment guardrails: the stack's name
        assert setup.environment["ENDPOINT_NAME"] == fixed or (
            fixed is None and setup.environment["ENDPOINT_NAME"].startswith(f"{stack_name}-Endpoint")
        )
        assert setup.environment["AWS_ENDPOINT_URL"] == moto_server.url
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        for name, value in setup.environment.items():
            monkeypatch.setenv(name, value)
        variant = variant_names(env)[0]
        answers = [
            {"Body": '{"predictions": [2]}', "ContentType": "application/json", "InvokedProductionVariant": variant},
            {"Body": "0.25\n", "ContentType": "text/csv", "InvokedProductionVariant": variant},
        ]
        moto_server.set_endpoint_results(answers, target)
        handler = load_handler(HANDLER)

        with LocalFrontDoor(
            handler, routes=setup.routes, binary_media_types=setup.binary_media_types, target=target
        ) as front_door:
            if env.async_inference is not None:  # an asynchronous endpoint has its own routes
                from tests.integration.test_async_rehearsal import serve_async_requests

                serve_async_requests(front_door.url, moto_server, target)
            else:
                _serve_real_time_requests(front_door.url, variant)
            status, _, body = _request(f"{front_door.url}/health")
            assert status == 200 and json.loads(body)["status"] == "InService", body
        assert not port_is_open(front_door.port)
    finally:
        delete_stack(moto_server, stack_name, target=target)


def _serve_real_time_requests(url: str, variant: str) -> None:
    status, headers, body = _request(
        f"{url}/invocations",
        body=b'{"instances": [[5.1, 3.5, 1.4, 0.2]]}',
        headers={"Content-Type": "application/json"},
    )
    assert (status, json.loads(body)) == (200, {"predictions": [2]}), body
    assert headers["X-Invoked-Production-Variant"] == variant

    status, headers, body = _request(
        f"{url}/variants/{variant}/invocations",
        body=b"5.1,3.5,1.4,0.2",
        headers={"Content-Type": "text/csv"},
    )
    assert (status, body, headers["Content-Type"]) == (200, b"0.25\n", "text/csv")
