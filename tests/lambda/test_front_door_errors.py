"""Every row of the error mapping, through real botocore against the fake."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore import exceptions as boto_errors

from tests.support.fake_sagemaker_runtime import INVOKE, FakeResponse, FakeSageMaker

# --------------------------------------------------------------------------
# Client errors found before SageMaker is called
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "base64_body", "status", "code"),
    [
        (None, {"Content-Type": "application/json"}, False, 400, "EmptyBody"),
        ("", {"Content-Type": "application/json"}, False, 400, "EmptyBody"),
        ("", {"Content-Type": "application/json"}, True, 400, "EmptyBody"),
        ('{"a": ', {"Content-Type": "application/json"}, False, 400, "MalformedJson"),
        ("{'a': 1}", {"Content-Type": "application/json; charset=utf-8"}, False, 400, "MalformedJson"),
        ("[" * 100_000, {"Content-Type": "application/json"}, False, 400, "MalformedJson"),
        ("not base64!", {"Content-Type": "application/octet-stream"}, "raw", 400, "InvalidBase64"),
        ("a,b", {"Content-Type": "application/x-www-form-urlencoded"}, False, 415, "UnsupportedMediaType"),
        ("a,b", {}, False, 415, "UnsupportedMediaType"),
        ("a,b", {"Content-Type": "text/csv", "Accept": "text/csv\u00e9"}, False, 400, "InvalidHeader"),
        (
            "{}",
            {"Content-Type": "application/json", "X-Amzn-SageMaker-Custom-Attributes": "x" * 1025},
            False,
            400,
            "InvalidHeader",
        ),
        ("\ud800", {"Content-Type": "text/csv"}, False, 400, "InvalidBody"),
    ],
    ids=[
        "null-body",
        "empty-body",
        "empty-base64-body",
        "truncated-json",
        "single-quoted-json",
        "deeply-nested-json",
        "invalid-base64",
        "form-content-type",
        "no-content-type",
        "non-ascii-accept",
        "custom-attributes-too-long",
        "lone-surrogate",
    ],
)
def test_bad_requests_never_reach_sagemaker(
    frontdoor: Any,
    fake: FakeSageMaker,
    make_event: Callable[..., dict[str, Any]],
    body: str | None,
    headers: dict[str, str],
    base64_body: bool | str,
    status: int,
    code: str,
) -> None:
    event = make_event("POST", "/invocations", body=body, headers=headers, base64_body=base64_body is True)
    if base64_body == "raw":  # claim base64 but send something else
        event["isBase64Encoded"] = True

    response = frontdoor.call(event)

    assert response.status == status
    assert response.error()[0] == code
    assert fake.requests == []


def test_body_over_max_body_bytes_is_413(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    frontdoor = frontdoor_factory(MAX_BODY_BYTES="16")

    assert frontdoor.post(body='{"k":"' + "x" * 8 + '"}').status == 200  # exactly 16 bytes
    too_big = frontdoor.post(body='{"k":"' + "x" * 9 + '"}')
    too_big_binary = frontdoor.post(body=b"\x00" * 17, headers={"Content-Type": "application/octet-stream"})
    huge_base64 = frontdoor.post(body=b"\x00" * 100_000, headers={"Content-Type": "application/octet-stream"})

    for response in (too_big, too_big_binary, huge_base64):
        assert response.status == 413
        assert response.error() == ("PayloadTooLarge", "Body exceeds 16 bytes")
    assert len(fake.requests_for(INVOKE)) == 1


def test_structured_json_suffix_types_are_syntax_checked(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    frontdoor = frontdoor_factory(ALLOWED_CONTENT_TYPES="application/*")

    bad = frontdoor.post(body="{'a': 1}", headers={"Content-Type": "application/vnd.api+json"})
    good = frontdoor.post(body='{"a": 1}', headers={"Content-Type": "application/vnd.api+json"})

    assert (bad.status, bad.error()[0], good.status) == (400, "MalformedJson", 200)
    assert len(fake.requests_for(INVOKE)) == 1


def test_default_max_body_leaves_room_for_base64_in_the_lambda_event(
    frontdoor: Any, fake: FakeSageMaker, make_event: Callable[..., dict[str, Any]]
) -> None:
    """A body over the limit still fits Lambda's 6 MB event once base64-encoded, so the 413 is reachable;
    the base64 pre-check answers it before decoding."""
    limit = 4_521_984
    assert limit == frontdoor.module.MAX_BODY_BYTES
    over = make_event("POST", "/invocations", body=b"\x00" * (limit + 1), headers={"Content-Type": "application/x-npy"})
    assert len(json.dumps(over)) < 6_291_456  # Lambda would deliver this event

    response = frontdoor.call(over)

    assert response.status == 413
    assert response.error() == ("PayloadTooLarge", f"Body exceeds {limit} bytes")
    assert fake.requests_for(INVOKE) == []


def test_largest_binary_body_is_accepted(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.post(
        body=b"\x00" * 4_521_984,
        headers={"Content-Type": "application/octet-stream", "Accept": "application/json"},
    )
    assert response.status == 200
    assert len(fake.requests_for(INVOKE)[0].body) == 4_521_984


# --------------------------------------------------------------------------
# SageMaker errors
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
    assert len(message) == frontdoor.module.MAX_MESSAGE_CHARS
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

    monkeypatch.setattr(frontdoor.module.runtime, "invoke_endpoint", fail)

    response = frontdoor.post()

    assert response.status == status
    assert response.error()[0] == code


def test_response_too_large_for_lambda_is_502(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse(200, b"\x01" * 5_000_000, {"Content-Type": "application/octet-stream"}))

    response = frontdoor.post()

    assert response.status == 502
    assert response.error()[0] == "ResponseTooLarge"


def test_errors_emit_metrics_by_code_and_status(
    frontdoor: Any, fake: FakeSageMaker, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    fake.queue(INVOKE, FakeResponse.model_error("nope"))
    stdout_records()

    frontdoor.post()

    [emf] = [r for r in stdout_records() if "_aws" in r]
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["ErrorCode", "StatusCode", "service"]]
    assert [m["Name"] for m in directive["Metrics"]] == ["Errors"]
    assert (emf["ErrorCode"], emf["StatusCode"], emf["Errors"]) == ("ModelError", "424", [1.0])
