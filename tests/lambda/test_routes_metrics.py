"""The one record each request prints: EMF metrics per variant with the access log (sizes, never contents),
exactly the line Powertools' flush_metrics would print; a log line instead when metrics are off or in dev mode,
and failures logged with their correlation ids."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import INVOKE, FakeResponse, FakeSageMaker


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


def test_each_log_line_carries_its_own_requests_keys(
    frontdoor: Any, fake: FakeSageMaker, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    """The per-request keys are set only when a line is written: a later line never shows an earlier request's
    ids, and a request that logs nothing in between changes nothing."""
    fake.queue(INVOKE, *[FakeResponse.error("ServiceUnavailable", 503)] * 2)
    stdout_records()
    frontdoor.post(request_id="first")
    assert frontdoor.post(request_id="quiet").status == 200  # an EMF record only
    fake.queue(INVOKE, *[FakeResponse.error("ServiceUnavailable", 503)] * 2)
    frontdoor.post(request_id="third")

    logs = [r for r in stdout_records() if r.get("message") == "Request failed"]
    assert [(r["correlation_id"], r["request_id"], r["cold_start"]) for r in logs] == [
        ("first", "first", True),
        ("third", "third", False),
    ]


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
