"""The S3 side of asynchronous requests: request bodies, the function's request records, results and failures.

``POST /async-invocations`` stores the body under the input prefix (``InvokeEndpointAsync`` takes an
``InputLocation``), then keeps a small JSON record of what ``InvokeEndpointAsync`` answered
(``<contract.ASYNC_REQUESTS_PREFIX><inference id>.json``: the output and failure locations), because the
developer guide checks results at "the Amazon S3 URI where your output is stored" from that answer
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html).
``GET /async-invocations/{id}`` reads the record back, then the result, else the failure.

The bucket's default encryption (SSE-KMS) applies to every object written here. A missing object is
``None``; any other S3 error becomes an :class:`~sagemaker_client.HttpError` safe to show the client.
"""

from __future__ import annotations

import json
from typing import Any, Final, NamedTuple

import boto3  # type: ignore[import-untyped]
from botocore import exceptions as boto_errors  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

import contract
from sagemaker_client import HttpError, internal_error
from settings import Settings

_MISSING: Final = frozenset({"NoSuchKey", "404", "NotFound"})
_BUSY: Final = frozenset({"SlowDown", "ServiceUnavailable", "503", "RequestTimeout"})
#: A request record is a few hundred bytes; anything bigger is not one of ours.
_MAX_RECORD_BYTES: Final = 16_384


class StoredObject(NamedTuple):
    """An object read back: its bytes and content type."""

    body: bytes
    content_type: str | None


class AsyncStore:
    """The S3 client (built once) and the keys of one function's asynchronous requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.async_bucket
        self.s3: Any = boto3.client(
            "s3",
            config=Config(
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                retries={"mode": "standard", "total_max_attempts": 2},
            ),
        )

    def input_location(self, inference_id: str) -> str:
        """``s3://<bucket>/<input prefix><inference id>``: where :meth:`put_input` stores the body."""
        return f"s3://{self.bucket}/{self.settings.async_input_prefix}{inference_id}"

    def put_input(self, inference_id: str, body: bytes, content_type: str, log: dict[str, Any]) -> str:
        """Store a request body; return its ``InputLocation``."""
        key = f"{self.settings.async_input_prefix}{inference_id}"
        self._call(log, lambda: self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type))
        return self.input_location(inference_id)

    def put_record(self, inference_id: str, record: dict[str, str], log: dict[str, Any]) -> None:
        """Keep what ``InvokeEndpointAsync`` answered for ``inference_id``."""
        self._call(
            log,
            lambda: self.s3.put_object(
                Bucket=self.bucket,
                Key=_record_key(inference_id),
                Body=json.dumps(record, separators=(",", ":")).encode(),
                ContentType="application/json",
            ),
        )

    def get_record(self, inference_id: str, log: dict[str, Any]) -> dict[str, str] | None:
        """The record of ``inference_id``, or ``None`` when there is none (never made, or expired)."""
        found = self.get(f"s3://{self.bucket}/{_record_key(inference_id)}", log)
        if found is None:
            return None
        try:
            record = json.loads(found.body[:_MAX_RECORD_BYTES])
        except ValueError:
            record = None
        if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
            log["upstream_error"] = "BadRecord"
            raise internal_error()
        return record

    def get(self, location: str, log: dict[str, Any]) -> StoredObject | None:
        """The object at ``s3://bucket/key``, or ``None`` when it does not exist (yet)."""
        bucket, _, key = location.removeprefix("s3://").partition("/")
        if not location.startswith("s3://") or not bucket or not key:
            log["upstream_error"] = "BadLocation"
            raise internal_error()
        try:
            found = self._call(log, lambda: self.s3.get_object(Bucket=bucket, Key=key), missing_ok=True)
            if found is None:
                return None
            body: bytes = found["Body"].read()
        except boto_errors.BotoCoreError as exc:  # the body's own read
            log["upstream_error"] = type(exc).__name__
            raise HttpError(503, "StorageUnavailable", "The result store is unavailable; retry later") from None
        return StoredObject(body=body, content_type=found.get("ContentType"))

    def _call(self, log: dict[str, Any], call: Any, *, missing_ok: bool = False) -> Any:
        try:
            return call()
        except boto_errors.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if missing_ok and code in _MISSING:
                return None
            log["upstream_error"] = f"S3:{code}"
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _BUSY or status == 503:
                raise HttpError(
                    503, "StorageUnavailable", "The result store is unavailable; retry later", {"Retry-After": "1"}
                ) from None
            raise internal_error() from None
        except boto_errors.BotoCoreError as exc:
            log["upstream_error"] = f"S3:{type(exc).__name__}"
            raise HttpError(
                503, "StorageUnavailable", "The result store is unavailable; retry later", {"Retry-After": "1"}
            ) from None


def _record_key(inference_id: str) -> str:
    return f"{contract.ASYNC_REQUESTS_PREFIX}{inference_id}.json"
