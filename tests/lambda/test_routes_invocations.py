"""Happy paths: what the handler sends to SageMaker and what it answers, variant pinning, the request id,
the clients and the trace header. Request headers, CORS and binary answers: test_messages.py; the record
of each request: test_routes_metrics.py."""

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


def test_request_id_comes_from_api_gateway_then_lambda(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.error("ValidationError", 400, "bad"), FakeResponse.error("ValidationError", 400))

    assert frontdoor.post(request_id="apigw-123").json()["requestId"] == "apigw-123"
    assert frontdoor.post(request_id=None).json()["requestId"] == "lambda-request-id"


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
