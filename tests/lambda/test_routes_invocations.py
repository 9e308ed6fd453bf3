"""Happy paths: what the handler sends to SageMaker and what it answers."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import INVOKE, FakeResponse, FakeSageMaker

ENDPOINT = "test-endpoint"


def test_json_round_trip_and_wire_request(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.post(
        body='{"instances": [[1, 2, 3]]}',
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )

    assert response.status == 200
    assert response.json() == {"instances": [[1, 2, 3]]}
    assert response.raw["isBase64Encoded"] is False
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Invoked-Production-Variant"] == "AllTraffic"
    assert "X-Amzn-SageMaker-Custom-Attributes" not in response.headers
    [sent] = fake.requests_for(INVOKE)
    assert sent.path == f"/endpoints/{ENDPOINT}/invocations"
    assert sent.body == b'{"instances": [[1, 2, 3]]}'
    assert sent.header("Content-Type") == "application/json"
    assert sent.header("Accept") == "application/json"
    assert sent.header("X-Amzn-SageMaker-Target-Variant") is None
    assert sent.header("X-Amzn-SageMaker-Custom-Attributes") is None
    assert (sent.header("Authorization") or "").startswith("AWS4-HMAC-SHA256 Credential=testing/")


def test_content_type_parameters_are_forwarded_verbatim(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.post(body="[1]", headers={"Content-Type": "Application/JSON; charset=utf-8"})

    assert response.status == 200
    assert fake.requests_for(INVOKE)[0].header("Content-Type") == "Application/JSON; charset=utf-8"


def test_csv_passes_through_as_text(frontdoor: Any, fake: FakeSageMaker) -> None:
    csv = "5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n"
    fake.queue(
        INVOKE,
        FakeResponse(
            200, b"0\n1\n", {"Content-Type": "text/csv; charset=utf-8", "x-Amzn-Invoked-Production-Variant": "v1"}
        ),
    )

    response = frontdoor.post(body=csv, headers={"content-type": "text/csv", "accept": "text/csv"})

    assert response.status == 200
    assert response.raw == {
        "statusCode": 200,
        "headers": {"Content-Type": "text/csv; charset=utf-8", "X-Invoked-Production-Variant": "v1"},
        "body": "0\n1\n",
        "isBase64Encoded": False,
    }
    [sent] = fake.requests_for(INVOKE)
    assert sent.body == csv.encode()
    assert (sent.header("Content-Type"), sent.header("Accept")) == ("text/csv", "text/csv")


def test_binary_image_round_trips_unchanged(frontdoor: Any, fake: FakeSageMaker) -> None:
    image = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096) + bytes(range(256))

    response = frontdoor.post(body=image, headers={"Content-Type": "image/png", "Accept": "image/png"})

    assert response.status == 200
    assert response.raw["isBase64Encoded"] is True
    assert response.headers["Content-Type"] == "image/png"
    assert response.data == image
    [sent] = fake.requests_for(INVOKE)
    assert sent.body == image
    assert sent.header("Content-Type") == "image/png"


def test_base64_encoded_json_request_is_decoded(frontdoor: Any, fake: FakeSageMaker) -> None:
    """API Gateway base64-encodes every body when binaryMediaTypes is */*."""
    response = frontdoor.post(body='{"a": "é"}', base64_body=True)

    assert response.status == 200
    assert fake.requests_for(INVOKE)[0].body == '{"a": "é"}'.encode()
    assert response.json() == {"a": "é"}


def test_text_content_type_with_invalid_utf8_is_returned_as_base64(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse(200, b"\xff\xfe not utf-8", {"Content-Type": "text/plain"}))

    response = frontdoor.post()

    assert response.status == 200
    assert response.raw["isBase64Encoded"] is True
    assert response.data == b"\xff\xfe not utf-8"


def test_missing_response_headers(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse(200, b"\x00\x01", {}))

    response = frontdoor.post()

    assert response.status == 200
    assert response.headers == {"Content-Type": "application/octet-stream"}
    assert response.data == b"\x00\x01"


def test_custom_attributes_pass_through_both_ways(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.post(
        headers={"Content-Type": "application/json", "x-amzn-sagemaker-custom-attributes": "trace=abc; model=v2"}
    )

    assert response.status == 200
    assert fake.requests_for(INVOKE)[0].header("X-Amzn-SageMaker-Custom-Attributes") == "trace=abc; model=v2"
    assert response.headers["X-Amzn-SageMaker-Custom-Attributes"] == "trace=abc; model=v2"


def test_custom_attributes_returned_by_the_model_only(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(
        INVOKE,
        FakeResponse(
            200,
            b"{}",
            {
                "Content-Type": "application/json",
                "X-Amzn-SageMaker-Custom-Attributes": "accepted=true",
                "x-Amzn-Invoked-Production-Variant": "blue",
            },
        ),
    )

    response = frontdoor.post()

    assert response.headers["X-Amzn-SageMaker-Custom-Attributes"] == "accepted=true"
    assert response.headers["X-Invoked-Production-Variant"] == "blue"
    assert fake.requests_for(INVOKE)[0].header("X-Amzn-SageMaker-Custom-Attributes") is None


def test_variant_pinning_sends_target_variant(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    frontdoor = frontdoor_factory(VARIANT_NAMES="blue, green")

    response = frontdoor.post("/variants/green/invocations")

    assert response.status == 200
    assert response.headers["X-Invoked-Production-Variant"] == "green"
    [sent] = fake.requests_for(INVOKE)
    assert sent.header("X-Amzn-SageMaker-Target-Variant") == "green"


def test_variant_pinning_through_a_greedy_proxy_resource(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.post("/variants/canary-2/invocations", proxy=True)

    assert response.status == 200
    assert fake.requests_for(INVOKE)[0].header("X-Amzn-SageMaker-Target-Variant") == "canary-2"


def test_unknown_variant_is_404_without_calling_sagemaker(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    frontdoor = frontdoor_factory(VARIANT_NAMES="blue,green")

    response = frontdoor.post("/variants/purple/invocations")

    assert response.status == 404
    assert response.error()[0] == "VariantNotFound"
    assert fake.requests == []


def test_syntactically_impossible_variant_is_404_without_calling_sagemaker(frontdoor: Any, fake: FakeSageMaker) -> None:
    for variant in ("-leading-dash", "has space", "x" * 64, "semi;colon"):
        response = frontdoor.post(f"/variants/{variant}/invocations")
        assert response.status == 404, variant
    assert fake.requests == []


def test_headers_are_case_insensitive_and_multi_value_headers_work(
    frontdoor: Any, fake: FakeSageMaker, make_event: Callable[..., dict[str, Any]]
) -> None:
    event = make_event("POST", "/invocations", body="a,b\n")
    event["headers"] = None
    event["multiValueHeaders"] = {"CONTENT-TYPE": ["text/csv"], "ACCEPT": ["application/json", "text/csv"]}

    response = frontdoor.call(event)

    assert response.status == 200
    [sent] = fake.requests_for(INVOKE)
    assert (sent.header("Content-Type"), sent.header("Accept")) == ("text/csv", "text/csv")


def test_single_value_headers_win_over_multi_value_headers(
    frontdoor: Any, fake: FakeSageMaker, make_event: Callable[..., dict[str, Any]]
) -> None:
    event = make_event("POST", "/invocations", body="{}", headers={"cOnTeNt-TyPe": "application/json"})
    event["multiValueHeaders"] = {"Content-Type": ["text/csv"]}

    assert frontdoor.call(event).status == 200
    assert fake.requests_for(INVOKE)[0].header("Content-Type") == "application/json"


def test_wildcard_allowed_content_types(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    frontdoor = frontdoor_factory(ALLOWED_CONTENT_TYPES="image/*, application/json")

    assert frontdoor.post(body=b"GIF89a", headers={"Content-Type": "image/gif"}).status == 200
    assert frontdoor.post(body="a,b", headers={"Content-Type": "text/csv"}).status == 415
    assert len(fake.requests_for(INVOKE)) == 1


def test_request_id_comes_from_api_gateway_then_lambda(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.error("ValidationError", 400, "bad"), FakeResponse.error("ValidationError", 400))

    assert frontdoor.post(request_id="apigw-123").json()["requestId"] == "apigw-123"
    assert frontdoor.post(request_id=None).json()["requestId"] == "lambda-request-id"


def test_success_emits_per_variant_metrics(frontdoor: Any, stdout_records: Callable[[], list[dict[str, Any]]]) -> None:
    stdout_records()
    frontdoor.post()

    [emf] = [r for r in stdout_records() if "_aws" in r]
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "FrontDoorTests"
    assert directive["Dimensions"] == [["Variant", "service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"Latency": "Milliseconds", "Invocations": "Count"}
    assert emf["Variant"] == "AllTraffic"
    assert emf["Invocations"] == [1.0]
    assert emf["Latency"][0] > 0


@pytest.mark.parametrize(
    ("queued", "dimensions", "values"),
    [
        (None, {"Variant": "AllTraffic"}, {"Latency": "Milliseconds", "Invocations": "Count"}),
        (FakeResponse.model_error("no"), {"ErrorCode": "ModelError", "StatusCode": "424"}, {"Errors": "Count"}),
    ],
)
def test_the_record_is_the_line_powertools_flush_metrics_prints(
    frontdoor: Any,
    fake: FakeSageMaker,
    stdout_records: Callable[[], list[dict[str, Any]]],
    queued: FakeResponse | None,
    dimensions: dict[str, str],
    values: dict[str, str],
) -> None:
    """The handler hands Powertools' serializer this request's own dicts (no add_metric/flush per request):
    the line must be exactly what add_dimension/add_metric/add_metadata/flush_metrics would print."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    if queued is not None:
        fake.queue(INVOKE, queued)
    stdout_records()
    frontdoor.post()
    [record] = [r for r in stdout_records() if "_aws" in r]

    # The provider itself: Metrics instances share their sets, the handler's included.
    reference = AmazonCloudWatchEMFProvider(namespace="FrontDoorTests", service=os.environ["POWERTOOLS_SERVICE_NAME"])
    for name, value in dimensions.items():
        reference.add_dimension(name, value)
    for name, unit in values.items():
        reference.add_metric(name, unit, record[name][0])
    reference.add_metadata("request", record["request"])
    reference.set_timestamp(record["_aws"]["Timestamp"])
    stdout_records()
    reference.flush_metrics()
    [expected] = stdout_records()

    assert list(record) == list(expected)  # same keys in the same order
    assert record == expected


def test_success_record_is_an_access_log_with_sizes_not_contents(
    frontdoor: Any, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    stdout_records()
    frontdoor.post(body='{"abc": 123}', headers={"Content-Type": "application/json", "Accept": "application/json"})

    [record] = stdout_records()  # one line per request: EMF metrics + the access log
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Variant", "service"]]
    fields = record["request"]
    latency = fields.pop("latency_ms")
    assert fields == {
        "request_id": "api-request-id",
        "method": "POST",
        "route": "invocations",
        "status": 200,
        "variant": "AllTraffic",
        "content_type": "application/json",
        "request_bytes": len(b'{"abc": 123}'),
        "response_bytes": len(b'{"abc": 123}'),
        "response_content_type": "application/json",
        "attempts": 1,
    }
    assert latency > 0


def test_server_errors_are_also_logged_with_correlation_ids(
    frontdoor: Any, fake: FakeSageMaker, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    fake.queue(INVOKE, *[FakeResponse.error("ServiceUnavailable", 503)] * 2)
    stdout_records()
    frontdoor.post()

    [log] = [r for r in stdout_records() if r.get("message") == "Request failed"]
    assert log["level"] == "WARNING"
    assert log["correlation_id"] == "api-request-id"
    assert log["function_request_id"] == "lambda-request-id"
    assert (log["status"], log["error_code"], log["upstream_error"]) == (
        503,
        "ServiceUnavailable",
        "ServiceUnavailable",
    )
    assert log["cold_start"] is True


def test_clients_are_built_once_and_control_plane_lazily(frontdoor: Any) -> None:
    client = frontdoor.app.client
    runtime = client.runtime
    assert client._control_plane is None

    frontdoor.post()
    frontdoor.post()

    assert client.runtime is runtime
    assert client._control_plane is None  # invocations never need it


def test_lambda_trace_header_is_propagated_to_sagemaker(
    frontdoor: Any, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With active tracing, Lambda sets _X_AMZN_TRACE_ID per invocation; botocore forwards it."""
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", trace)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "front-door")

    frontdoor.post()

    assert fake.requests_for(INVOKE)[0].header("X-Amzn-Trace-Id") == trace


def test_with_metrics_disabled_the_access_record_is_a_log_line(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    frontdoor = frontdoor_factory(POWERTOOLS_METRICS_DISABLED="true")
    fake.queue(INVOKE, FakeResponse.model_error("no"))
    stdout_records()

    statuses = [frontdoor.post().status for _ in range(3)]

    records = stdout_records()
    assert not [r for r in records if "_aws" in r]
    assert (
        [(r["message"], r["status"]) for r in records]
        == [("request", s) for s in statuses]
        == [
            ("request", 424),
            ("request", 200),
            ("request", 200),
        ]
    )
    assert frontdoor.app.metrics.metric_set == {}  # nothing piles up between requests


def test_powertools_dev_mode_also_turns_the_record_into_a_log_line(
    frontdoor_factory: Callable[..., Any], stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    frontdoor = frontdoor_factory(POWERTOOLS_DEV="true")
    stdout_records()

    assert frontdoor.post().status == 200

    [record] = stdout_records()
    assert "_aws" not in record
    assert (record["message"], record["status"], record["variant"]) == ("request", 200, "AllTraffic")


# --------------------------------------------------------------------------
# CORS (proxy integration: the backend's answer must carry the header)
# --------------------------------------------------------------------------
def test_cors_allowed_origin_is_echoed_on_every_answer(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    frontdoor = frontdoor_factory(CORS_ALLOWED_ORIGINS="https://app.example.com,https://admin.example.com")
    origin = {"Origin": "https://admin.example.com"}

    ok = frontdoor.post(headers={"Content-Type": "application/json", **origin})
    error = frontdoor.post(headers={"Content-Type": "text/html", **origin})
    not_found = frontdoor.request("GET", "/nope", headers=origin)
    health = frontdoor.request("GET", "/health", headers=origin)

    for response, status in ((ok, 200), (error, 415), (not_found, 404), (health, 200)):
        assert response.status == status
        assert response.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
        assert response.headers["Vary"] == "Origin"


def test_cors_other_or_missing_origin_gets_no_header(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    frontdoor = frontdoor_factory(CORS_ALLOWED_ORIGINS="https://app.example.com")

    other = frontdoor.post(headers={"Content-Type": "application/json", "Origin": "https://evil.example.com"})
    missing = frontdoor.post()

    for response in (other, missing):
        assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_wildcard_and_off(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    wildcard = frontdoor_factory(CORS_ALLOWED_ORIGINS="*")
    off = frontdoor_factory(CORS_ALLOWED_ORIGINS=None)
    headers = {"Content-Type": "application/json", "Origin": "https://any.example.com"}

    assert wildcard.post(headers=headers).headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in off.post(headers=headers).headers


# --------------------------------------------------------------------------
# Binary answers need a binary Accept (or API Gateway hands back base64 text)
# --------------------------------------------------------------------------
BINARY = "image/*,application/octet-stream,application/x-npy"


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/plain, image/png"])
def test_binary_answer_without_a_binary_accept_is_406(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, accept: str | None
) -> None:
    frontdoor = frontdoor_factory(BINARY_MEDIA_TYPES=BINARY)
    fake.queue(INVOKE, FakeResponse(200, b"\x89PNG\x00", {"Content-Type": "image/png"}))
    headers = {"Content-Type": "application/json", **({"Accept": accept} if accept else {})}

    response = frontdoor.post(headers=headers)

    assert response.status == 406
    code, message = response.error()
    assert code == "NotAcceptable" and "Accept: image/png" in message


@pytest.mark.parametrize("accept", ["image/png", "image/jpeg;q=0.9, */*", "application/octet-stream"])
def test_binary_answer_with_a_binary_accept_is_bytes(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker, accept: str
) -> None:
    frontdoor = frontdoor_factory(BINARY_MEDIA_TYPES=BINARY)
    fake.queue(INVOKE, FakeResponse(200, b"\x89PNG\x00", {"Content-Type": "image/png"}))

    response = frontdoor.post(headers={"Content-Type": "application/json", "Accept": accept})

    assert response.status == 200
    assert response.raw["isBase64Encoded"] is True and response.data == b"\x89PNG\x00"


def test_text_answers_and_unset_binary_types_are_never_406(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    configured = frontdoor_factory(BINARY_MEDIA_TYPES=BINARY)
    unset = frontdoor_factory(BINARY_MEDIA_TYPES=None)

    assert configured.post().status == 200  # JSON echoed back: text
    fake.queue(INVOKE, FakeResponse(200, b"\x89PNG\x00", {"Content-Type": "image/png"}))
    assert unset.post().status == 200  # image/png, but no BINARY_MEDIA_TYPES: unchecked
