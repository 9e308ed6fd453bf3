"""The asynchronous routes run for real: the handler's boto3 clients call the loopback SageMaker runtime
(``InvokeEndpointAsync``) and a real moto server for S3; results and failures are written where SageMaker
would write them. 202, result, failure, and every error row."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from rehearsal.moto_server import MotoServer
from tests.support.fake_sagemaker_runtime import INVOKE, INVOKE_ASYNC, FakeResponse, FakeSageMaker

ENDPOINT = "test-endpoint"
Door = Any  # tests.lambda.conftest.FrontDoor (lambda is not importable as a package)


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[MotoServer]:
    """A real moto server on 127.0.0.1 for S3 (the module's tests share it; each gets its own bucket)."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def s3(moto_s3: MotoServer) -> Any:
    return moto_s3.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"async-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def async_factory(
    frontdoor_factory: Callable[..., Door], fake: FakeSageMaker, moto_s3: MotoServer, bucket: str
) -> Callable[..., Door]:
    """The handler in ``async`` mode: the runtime is the fake, S3 is moto; SageMaker's paths in ``bucket``."""
    fake.async_output_path = f"s3://{bucket}/output"
    fake.async_failure_path = f"s3://{bucket}/failure"

    def make(**env: str | None) -> Door:
        return frontdoor_factory(
            **{"INVOCATION_MODE": "async", "ASYNC_BUCKET": bucket, "AWS_ENDPOINT_URL_S3": moto_s3.url, **env}
        )

    return make


@pytest.fixture
def door(async_factory: Callable[..., Door]) -> Door:
    return async_factory()


def _submit(door: Door, body: str | bytes = '{"instances": [[1, 2]]}', **headers: str) -> Any:
    return door.post("/async-invocations", body=body, headers={"Content-Type": "application/json", **headers})


def _complete(s3: Any, location: str, body: bytes, content_type: str = "application/json") -> None:
    """Write an object where SageMaker would (``s3://bucket/key``)."""
    bucket, _, key = location.removeprefix("s3://").partition("/")
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


# --------------------------------------------------------------------------
# The happy paths: 202, pending, result, failure
# --------------------------------------------------------------------------
def test_submit_stores_the_body_queues_it_and_answers_202(
    door: Door, fake: FakeSageMaker, s3: Any, bucket: str
) -> None:
    response = _submit(door, Accept="application/json", **{"X-Amzn-SageMaker-Custom-Attributes": "trace=1"})

    assert response.status == 202
    payload = response.json()
    inference_id = payload["inferenceId"]
    assert len(inference_id) == 32 and int(inference_id, 16) >= 0
    assert payload == {
        "inferenceId": inference_id,
        "status": "InProgress",
        "outputLocation": f"s3://{bucket}/output/{inference_id}.out",
        "failureLocation": f"s3://{bucket}/failure/{inference_id}-error.out",
    }
    # The caller polls the stage's path (requestContext.path) of the result.
    assert response.headers["Location"] == f"/prod/async-invocations/{inference_id}"
    assert response.headers["Retry-After"] == "10"
    assert response.headers["X-Inference-Id"] == inference_id

    stored = s3.get_object(Bucket=bucket, Key=f"input/{inference_id}")
    assert stored["Body"].read() == b'{"instances": [[1, 2]]}'
    assert stored["ContentType"] == "application/json"
    [sent] = fake.requests_for(INVOKE_ASYNC)
    assert sent.path == f"/endpoints/{ENDPOINT}/async-invocations"
    assert sent.body == b""  # the body goes through S3, never inline
    assert sent.header("X-Amzn-SageMaker-InputLocation") == f"s3://{bucket}/input/{inference_id}"
    assert sent.header("X-Amzn-SageMaker-Inference-Id") == inference_id
    assert sent.header("X-Amzn-SageMaker-Content-Type") == "application/json"
    assert sent.header("X-Amzn-SageMaker-Accept") == "application/json"
    assert sent.header("X-Amzn-SageMaker-Custom-Attributes") == "trace=1"
    assert sent.header("X-Amzn-SageMaker-InvocationTimeoutSeconds") == "900"
    assert sent.header("X-Amzn-SageMaker-RequestTTLSeconds") == "21600"
    assert (sent.header("Authorization") or "").startswith("AWS4-HMAC-SHA256 Credential=testing/")
    record = json.loads(s3.get_object(Bucket=bucket, Key=f"requests/{inference_id}.json")["Body"].read())
    assert record == {k: v for k, v in payload.items() if k != "status"}
    assert fake.requests_for(INVOKE) == []


