"""Every row of the error mapping, through real botocore against the fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

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
    assert limit == frontdoor.app.settings.max_body_bytes
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
