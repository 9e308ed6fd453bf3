"""Request/response bodies and custom attribute values never reach the logs."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import INVOKE, FakeResponse, FakeSageMaker

SECRET = "SECRET-BODY-7f3a9c1e"
ATTRIBUTE_SECRET = "SECRET-ATTR-51d0b2"


def test_bodies_and_custom_attributes_are_never_logged(
    frontdoor_factory: Callable[..., Any],
    fake: FakeSageMaker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything as verbose as it gets: root (botocore, urllib3...) at DEBUG,
    # Powertools at DEBUG and asking for events to be logged.
    caplog.set_level(logging.DEBUG)
    frontdoor = frontdoor_factory(POWERTOOLS_LOG_LEVEL="DEBUG", POWERTOOLS_LOGGER_LOG_EVENT="true")
    headers = {"Content-Type": "application/json", "X-Amzn-SageMaker-Custom-Attributes": ATTRIBUTE_SECRET}
    body = json.dumps({"text": SECRET})
    fake.queue(
        INVOKE,
        FakeResponse(200, f'{{"echo": "{SECRET}"}}'.encode(), {"Content-Type": "application/json"}),
        FakeResponse.model_error(f"cannot score {SECRET}"),
        FakeResponse.error("ValidationError", 400, f"bad input {SECRET}"),
    )

    responses = [
        frontdoor.post(body=body, headers=headers),  # 200, the model echoes the secret
        frontdoor.post(body=body, headers=headers),  # 424 quoting the input
        frontdoor.post(body=body, headers=headers),  # 400 quoting the input
        frontdoor.post(body=body, headers=headers),  # 200 echo, custom attributes echoed back
        frontdoor.post(body=SECRET.encode(), headers={**headers, "Content-Type": "image/png"}),  # binary
        frontdoor.post(body="{" + SECRET, headers=headers),  # malformed JSON
        frontdoor.post(body=SECRET, headers={**headers, "Content-Type": "text/html"}),  # 415
        frontdoor.post("/variants/nope/invocations", body=body, headers=headers),  # not pinned: echo 200
    ]

    def explode(**kwargs: Any) -> Any:
        raise RuntimeError(f"unexpected failure while sending {kwargs['Body']!r}")

    monkeypatch.setattr(frontdoor.app.client.runtime, "invoke_endpoint", explode)
    responses.append(frontdoor.post(body=body, headers=headers))  # 500 with the body in the exception

    assert [r.status for r in responses] == [200, 424, 400, 200, 200, 400, 415, 200, 500]
    assert SECRET in responses[1].raw["body"]  # the caller does get the model's message back
    assert responses[3].headers["X-Amzn-SageMaker-Custom-Attributes"] == ATTRIBUTE_SECRET

    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    forbidden = [SECRET, ATTRIBUTE_SECRET, base64.b64encode(SECRET.encode()).decode()[:16]]
    for needle in forbidden:
        assert needle not in logs

    # ...and the logs were really captured and do say what happened.
    records = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    # One access record per request: in the EMF line, or a DEBUG line when there is no metric
    # (the first call: the queued answer names no variant).
    access = [r["request"] if "_aws" in r else r for r in records if "_aws" in r or r.get("message") == "request"]
    assert [r["status"] for r in access] == [200, 424, 400, 200, 200, 400, 415, 200, 500]
    assert access[0]["request_bytes"] == len(body)
    assert access[4]["content_type"] == "image/png"
    [unhandled] = [r for r in records if r.get("message") == "Unhandled error"]
    assert unhandled["error_type"] == "RuntimeError"
    assert "explode" in unhandled["frames"]
    assert "Traceback" not in responses[-1].raw["body"]
    assert "Making request for OperationModel" not in caplog.text  # botocore's body-dumping DEBUG line