def test_result_is_pending_then_the_model_answer(door: Door, s3: Any, bucket: str) -> None:
    submitted = _submit(door).json()
    inference_id = submitted["inferenceId"]

    pending = door.request("GET", f"/async-invocations/{inference_id}")
    assert pending.status == 202
    assert pending.json() == {"inferenceId": inference_id, "status": "InProgress"}
    assert pending.headers["Retry-After"] == "10"

    _complete(s3, submitted["outputLocation"], b'{"predictions": [0.25]}')
    done = door.request("GET", f"/async-invocations/{inference_id}")
    assert done.status == 200
    assert done.raw["isBase64Encoded"] is False
    assert done.json() == {"predictions": [0.25]}
    assert done.headers["Content-Type"] == "application/json"
    assert done.headers["X-Inference-Id"] == inference_id


def test_a_binary_result_comes_back_as_bytes_with_a_binary_accept(async_factory: Callable[..., Door], s3: Any) -> None:
    door = async_factory(BINARY_MEDIA_TYPES="image/*")
    submitted = _submit(door).json()
    image = bytes(range(256)) * 8
    _complete(s3, submitted["outputLocation"], image, "image/png")
    path = f"/async-invocations/{submitted['inferenceId']}"

    refused = door.request("GET", path)
    assert refused.error()[0] == "NotAcceptable" and refused.status == 406
    done = door.request("GET", path, headers={"Accept": "image/png"})
    assert done.status == 200 and done.raw["isBase64Encoded"] is True
    assert done.data == image
    assert done.headers["Content-Type"] == "image/png"


def test_a_failure_answers_424_with_sagemakers_message(door: Door, s3: Any) -> None:
    submitted = _submit(door).json()
    _complete(
        s3,
        submitted["failureLocation"],
        b"Received server error (500) from model. See arn:aws:logs:us-east-1:123456789012:log-group:x for details",
        "text/plain",
    )

    failed = door.request("GET", f"/async-invocations/{submitted['inferenceId']}")
    assert failed.status == 424
    code, message = failed.error()
    assert code == "InferenceFailed"
    assert message == "Received server error (500) from model. See <redacted> for details"
    assert failed.headers["X-Inference-Id"] == submitted["inferenceId"]


def test_the_result_wins_over_a_failure_and_records_are_read_where_sagemaker_said(
    door: Door, fake: FakeSageMaker, s3: Any, bucket: str
) -> None:
    fake.async_output_path = f"s3://{bucket}/elsewhere/out"
    submitted = _submit(door).json()
    assert submitted["outputLocation"].startswith(f"s3://{bucket}/elsewhere/out/")
    _complete(s3, submitted["outputLocation"], b"[1]")
    _complete(s3, submitted["failureLocation"], b"late failure", "text/plain")
    assert door.request("GET", f"/async-invocations/{submitted['inferenceId']}").json() == [1]


def test_a_proxy_resource_routes_the_same_way(door: Door, s3: Any) -> None:
    submitted = door.post("/async-invocations", proxy=True).json()
    _complete(s3, submitted["outputLocation"], b'{"ok": true}')
    done = door.request("GET", f"/async-invocations/{submitted['inferenceId']}", proxy=True)
    assert done.status == 200 and done.json() == {"ok": True}


# --------------------------------------------------------------------------
# Routes that make no sense for the mode, methods, ids
# --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/invocations", "/variants/AllTraffic/invocations", "/models/fraud/invocations"])
def test_real_time_routes_are_refused_by_an_async_endpoint(door: Door, fake: FakeSageMaker, path: str) -> None:
    response = door.post(path)
    assert response.status == 404
    assert response.error() == (
        "AsyncEndpoint",
        "This endpoint takes asynchronous invocations only: POST /async-invocations, then "
        "GET /async-invocations/{inferenceId}",
    )
    assert fake.requests == []


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/async-invocations"), ("GET", "/async-invocations/" + "a" * 32)]
)
def test_async_routes_do_not_exist_on_a_real_time_endpoint(
    frontdoor: Door, fake: FakeSageMaker, method: str, path: str
) -> None:
    response = frontdoor.request(method, path, body="{}", headers={"Content-Type": "application/json"})
    assert (response.status, response.error()) == (404, ("NotFound", "No such route"))
    assert fake.requests == []


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("GET", "/async-invocations", "POST"), ("POST", "/async-invocations/" + "a" * 32, "GET")],
)
def test_wrong_methods_answer_405(door: Door, method: str, path: str, allowed: str) -> None:
    response = door.request(method, path, body="{}", headers={"Content-Type": "application/json"})
    assert response.status == 405
    assert response.headers["Allow"] == allowed
    assert response.error()[0] == "MethodNotAllowed"


