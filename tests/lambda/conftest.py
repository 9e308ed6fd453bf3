"""Fixtures for the front-door Lambda handler tests.

The handler is loaded from ``lambda/front_door/`` as the Lambda runtime does
(the folder on ``sys.path``, ``import handler``; see
:mod:`tests.support.front_door_runtime`), after the environment it reads at
import time has been set: each load is a fresh copy of every module.  Its real
boto3 clients talk to a loopback :class:`FakeSageMaker` through
``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # for tests.support when run outside the repo's pytest config
    sys.path.insert(0, str(ROOT))

from tests.support.fake_sagemaker_runtime import FakeSageMaker  # noqa: E402, RUF100
from tests.support.front_door_runtime import load_handler_module, load_runtime  # noqa: E402, RUF100

ENDPOINT = "test-endpoint"
_service_ids = itertools.count()


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeSageMaker]:
    with FakeSageMaker() as server:
        yield server


@pytest.fixture
def fake(_fake_server: FakeSageMaker) -> Iterator[FakeSageMaker]:
    """The loopback SageMaker, with empty queues and request log."""
    _fake_server.reset()
    yield _fake_server
    _fake_server.reset()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, fake: FakeSageMaker) -> FakeSageMaker:
    """Dummy credentials and every SageMaker endpoint URL pointing at ``fake``."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL_SAGEMAKER",
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
        "_X_AMZN_TRACE_ID",
        "AWS_LAMBDA_FUNCTION_NAME",
        "VARIANT_NAMES",
        "INFERENCE_COMPONENTS",
        "MAX_BODY_BYTES",
        "ALLOWED_CONTENT_TYPES",
        "SAGEMAKER_CONNECT_TIMEOUT",
        "SAGEMAKER_READ_TIMEOUT",
        "SAGEMAKER_MAX_ATTEMPTS",
        "CORS_ALLOWED_ORIGINS",
        "BINARY_MEDIA_TYPES",
        "INVOCATION_MODE",
        "ASYNC_BUCKET",
        "ASYNC_INPUT_PREFIX",
        "ASYNC_INVOCATION_TIMEOUT_SECONDS",
        "ASYNC_REQUEST_TTL_SECONDS",
        "AWS_ENDPOINT_URL_S3",
        "POWERTOOLS_LOGGER_LOG_EVENT",
        "POWERTOOLS_METRICS_DISABLED",
        "POWERTOOLS_DEV",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(ROOT / "nonexistent-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(ROOT / "nonexistent-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake.url)
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FrontDoorTests")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    monkeypatch.setenv("HEALTH_CACHE_SECONDS", "0")
    return fake


LoadHandler = Callable[..., ModuleType]


class _CurrentStdout:
    """A stream that always writes to the current ``sys.stdout``."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch, aws_env: FakeSageMaker) -> LoadHandler:
    """Load a fresh copy of the handler module with extra env vars (``None`` unsets).

    Each copy gets its own Powertools service name (so a Logger of its own),
    and that Logger writes to whatever ``sys.stdout`` is when it logs, as the
    EMF metrics do, so capsys sees both.
    """

    def load(**env: str | None) -> ModuleType:
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"front-door-test-{next(_service_ids)}")
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        module = load_handler_module()
        module.front_door.logger.registered_handler.setStream(_CurrentStdout())
        return module

    return load


@pytest.fixture(scope="session")
def runtime() -> SimpleNamespace:
    """The handler's sibling modules (``contract``, ``settings``, ``sagemaker_client``, ``routes``), loaded
    together once, for tests of one module. Reading the environment happens in their functions, not at import."""
    names = ("contract", "settings", "sagemaker_client", "routes")
    return SimpleNamespace(**dict(zip(names, load_runtime(*names), strict=True)))


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Skip the handler's retry backoff sleeps (and botocore's, were it to retry), recording each."""
    recorded: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=recorded.append))
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------
# API Gateway REST proxy events
# ---------------------------------------------------------------------------
def lambda_context() -> SimpleNamespace:
    return SimpleNamespace(
        function_name="front-door",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:front-door",
        aws_request_id="lambda-request-id",
    )


