"""``sagemaker_client``: the boto3 clients, the hand-made retries and SageMaker's errors as HTTP errors.

The end-to-end rows go through the handler and real botocore against the loopback fake; the unit rows
call ``SageMakerClient`` and the mapping functions directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from botocore import exceptions as boto_errors

from tests.support.fake_sagemaker_runtime import DESCRIBE, INVOKE, FakeResponse, FakeSageMaker

ENDPOINT = "test-endpoint"


# --------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------
def test_client_is_configured_from_env(load_handler: Callable[..., ModuleType]) -> None:
    client = load_handler(
        SAGEMAKER_CONNECT_TIMEOUT="0.5", SAGEMAKER_READ_TIMEOUT="4", SAGEMAKER_MAX_ATTEMPTS="3"
    ).front_door.client
    config = client.runtime.meta.config

    assert (config.connect_timeout, config.read_timeout) == (0.5, 4.0)
    # botocore never retries by itself (a read timeout would run the inference twice); the handler does.
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert client.settings.max_attempts == 3
    assert client.runtime.meta.service_model.service_name == "sagemaker-runtime"


def make_client(runtime: SimpleNamespace, **settings: Any) -> Any:
    return runtime.sagemaker_client.SageMakerClient(runtime.settings.Settings(endpoint_name=ENDPOINT, **settings))


def test_invoke_returns_what_the_model_answered(runtime: SimpleNamespace, aws_env: FakeSageMaker) -> None:
    fake = aws_env
    fake.queue(
        INVOKE,
        FakeResponse(
            200,
            b"0,1",
            {
                "Content-Type": "text/csv",
                "x-Amzn-Invoked-Production-Variant": "blue",
                "X-Amzn-SageMaker-Custom-Attributes": "k=v",
            },
        ),
    )
    log: dict[str, Any] = {}

    result = make_client(runtime).invoke(
        body=b"1,2", content_type="text/csv", accept="text/csv", custom_attributes="a=b", variant="blue", log=log
    )

    assert result == runtime.sagemaker_client.Invocation(
        body=b"0,1", content_type="text/csv", variant="blue", custom_attributes="k=v"
    )
    assert log == {"attempts": 1}
    [sent] = fake.requests_for(INVOKE)
    assert sent.path == f"/endpoints/{ENDPOINT}/invocations"
    assert (sent.body, sent.header("Accept"), sent.header("X-Amzn-SageMaker-Target-Variant")) == (
        b"1,2",
        "text/csv",
        "blue",
    )
    assert sent.header("X-Amzn-SageMaker-Custom-Attributes") == "a=b"


def test_invoke_retries_throttling_with_bounded_backoff_and_logs_attempts(
    runtime: SimpleNamespace, aws_env: FakeSageMaker, sleeps: list[float]
) -> None:
    aws_env.queue(INVOKE, *[FakeResponse.error("ThrottlingException", 429, "Rate exceeded")] * 3)
    log: dict[str, Any] = {}

    result = make_client(runtime, max_attempts=4, read_timeout=2.0).invoke(
        body=b"{}", content_type="application/json", accept=None, custom_attributes=None, variant=None, log=log
    )

    assert result.body == b"{}"  # the fourth attempt got the echo
    assert log == {"attempts": 4} and len(aws_env.requests_for(INVOKE)) == 4
    # retry n sleeps contract.backoff_ms(n) plus up to 100 ms of jitter: 0.1, 0.2, 0.4 s (+ jitter)
    assert len(sleeps) == 3 and all(0.1 * 2**n <= s <= 0.1 * 2**n + 0.1 for n, s in enumerate(sleeps))


def test_a_failed_invoke_records_the_upstream_code(
    runtime: SimpleNamespace, aws_env: FakeSageMaker, sleeps: list[float]
) -> None:
    aws_env.queue(INVOKE, FakeResponse.model_error("bad input"))
    log: dict[str, Any] = {}

    with pytest.raises(runtime.sagemaker_client.HttpError) as raised:
        make_client(runtime).invoke(
            body=b"{}", content_type="application/json", accept=None, custom_attributes=None, variant=None, log=log
        )

    assert (raised.value.status, raised.value.code, raised.value.message) == (424, "ModelError", "bad input")
    assert log == {"attempts": 1, "upstream_error": "ModelError"}
    assert sleeps == []


def test_endpoint_status_is_cached_for_health_cache_seconds(runtime: SimpleNamespace, aws_env: FakeSageMaker) -> None:
    aws_env.variant_names = ["a", "b"]
    client = make_client(runtime, health_cache_seconds=60.0)
    assert client._control_plane is None

    first = client.endpoint_status({})
    aws_env.endpoint_status = "Failed"
    second = client.endpoint_status({})

    assert first == second == ("InService", ["a", "b"])
    assert len(aws_env.requests_for(DESCRIBE)) == 1
    assert client._control_plane.meta.service_model.service_name == "sagemaker"


def test_endpoint_status_failure_is_a_503_and_logs_the_code(runtime: SimpleNamespace, aws_env: FakeSageMaker) -> None:
    aws_env.queue(DESCRIBE, FakeResponse.error("AccessDeniedException", 400, "no"))
    log: dict[str, Any] = {}

    with pytest.raises(runtime.sagemaker_client.HttpError) as raised:
        make_client(runtime, health_cache_seconds=0.0).endpoint_status(log)

    assert (raised.value.status, raised.value.code) == (503, "HealthCheckFailed")
    assert log == {"upstream_error": "AccessDeniedException"}


# --------------------------------------------------------------------------
# The mapping, row by row
# --------------------------------------------------------------------------
def client_error(code: str, status: int, message: str = "m", **extra: Any) -> boto_errors.ClientError:
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra}
    return boto_errors.ClientError(response, "InvokeEndpoint")


@pytest.mark.parametrize(
    ("error", "variant", "variants_known", "expected"),
    [
        (client_error("ValidationError", 400, "Variant x not found"), "x", False, (404, "VariantNotFound", {})),
        (client_error("ValidationError", 400, "Variant x not found"), "x", True, (400, "ValidationError", {})),
        (client_error("ValidationError", 400, "Variant x not found"), None, False, (400, "ValidationError", {})),
        (client_error("ModelError", 424, "m", OriginalMessage="orig"), None, False, (424, "ModelError", {})),
        (client_error("ModelNotReadyException", 429), None, False, (503, "ModelNotReady", {"Retry-After": "5"})),
        (client_error("ThrottlingException", 400), None, False, (429, "Throttled", {"Retry-After": "1"})),
        (client_error("Whatever", 429), None, False, (429, "Throttled", {"Retry-After": "1"})),
        (client_error("ServiceUnavailable", 503), None, False, (503, "ServiceUnavailable", {"Retry-After": "5"})),
        (client_error("Whatever", 503), None, False, (503, "ServiceUnavailable", {"Retry-After": "5"})),
        (client_error("RequestTimeout", 400), None, False, (504, "UpstreamTimeout", {})),
        (client_error("Whatever", 504), None, False, (504, "UpstreamTimeout", {})),
        (client_error("InternalFailure", 500), None, False, (500, "InternalError", {})),
    ],
)
def test_client_error_mapping(
    runtime: SimpleNamespace,
    error: boto_errors.ClientError,
    variant: str | None,
    variants_known: bool,
    expected: tuple[int, str, dict[str, str]],
) -> None:
    mapped = runtime.sagemaker_client.client_error_to_http(error, variant=variant, variants_known=variants_known)
    assert (mapped.status, mapped.code, mapped.headers) == expected


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (client_error("ThrottlingException", 400), True),
        (client_error("ServiceUnavailable", 503), True),
        (client_error("ModelNotReadyException", 429), True),
        (client_error("Whatever", 429), True),
        (client_error("ModelError", 503), False),
        (client_error("ValidationError", 400), False),
        (client_error("InternalFailure", 500), False),
        (boto_errors.ConnectTimeoutError(endpoint_url="http://x"), True),
        (boto_errors.EndpointConnectionError(endpoint_url="http://x"), True),
        (boto_errors.ReadTimeoutError(endpoint_url="http://x"), False),
        (boto_errors.ResponseStreamingError(error="reset"), False),
    ],
)
def test_only_what_never_reached_the_model_is_retried(
    runtime: SimpleNamespace, error: Exception, retryable: bool
) -> None:
    assert runtime.sagemaker_client.is_retryable(error) is retryable


def test_messages_are_redacted_and_bounded(runtime: SimpleNamespace) -> None:
    clean = runtime.sagemaker_client.clean_message
    assert (
        clean("see arn:aws:logs:us-east-1:123456789012:log-group:x for 123456789012") == "see <redacted> for <redacted>"
    )
    assert clean("x" * 2000) == "x" * 1021 + "..."
    assert runtime.sagemaker_client.MAX_MESSAGE_CHARS == 1024


# --------------------------------------------------------------------------
# SageMaker's errors as the API client sees them, through the handler
# --------------------------------------------------------------------------


def test_validation_error_is_400_with_account_details_redacted(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(
        INVOKE, FakeResponse.error("ValidationError", 400, "Endpoint test-endpoint of account 123456789012 not found.")
    )

    response = frontdoor.post()

    assert response.status == 400
    assert response.error() == ("ValidationError", "Endpoint test-endpoint of account <redacted> not found.")
    assert len(fake.requests) == 1  # client errors are not retried


def test_validation_error_about_a_variant_is_404_when_variants_are_not_configured(
    frontdoor: Any, fake: FakeSageMaker
) -> None:
    fake.queue(
        INVOKE,
        FakeResponse.error(
            "ValidationError", 400, "Variant purple not found for endpoint arn:aws:sagemaker:us-east-1:1:endpoint/e"
        ),
    )

    response = frontdoor.post("/variants/purple/invocations")

    assert response.status == 404
    assert response.error()[0] == "VariantNotFound"
    assert fake.requests_for(INVOKE)[0].header("X-Amzn-SageMaker-Target-Variant") == "purple"


def test_model_error_is_424_with_the_original_message(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.model_error("input must have 4 features", original_status=400))

    response = frontdoor.post()

    assert response.status == 424
    assert response.error() == ("ModelError", "input must have 4 features")
    assert "arn:aws:logs" not in response.raw["body"]  # LogStreamArn stays server-side
    assert len(fake.requests) == 1


def test_model_error_message_is_bounded(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.model_error("boom " * 2000))

    code, message = frontdoor.post().error()

    assert code == "ModelError"
    assert len(message) == 1024  # sagemaker_client.MAX_MESSAGE_CHARS
    assert message.startswith("boom boom") and message.endswith("...")


def test_model_error_without_original_message_uses_redacted_message(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(
        INVOKE,
        FakeResponse.error(
            "ModelError", 424, "Received server error (500) from primary. See arn:aws:logs:us-east-1:123456789012:x"
        ),
    )

    assert frontdoor.post().error() == ("ModelError", "Received server error (500) from primary. See <redacted>")


def test_throttling_is_retried_then_429_with_retry_after(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]
) -> None:
    frontdoor = frontdoor_factory(SAGEMAKER_MAX_ATTEMPTS="3", SAGEMAKER_READ_TIMEOUT="2")
    fake.queue(INVOKE, *[FakeResponse.error("ThrottlingException", 429, "Rate exceeded")] * 3)

    response = frontdoor.post()

    assert response.status == 429
    assert response.headers["Retry-After"] == "1"
    assert response.error()[0] == "Throttled"
    assert len(fake.requests_for(INVOKE)) == 3  # the server saw every attempt
    # Bounded backoff: min(0.1 * 2**i, 1) s + up to 0.1 s jitter.
    assert len(sleeps) == 2 and all(0.1 * 2**i <= s <= 0.1 * 2**i + 0.1 for i, s in enumerate(sleeps))


def test_throttling_then_success_is_transparent(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]
) -> None:
    frontdoor = frontdoor_factory(SAGEMAKER_MAX_ATTEMPTS="2")
    fake.queue(INVOKE, FakeResponse.error("ThrottlingException", 400, "Rate exceeded"))

    response = frontdoor.post(body='{"ok": true}')

    assert response.status == 200
    assert response.json() == {"ok": True}
    assert len(fake.requests_for(INVOKE)) == 2
    assert len(sleeps) == 1


def test_unmodeled_429_is_429(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]) -> None:
    frontdoor = frontdoor_factory(SAGEMAKER_MAX_ATTEMPTS="1")
    fake.queue(INVOKE, FakeResponse(429, b"", {}))

    response = frontdoor.post()

    assert response.status == 429
    assert response.headers["Retry-After"] == "1"
    assert len(fake.requests_for(INVOKE)) == 1 and sleeps == []


def test_model_not_ready_is_retried_then_503_with_retry_after(
    frontdoor: Any, fake: FakeSageMaker, sleeps: list[float]
) -> None:
    fake.queue(INVOKE, *[FakeResponse.error("ModelNotReadyException", 429, "Model is loading")] * 2)

    response = frontdoor.post()

    assert response.status == 503
    assert response.error()[0] == "ModelNotReady"
    assert response.headers["Retry-After"] == "5"
    assert len(fake.requests) == 2  # the model never saw it: safe to retry


def test_service_unavailable_is_retried_then_503(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]
) -> None:
    frontdoor = frontdoor_factory(SAGEMAKER_MAX_ATTEMPTS="2")
    fake.queue(INVOKE, *[FakeResponse.error("ServiceUnavailable", 503, "busy")] * 2)

    response = frontdoor.post()

    assert response.status == 503
    assert response.error()[0] == "ServiceUnavailable"
    assert response.headers["Retry-After"] == "5"
    assert len(fake.requests_for(INVOKE)) == 2


def test_model_error_is_never_retried(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]
) -> None:
    frontdoor = frontdoor_factory(SAGEMAKER_MAX_ATTEMPTS="3", SAGEMAKER_READ_TIMEOUT="2")
    fake.queue(INVOKE, *[FakeResponse.model_error("boom", 503)] * 3)

    assert frontdoor.post().status == 424
    assert len(fake.requests_for(INVOKE)) == 1 and sleeps == []


@pytest.mark.parametrize(("code", "status"), [("InternalFailure", 500), ("InternalDependencyException", 530)])
def test_other_sagemaker_faults_are_a_generic_500(
    frontdoor: Any, fake: FakeSageMaker, sleeps: list[float], code: str, status: int
) -> None:
    fake.queue(INVOKE, *[FakeResponse.error(code, status, "secret internal detail 123456789012")] * 3)

    response = frontdoor.post()

    assert response.status == 500
    assert response.error() == ("InternalError", "Internal server error")


def test_read_timeout_is_504_after_exactly_one_attempt(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, sleeps: list[float]
) -> None:
    """A read timeout means the model may still be working: a retry would run a slow inference twice."""
    frontdoor = frontdoor_factory(SAGEMAKER_READ_TIMEOUT="0.2", SAGEMAKER_MAX_ATTEMPTS="3")
    fake.queue(INVOKE, FakeResponse(delay=2.0), FakeResponse(delay=2.0), FakeResponse(delay=2.0))

    started = time.monotonic()
    response = frontdoor.post()
    elapsed = time.monotonic() - started

    assert response.status == 504
    assert response.error() == ("UpstreamTimeout", "The model did not answer in time")
    assert len(fake.requests_for(INVOKE)) == 1  # exactly one attempt reached the server
    assert sleeps == []
    assert 0.2 <= elapsed < 1.0


def test_connection_refused_is_retried_then_503(
    frontdoor_factory: Callable[..., Any], sleeps: list[float], closed_port: int
) -> None:
    frontdoor = frontdoor_factory(AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=f"http://127.0.0.1:{closed_port}")

    response = frontdoor.post()

    assert response.status == 503
    assert response.error()[0] == "ServiceUnavailable"
    assert len(sleeps) == 1  # retried once (2 attempts by default)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (boto_errors.ConnectTimeoutError(endpoint_url="http://x"), 504, "UpstreamTimeout"),
        (boto_errors.ResponseStreamingError(error="reset"), 503, "ServiceUnavailable"),
        (boto_errors.NoCredentialsError(), 500, "InternalError"),
        (RuntimeError("bug"), 500, "InternalError"),
    ],
)
def test_transport_and_unexpected_errors(
    frontdoor: Any, monkeypatch: pytest.MonkeyPatch, exc: Exception, status: int, code: str
) -> None:
    def fail(**kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(frontdoor.app.client.runtime, "invoke_endpoint", fail)

    response = frontdoor.post()

    assert response.status == status
    assert response.error()[0] == code