@pytest.mark.parametrize("inference_id", ["A" * 32, "a" * 31, "..%2Frequests%2Fx", "a" * 32 + ".json"])
def test_ids_the_function_never_gives_are_not_found(door: Door, s3: Any, inference_id: str) -> None:
    response = door.request("GET", f"/async-invocations/{inference_id}")
    assert (response.status, response.error()) == (404, ("InferenceNotFound", "No such asynchronous inference"))


def test_an_unknown_or_expired_id_is_not_found(door: Door) -> None:
    response = door.request("GET", f"/async-invocations/{uuid.uuid4().hex}")
    assert (response.status, response.error()) == (
        404,
        ("InferenceNotFound", "No such asynchronous inference (or its records expired)"),
    )


# --------------------------------------------------------------------------
# Error rows of POST /async-invocations
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (None, {"Content-Type": "application/json"}, 400, "EmptyBody"),
        ('{"a": ', {"Content-Type": "application/json"}, 400, "MalformedJson"),
        ("a,b", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "UnsupportedMediaType"),
        ("a,b", {}, 415, "UnsupportedMediaType"),
        ("x" * 11, {"Content-Type": "text/csv"}, 413, "PayloadTooLarge"),
        ("a", {"Content-Type": "text/csv", "Accept": "text/csv\u00e9"}, 400, "InvalidHeader"),
    ],
    ids=["empty-body", "malformed-json", "form-content-type", "no-content-type", "too-large", "bad-accept"],
)
def test_bad_requests_store_and_queue_nothing(
    async_factory: Callable[..., Door],
    fake: FakeSageMaker,
    s3: Any,
    bucket: str,
    body: str | None,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    door = async_factory(MAX_BODY_BYTES="10")
    response = door.request("POST", "/async-invocations", body=body, headers=headers)
    assert (response.status, response.error()[0]) == (status, code)
    assert fake.requests == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize(
    ("responses", "status", "code", "attempts"),
    [
        (
            [FakeResponse.error("ValidationError", 400, "Endpoint test-endpoint is not async")],
            400,
            "ValidationError",
            1,
        ),
        ([FakeResponse.error("ServiceUnavailable", 503)] * 2, 503, "ServiceUnavailable", 2),
        ([FakeResponse.error("ServiceUnavailable", 503)], 202, None, 2),  # retried, then queued
        ([FakeResponse.error("ThrottlingException", 429)] * 2, 429, "Throttled", 2),
        ([FakeResponse.error("InternalFailure", 500)], 500, "InternalError", 1),
    ],
    ids=["validation", "unavailable", "unavailable-then-ok", "throttled", "internal-failure"],
)
def test_invoke_endpoint_async_errors_are_mapped_and_only_safe_ones_retried(
    door: Door,
    fake: FakeSageMaker,
    s3: Any,
    bucket: str,
    sleeps: list[float],
    responses: list[FakeResponse],
    status: int,
    code: str | None,
    attempts: int,
) -> None:
    fake.queue(INVOKE_ASYNC, *responses)
    response = _submit(door)
    assert response.status == status
    if code is not None:
        assert response.error()[0] == code
        # No record: a GET of this id is a 404, not an eternal 202.
        assert s3.list_objects_v2(Bucket=bucket, Prefix="requests/")["KeyCount"] == 0
    assert len(fake.requests_for(INVOKE_ASYNC)) == attempts
    assert len(sleeps) == attempts - 1


def test_a_runtime_that_does_not_answer_is_a_503(async_factory: Callable[..., Door], closed_port: int) -> None:
    door = async_factory(AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}", SAGEMAKER_MAX_ATTEMPTS="1")
    response = _submit(door)
    assert (response.status, response.error()[0]) == (503, "ServiceUnavailable")


def test_s3_errors_are_mapped(async_factory: Callable[..., Door], closed_port: int, fake: FakeSageMaker) -> None:
    missing_bucket = async_factory(ASYNC_BUCKET="no-such-bucket-" + uuid.uuid4().hex[:8])
    response = _submit(missing_bucket)
    assert (response.status, response.error()) == (500, ("InternalError", "Internal server error"))
    down = async_factory(AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{closed_port}")
    response = _submit(down)
    assert (response.status, response.error()[0]) == (503, "StorageUnavailable")
    assert response.headers["Retry-After"] == "1"
    response = down.request("GET", f"/async-invocations/{uuid.uuid4().hex}")
    assert (response.status, response.error()[0]) == (503, "StorageUnavailable")
    assert fake.requests_for(INVOKE_ASYNC) == []  # nothing queued without a stored body


def test_a_corrupt_record_is_an_internal_error(door: Door, s3: Any, bucket: str) -> None:
    inference_id = uuid.uuid4().hex
    s3.put_object(Bucket=bucket, Key=f"requests/{inference_id}.json", Body=b"not json")
    response = door.request("GET", f"/async-invocations/{inference_id}")
    assert (response.status, response.error()[0]) == (500, "InternalError")


def test_the_request_limits_come_from_the_environment(async_factory: Callable[..., Door], fake: FakeSageMaker) -> None:
    door = async_factory(
        ASYNC_INVOCATION_TIMEOUT_SECONDS="3600", ASYNC_REQUEST_TTL_SECONDS="60", ASYNC_INPUT_PREFIX="in/"
    )
    inference_id = _submit(door).json()["inferenceId"]
    [sent] = fake.requests_for(INVOKE_ASYNC)
    assert sent.header("X-Amzn-SageMaker-InvocationTimeoutSeconds") == "3600"
    assert sent.header("X-Amzn-SageMaker-RequestTTLSeconds") == "60"
    assert (sent.header("X-Amzn-SageMaker-InputLocation") or "").endswith(f"/in/{inference_id}")


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"INVOCATION_MODE": "batch"}, "INVOCATION_MODE must be one of real-time, async, got 'batch'"),
        ({"INVOCATION_MODE": "async"}, "ASYNC_BUCKET must be set when INVOCATION_MODE is async"),
        (
            {"ASYNC_INPUT_PREFIX": "in"},
            "ASYNC_INPUT_PREFIX must be a key prefix ending in '/' (not starting with one), got 'in'",
        ),
        (
            {"ASYNC_INVOCATION_TIMEOUT_SECONDS": "3601"},
            "ASYNC_INVOCATION_TIMEOUT_SECONDS must be an integer between 1 and 3600, got '3601'",
        ),
        (
            {"ASYNC_REQUEST_TTL_SECONDS": "59"},
            "ASYNC_REQUEST_TTL_SECONDS must be an integer between 60 and 21600, got '59'",
        ),
        (
            {"INVOCATION_MODE": "async", "ASYNC_BUCKET": "b", "INFERENCE_COMPONENTS": "fraud=fraud-v1"},
            "INFERENCE_COMPONENTS must be unset when INVOCATION_MODE is async (an asynchronous endpoint hosts no "
            "inference components)",
        ),
    ],
    ids=["mode", "no-bucket", "prefix", "timeout", "ttl", "components"],
)
def test_bad_async_settings_fail_the_import(
    load_handler: Callable[..., ModuleType], env: dict[str, str], problem: str
) -> None:
    with pytest.raises(ValueError) as info:
        load_handler(**env)
    assert type(info.value).__name__ == "SettingsError"
    assert problem in str(info.value)


