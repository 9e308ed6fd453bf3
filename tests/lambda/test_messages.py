"""The HTTP side of each request (messages.py): request headers however API Gateway spells them, the allowed
content types, CORS on every answer, and binary answers only for a binary Accept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import INVOKE, FakeResponse, FakeSageMaker


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