def rest_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    proxy: bool = False,
    request_id: str | None = "api-request-id",
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event like the front door's API sends.

    ``bytes`` bodies are always base64-encoded, as API Gateway does for binary
    media types.  ``proxy=True`` builds a greedy ``/{proxy+}`` event.
    """
    parts = path.strip("/").split("/")
    resource, params = path, None
    if proxy:
        resource, params = "/{proxy+}", {"proxy": path.lstrip("/")}
    elif len(parts) == 3 and parts[0] == "variants":
        resource, params = "/variants/{variant}/invocations", {"variant": parts[1]}
    elif len(parts) == 2 and parts[0] == "async-invocations":
        resource, params = "/async-invocations/{inference_id}", {"inference_id": parts[1]}
    elif len(parts) == 3 and parts[0] == "models":
        resource, params = "/models/{component}/invocations", {"component": parts[1]}
    if isinstance(body, bytes):
        body, base64_body = base64.b64encode(body).decode(), True
    elif body is not None and base64_body:
        body = base64.b64encode(body.encode()).decode()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} if headers else None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {"requestId": request_id, "stage": "prod", "path": f"/prod{path}"} if request_id else None,
        "body": body,
        "isBase64Encoded": base64_body,
    }


@dataclass
class Response:
    """A proxy response, checked for shape, with decoding helpers."""

    raw: dict[str, Any]
    status: int = field(init=False)
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        assert set(self.raw) == {"statusCode", "headers", "body", "isBase64Encoded"}, self.raw
        assert isinstance(self.raw["statusCode"], int)
        assert isinstance(self.raw["body"], str)
        assert isinstance(self.raw["isBase64Encoded"], bool)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in self.raw["headers"].items())
        self.status = self.raw["statusCode"]
        self.headers = self.raw["headers"]
        json.dumps(self.raw)  # Lambda must be able to serialise it

    @property
    def data(self) -> bytes:
        body: str = self.raw["body"]
        return base64.b64decode(body) if self.raw["isBase64Encoded"] else body.encode()

    def json(self) -> Any:
        return json.loads(self.data)

    def error(self) -> tuple[str, str]:
        """``(code, message)`` of an error answer, after checking its envelope."""
        assert self.status >= 400
        assert self.headers["Content-Type"] == "application/json"
        payload = self.json()
        assert set(payload) >= {"error", "requestId"}, payload
        assert set(payload["error"]) == {"code", "message"}, payload
        assert isinstance(payload["requestId"], str) and payload["requestId"]
        assert "Traceback" not in self.raw["body"]
        return payload["error"]["code"], payload["error"]["message"]


class FrontDoor:
    """Calls a loaded handler module with API Gateway events."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.app = module.front_door  # routes.FrontDoor: .settings, .client (.runtime), .logger, .metrics

    def call(self, event: dict[str, Any]) -> Response:
        return Response(self.module.handler(event, lambda_context()))

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        return self.call(rest_event(method, path, **kwargs))

    def post(self, path: str = "/invocations", body: str | bytes | None = '{"x": 1}', **kwargs: Any) -> Response:
        kwargs.setdefault("headers", {"Content-Type": "application/json"})
        return self.request("POST", path, body=body, **kwargs)


@pytest.fixture
def frontdoor_factory(load_handler: LoadHandler) -> Callable[..., FrontDoor]:
    """``frontdoor_factory(**env)``: a FrontDoor over a freshly configured handler."""
    return lambda **env: FrontDoor(load_handler(**env))


@pytest.fixture
def frontdoor(frontdoor_factory: Callable[..., FrontDoor]) -> FrontDoor:
    """The handler with its default configuration."""
    return frontdoor_factory()


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    """:func:`rest_event`, for tests that build or tweak events by hand."""
    return rest_event


@pytest.fixture
def stdout_records(capsys: pytest.CaptureFixture[str]) -> Callable[[], list[dict[str, Any]]]:
    """Reads the JSON lines (Powertools logs, EMF records) printed so far."""

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]

    return read