# --------------------------------------------------------------------------
# Logging and metrics: one record per request, no body
# --------------------------------------------------------------------------
def test_each_async_request_is_one_emf_record_without_its_body(
    door: Door, s3: Any, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    secret = "SECRET-ASYNC-BODY-4c1d"
    stdout_records()  # drop what loading printed
    submitted = _submit(door, body=json.dumps({"text": secret})).json()
    _complete(s3, submitted["outputLocation"], json.dumps({"echo": secret}).encode())
    door.request("GET", f"/async-invocations/{submitted['inferenceId']}")
    _complete(s3, submitted["failureLocation"], secret.encode(), "text/plain")
    records = stdout_records()
    assert secret not in json.dumps(records)
    emf = [r for r in records if "_aws" in r]
    assert [r["request"]["route"] for r in emf] == ["async_invocations", "async_result"]
    assert [r["request"]["async_status"] for r in emf] == ["InProgress", "Completed"]
    for record, route in zip(emf, ["async_invocations", "async_result"], strict=True):
        assert record["request"]["inference_id"] == submitted["inferenceId"]
        assert (record["Route"], record["AsyncRequests"]) == (route, [1.0])
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert directive["Dimensions"] == [["Route", "service"]]
        assert [m["Name"] for m in directive["Metrics"]] == ["Latency", "AsyncRequests"]


def test_error_answers_carry_the_request_id(door: Door) -> None:
    response = door.request("GET", f"/async-invocations/{'0' * 32}")
    assert response.json()["requestId"] == "api-request-id"
