"""API Gateway (REST, proxy integration) front door for a SageMaker endpoint.

Routes
------
``POST /invocations``
    ``InvokeEndpoint`` with the endpoint's normal traffic split.
``POST /variants/{variant}/invocations``
    The same, pinned to one production variant (``TargetVariant``).
``GET /health``
    ``DescribeEndpoint``: 200 ``{"status": ..., "variants": [...]}`` while the
    endpoint serves traffic (``InService``, ``Updating``, ``SystemUpdating``,
    ``RollingBack``, ``UpdateRollbackFailed``), else 503 (``Creating``,
    ``OutOfService``, ``Deleting``, ``Failed`` or anything unknown).

Anything else is a JSON 404 (unknown path) or 405 (known path, wrong method).

The request body (base64-decoded when ``isBase64Encoded``), ``Content-Type``,
``Accept`` and ``X-Amzn-SageMaker-Custom-Attributes`` are passed through; the
response carries the model's body and content type (base64 for binary types),
``X-Invoked-Production-Variant`` and the model's custom attributes, if any.
Every non-2xx answer is ``{"error": {"code", "message"}, "requestId"}``.

Environment variables
---------------------
``ENDPOINT_NAME`` (required)
    The SageMaker endpoint to invoke.
``VARIANT_NAMES`` (optional)
    Comma-separated production variant names.  A request pinned to a variant
    outside this list is a 404 without calling SageMaker.  When unset, the
    variant name is only checked for SageMaker's syntax and SageMaker's
    ``ValidationError`` about an unknown variant becomes the 404.
``MAX_BODY_BYTES`` (default and maximum 4521984)
    Largest decoded request body accepted; larger is a 413.  Lambda's 6 MB
    (6291456-byte) synchronous payload limit applies to the whole event JSON,
    and binary bodies arrive base64-encoded (4/3 larger), so the maximum is
    (6291456 - 262144 for the event envelope) * 3 // 4 = 4521984.  A body
    just over it still fits in the event, so the 413 can actually be sent.
``ALLOWED_CONTENT_TYPES``
    Comma-separated media types accepted in ``Content-Type`` (parameters
    such as ``charset`` are ignored; ``type/*`` wildcards allowed).  Default
    ``application/json,text/csv,application/x-npy,image/jpeg,image/png,
    application/octet-stream``.
``SAGEMAKER_CONNECT_TIMEOUT`` / ``SAGEMAKER_READ_TIMEOUT`` (seconds, default 1 / 9)
``SAGEMAKER_MAX_ATTEMPTS`` (default 2: one retry)
    botocore's own retries are off (``total_max_attempts=1``): a read timeout
    is never retried (the model may still be working, a retry would run the
    inference twice), nor is a ``ModelError``.  Only throttling (HTTP 429 /
    ``ThrottlingException``), ``ServiceUnavailable`` /
    ``ModelNotReadyException`` / HTTP 503 and connection failures
    (``ConnectTimeoutError``, ``EndpointConnectionError``) are retried, after
    ``min(0.1 * 2**i, 1)`` s plus up to 0.1 s of jitter.
    Together they bound :data:`WORST_CASE_BUDGET_SECONDS` (see
    :func:`worst_case_budget`), which must not exceed
    :data:`MAX_BUDGET_SECONDS` (API Gateway's 29 s integration timeout less
    2 s of headroom); otherwise the module refuses to load.
``HEALTH_CACHE_SECONDS`` (default 5; 0 disables)
    How long a ``DescribeEndpoint`` result is reused by ``GET /health``.
``CORS_ALLOWED_ORIGINS`` (optional)
    Comma-separated origins (or ``*``).  When the request's ``Origin`` is one
    of them, every answer (errors too) carries ``Access-Control-Allow-Origin``
    (that origin, or ``*``) and ``Vary: Origin``.
``BINARY_MEDIA_TYPES`` (optional)
    The REST API's binary media types.  When set and the model answers with a
    binary (non-text) type, the request's first ``Accept`` media type must
    match one of them, or API Gateway would hand the client base64 text: the
    answer is then a 406 ``NotAcceptable`` instead.
``POWERTOOLS_SERVICE_NAME`` (default ``sagemaker-front-door``),
``POWERTOOLS_METRICS_NAMESPACE`` (default ``SageMakerFrontDoor``),
``POWERTOOLS_LOG_LEVEL`` (default ``INFO``)
    Standard Powertools settings.  Setting ``POWERTOOLS_LOGGER_LOG_EVENT``
    has no effect: events contain bodies and are never logged.

Observability: each request writes one JSON line that is both its CloudWatch
EMF metrics record (``Invocations``/``Latency`` by ``Variant``, ``Errors`` by
``ErrorCode``/``StatusCode``) and its access log (a ``request`` metadata
object: request id, method, route, status, latency, variant, content types,
byte sizes, error codes).  5xx answers are also logged at WARNING by the
Powertools Logger, with the API Gateway request id as ``correlation_id``.
Request and response bodies, custom attribute values and upstream error
messages are never logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import os
import random
import re
import time
import traceback
from typing import Any, Final

import boto3  # type: ignore[import-untyped]
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore import exceptions as boto_errors  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------
API_GATEWAY_TIMEOUT_SECONDS: Final = 29.0
MAX_BUDGET_SECONDS: Final = API_GATEWAY_TIMEOUT_SECONDS - 2.0
LAMBDA_PAYLOAD_LIMIT_BYTES: Final = 6_291_456
#: Room left in the Lambda event for everything but the body (headers, request context ...).
EVENT_ENVELOPE_BYTES: Final = 262_144
#: The largest body whose base64 form still fits in a Lambda event: 4521984.
MAX_BODY_LIMIT_BYTES: Final = (LAMBDA_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_BYTES) * 3 // 4
DEFAULT_ALLOWED_CONTENT_TYPES: Final = (
    "application/json,text/csv,application/x-npy,image/jpeg,image/png,application/octet-stream"
)
MAX_MESSAGE_CHARS: Final = 1024  # upstream error messages are cut to this
# Our own retries (botocore's are off): retry i (0, 1, ...) sleeps
# min(0.1 * 2 ** i, 1) s plus up to 0.1 s of jitter.
BACKOFF_BASE_SECONDS: Final = 0.1
BACKOFF_CAP_SECONDS: Final = 1.0
BACKOFF_JITTER_SECONDS: Final = 0.1
#: EndpointStatus values while the endpoint still serves traffic (DescribeEndpoint docs).
SERVING_STATUSES: Final = frozenset({"InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"})


def backoff_seconds(retry: int) -> float:
    """The sleep before retry ``retry`` (0-based), jitter excluded."""
    return min(BACKOFF_BASE_SECONDS * 2.0**retry, BACKOFF_CAP_SECONDS)


def worst_case_budget(connect_timeout: float, read_timeout: float, attempts: int) -> float:
    """Longest an ``InvokeEndpoint`` call can take, retries included, in seconds."""
    backoff = sum(backoff_seconds(i) + BACKOFF_JITTER_SECONDS for i in range(attempts - 1))
    return attempts * (connect_timeout + read_timeout) + backoff


def _env_number(name: str, default: float, low: float, high: float, *, integer: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high or (integer and value != int(value)):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {kind} between {low:.15g} and {high:.15g}, got {raw!r}")
    return value


def _env_list(name: str, default: str = "") -> frozenset[str]:
    raw = os.environ.get(name) or default
    return frozenset(item.strip() for item in raw.split(",") if item.strip())


ENDPOINT_NAME: Final = os.environ.get("ENDPOINT_NAME", "").strip()
if not ENDPOINT_NAME:
    raise ValueError("ENDPOINT_NAME must be set")
VARIANT_NAMES: Final = _env_list("VARIANT_NAMES")
MAX_BODY_BYTES: Final = int(_env_number("MAX_BODY_BYTES", MAX_BODY_LIMIT_BYTES, 1, MAX_BODY_LIMIT_BYTES, integer=True))
ALLOWED_CONTENT_TYPES: Final = frozenset(
    t.lower() for t in _env_list("ALLOWED_CONTENT_TYPES", DEFAULT_ALLOWED_CONTENT_TYPES)
)
CONNECT_TIMEOUT: Final = _env_number("SAGEMAKER_CONNECT_TIMEOUT", 1.0, 0.01, MAX_BUDGET_SECONDS)
READ_TIMEOUT: Final = _env_number("SAGEMAKER_READ_TIMEOUT", 9.0, 0.01, MAX_BUDGET_SECONDS)
MAX_ATTEMPTS: Final = int(_env_number("SAGEMAKER_MAX_ATTEMPTS", 2, 1, 10, integer=True))
HEALTH_CACHE_SECONDS: Final = _env_number("HEALTH_CACHE_SECONDS", 5.0, 0.0, 3600.0)
CORS_ALLOWED_ORIGINS: Final = _env_list("CORS_ALLOWED_ORIGINS")
BINARY_MEDIA_TYPES: Final = frozenset(t.lower() for t in _env_list("BINARY_MEDIA_TYPES"))
WORST_CASE_BUDGET_SECONDS: Final = worst_case_budget(CONNECT_TIMEOUT, READ_TIMEOUT, MAX_ATTEMPTS)
if WORST_CASE_BUDGET_SECONDS > MAX_BUDGET_SECONDS:
    raise ValueError(
        f"SageMaker call budget {WORST_CASE_BUDGET_SECONDS:g}s exceeds {MAX_BUDGET_SECONDS:g}s: "
        "lower SAGEMAKER_READ_TIMEOUT, SAGEMAKER_CONNECT_TIMEOUT or SAGEMAKER_MAX_ATTEMPTS"
    )
#: What the CDK construct should use as the function timeout.
LAMBDA_TIMEOUT_SECONDS: Final = min(math.ceil(WORST_CASE_BUDGET_SECONDS) + 1, int(API_GATEWAY_TIMEOUT_SECONDS))

SERVICE_NAME: Final = os.environ.get("POWERTOOLS_SERVICE_NAME") or "sagemaker-front-door"
logger = Logger(service=SERVICE_NAME, json_serializer=json.JSONEncoder(separators=(",", ":"), default=str).encode)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "SageMakerFrontDoor",
    service=SERVICE_NAME,
)
# botocore logs whole request parameters, bodies included, at DEBUG: never
# let a DEBUG root logger (e.g. Lambda's log-level controls) turn that on.
for _name in ("boto3", "botocore", "urllib3"):
    if logging.getLogger(_name).level < logging.INFO:
        logging.getLogger(_name).setLevel(logging.INFO)

# Created once per execution environment.  botocore honours
# AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME / AWS_ENDPOINT_URL itself.
runtime = boto3.client(
    "sagemaker-runtime",
    config=Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        # One attempt per call: _invoke_with_retries() decides what is worth another.
        retries={"mode": "standard", "total_max_attempts": 1},
    ),
)
_cold_start = True
_control_plane: Any = None  # "sagemaker" client, built on first GET /health
_health_cache: tuple[float, str, list[str]] | None = None

# --------------------------------------------------------------------------
# HTTP helpers
# --------------------------------------------------------------------------
_VARIANT_RE: Final = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_HEADER_VALUE_RE: Final = re.compile(r"[\x20-\x7e\t]{0,1024}")
_REDACT_RE: Final = re.compile(r"arn:aws[\w-]*:\S+|\b\d{12}\b")
_TEXT_TYPES: Final = frozenset({"application/json", "application/xml", "application/jsonlines", "application/x-ndjson"})
_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_THROTTLING_CODES: Final = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestThrottled"}
)
_ROUTES: Final = {"/invocations": "invocations", "/health": "health"}
_VARIANT_RESOURCE: Final = "/variants/{variant}/invocations"


class HttpError(Exception):
    """An error answer: ``status``, a stable ``code`` and a client-safe message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _content_type_allowed(media: str) -> bool:
    return (
        media in ALLOWED_CONTENT_TYPES
        or media.split("/", 1)[0] + "/*" in ALLOWED_CONTENT_TYPES
        or "*/*" in ALLOWED_CONTENT_TYPES
    )


def _binary_accept(accept: str | None) -> bool:
    """Whether API Gateway turns a base64 answer back into bytes: the first ``Accept`` media type
    must match a binary media type (``type/*`` and ``*/*`` entries match as wildcards)."""
    if not accept:
        return False
    first = _media_type(accept.split(",", 1)[0])
    return (
        first in BINARY_MEDIA_TYPES
        or first.split("/", 1)[0] + "/*" in BINARY_MEDIA_TYPES
        or "*/*" in BINARY_MEDIA_TYPES
    )


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_text(media: str) -> bool:
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def _clean(message: str) -> str:
    """Bound an upstream message and strip ARNs / account ids from it."""
    message = _REDACT_RE.sub("<redacted>", message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    return message


def _headers(event: dict[str, Any]) -> dict[str, str]:
    """Lower-cased single-value view of ``headers`` then ``multiValueHeaders``."""
    single = event.get("headers")
    found = (
        {k.lower(): v for k, v in single.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(single, dict)
        else {}
    )
    multi = event.get("multiValueHeaders")
    # API Gateway fills both maps with the same names: the second is a fallback.
    if not found and isinstance(multi, dict):
        for name, values in multi.items():
            if isinstance(name, str) and isinstance(values, list) and values and isinstance(values[-1], str):
                found[name.lower()] = values[-1]
    return found


def _header(headers: dict[str, str], name: str) -> str | None:
    """A pass-through header value, ``None`` if absent/empty, 400 if unsafe."""
    value = headers.get(name)
    if not value:
        return None
    if not _HEADER_VALUE_RE.fullmatch(value):
        raise HttpError(400, "InvalidHeader", f"Header {name} must be at most 1024 printable ASCII characters")
    return value


def _route(event: dict[str, Any]) -> tuple[str, str | None]:
    """Map the event to ``(route, variant)``; 404/405 for anything unknown."""
    resource = event.get("resource")
    params = event.get("pathParameters")
    params = params if isinstance(params, dict) else {}
    variant: Any = None
    if resource in _ROUTES:
        route = _ROUTES[resource]
    elif resource == _VARIANT_RESOURCE:
        route, variant = "invocations", params.get("variant")
    else:
        # Greedy proxy resources ("/{proxy+}") or events without a resource.
        proxy = params.get("proxy")
        path = f"/{proxy}" if isinstance(proxy, str) else event.get("path")
        parts = path.strip("/").split("/") if isinstance(path, str) else []
        if len(parts) == 1 and f"/{parts[0]}" in _ROUTES:
            route = _ROUTES[f"/{parts[0]}"]
        elif len(parts) == 3 and parts[0] == "variants" and parts[2] == "invocations":
            route, variant = "invocations", parts[1]
        else:
            raise HttpError(404, "NotFound", "No such route")
    expected = "GET" if route == "health" else "POST"
    if event.get("httpMethod") != expected:
        raise HttpError(405, "MethodNotAllowed", f"Use {expected}", {"Allow": expected})
    if variant is not None and (
        not isinstance(variant, str)
        or not _VARIANT_RE.fullmatch(variant)
        or (VARIANT_NAMES and variant not in VARIANT_NAMES)
    ):
        raise HttpError(404, "VariantNotFound", "No such production variant")
    return route, variant


def _body(event: dict[str, Any], media: str) -> bytes:
    """The decoded, size-checked (and for JSON, syntax-checked) request body."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise HttpError(400, "EmptyBody", "Request body is empty")
    if not isinstance(raw, str):
        raise HttpError(400, "InvalidBody", "Request body must be a string")
    if event.get("isBase64Encoded") is True:
        if len(raw) > (MAX_BODY_BYTES + 2) // 3 * 4:
            raise HttpError(413, "PayloadTooLarge", f"Body exceeds {MAX_BODY_BYTES} bytes")
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, "InvalidBase64", "Body is not valid base64") from None
    else:
        try:
            body = raw.encode()
        except UnicodeEncodeError:
            raise HttpError(400, "InvalidBody", "Body is not valid UTF-8") from None
    if len(body) > MAX_BODY_BYTES:
        raise HttpError(413, "PayloadTooLarge", f"Body exceeds {MAX_BODY_BYTES} bytes")
    if not body:
        raise HttpError(400, "EmptyBody", "Request body is empty")
    if _is_json(media):
        try:
            json.loads(body)
        except (ValueError, RecursionError):
            raise HttpError(400, "MalformedJson", "Body is not valid JSON") from None
    return body


# --------------------------------------------------------------------------
# SageMaker calls
# --------------------------------------------------------------------------
def _sagemaker_error(exc: boto_errors.ClientError, variant: str | None) -> HttpError:
    """Map a SageMaker ``ClientError`` to the answer the client gets."""
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    message = str(error.get("Message") or "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code == "ValidationError":
        if variant is not None and not VARIANT_NAMES and "variant" in message.lower():
            return HttpError(404, "VariantNotFound", "No such production variant")
        return HttpError(400, "ValidationError", _clean(message or "Invalid request"))
    if code == "ModelError":
        original = exc.response.get("OriginalMessage") or message or "The model returned an error"
        return HttpError(424, "ModelError", _clean(str(original)))
    if code == "ModelNotReadyException":
        return HttpError(503, "ModelNotReady", "The model is not ready; retry later", {"Retry-After": "5"})
    if code in _THROTTLING_CODES or status == 429:
        return HttpError(429, "Throttled", "Too many requests; retry later", {"Retry-After": "1"})
    if code == "ServiceUnavailable" or status == 503:
        return HttpError(503, "ServiceUnavailable", "SageMaker is unavailable; retry later", {"Retry-After": "5"})
    if code in ("RequestTimeout", "RequestTimeoutException") or status == 504:
        return HttpError(504, "UpstreamTimeout", "The model did not answer in time")
    return HttpError(500, "InternalError", "Internal server error")


def _retryable(exc: Exception) -> bool:
    """Throttling, 503-ish answers and failed connections: the request never reached the model."""
    if isinstance(exc, boto_errors.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return (
            code in _THROTTLING_CODES
            or code in ("ServiceUnavailable", "ModelNotReadyException")
            or (status in (429, 503) and code != "ModelError")
        )
    # Never a read timeout (ReadTimeoutError): the model may still be working on the request.
    return isinstance(exc, (boto_errors.ConnectTimeoutError, boto_errors.EndpointConnectionError))


def _invoke_with_retries(kwargs: dict[str, Any], log: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """``InvokeEndpoint`` and read the body, retrying only what :func:`_retryable` allows."""
    attempt = 0
    while True:
        attempt += 1
        log["attempts"] = attempt
        try:
            result = runtime.invoke_endpoint(**kwargs)
            payload: bytes = result["Body"].read()
            return result, payload
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as exc:
            if attempt >= MAX_ATTEMPTS or not _retryable(exc):
                raise
        time.sleep(backoff_seconds(attempt - 1) + random.uniform(0, BACKOFF_JITTER_SECONDS))


def _transport_error(exc: boto_errors.BotoCoreError) -> HttpError:
    if isinstance(exc, (boto_errors.ReadTimeoutError, boto_errors.ConnectTimeoutError)):
        return HttpError(504, "UpstreamTimeout", "The model did not answer in time")
    if isinstance(exc, (boto_errors.ConnectionError, boto_errors.HTTPClientError)):
        return HttpError(503, "ServiceUnavailable", "SageMaker is unavailable; retry later", {"Retry-After": "5"})
    return HttpError(500, "InternalError", "Internal server error")


def _invoke(event: dict[str, Any], variant: str | None, log: dict[str, Any]) -> dict[str, Any]:
    headers = _headers(event)
    content_type = _header(headers, "content-type")
    accept = _header(headers, "accept")
    custom = _header(headers, "x-amzn-sagemaker-custom-attributes")
    if content_type is None:
        raise HttpError(415, "UnsupportedMediaType", "Content-Type header is required")
    media = _media_type(content_type)
    log["content_type"] = media[:64]
    if not _content_type_allowed(media):
        raise HttpError(415, "UnsupportedMediaType", "Content-Type is not accepted")
    body = _body(event, media)
    log["request_bytes"] = len(body)

    kwargs: dict[str, Any] = {"EndpointName": ENDPOINT_NAME, "Body": body, "ContentType": content_type}
    if accept is not None:
        kwargs["Accept"] = accept
    if custom is not None:
        kwargs["CustomAttributes"] = custom
    if variant is not None:
        kwargs["TargetVariant"] = log["variant"] = variant
    try:
        result, payload = _invoke_with_retries(kwargs, log)
    except boto_errors.ClientError as exc:
        log["upstream_error"] = exc.response.get("Error", {}).get("Code", "")
        raise _sagemaker_error(exc, variant) from None
    except boto_errors.BotoCoreError as exc:
        log["upstream_error"] = type(exc).__name__
        raise _transport_error(exc) from None

    answered = result.get("InvokedProductionVariant") or variant or ""
    out_type = result.get("ContentType") or "application/octet-stream"
    log.update(variant=answered, response_bytes=len(payload), response_content_type=_media_type(out_type))
    response_headers = {"Content-Type": out_type}
    if answered:
        response_headers["X-Invoked-Production-Variant"] = answered
    if result.get("CustomAttributes"):
        response_headers["X-Amzn-SageMaker-Custom-Attributes"] = result["CustomAttributes"]
    text: str | None = None
    if _is_text(_media_type(out_type)):
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            text = None
    if text is None and BINARY_MEDIA_TYPES and not _binary_accept(accept):
        raise HttpError(
            406,
            "NotAcceptable",
            f"The model answered {_media_type(out_type)[:64]}, a binary type: send an Accept header whose first "
            "media type is one of the API's binary media types (e.g. Accept: image/png) to receive it as bytes",
        )
    encoded = text if text is not None else base64.b64encode(payload).decode("ascii")
    if len(encoded) > LAMBDA_PAYLOAD_LIMIT_BYTES - 64 * 1024:
        raise HttpError(502, "ResponseTooLarge", "The model's response exceeds the Lambda payload limit")
    return {
        "statusCode": 200,
        "headers": response_headers,
        "body": encoded,
        "isBase64Encoded": text is None,
    }


def _control_plane_client() -> Any:
    global _control_plane
    if _control_plane is None:
        _control_plane = boto3.client(
            "sagemaker",
            config=Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 2}),
        )
    return _control_plane


def _health(log: dict[str, Any]) -> dict[str, Any]:
    global _health_cache
    now = time.monotonic()
    if _health_cache is None or now - _health_cache[0] >= HEALTH_CACHE_SECONDS:
        try:
            described = _control_plane_client().describe_endpoint(EndpointName=ENDPOINT_NAME)
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as exc:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, boto_errors.ClientError) else ""
            log["upstream_error"] = code or type(exc).__name__
            raise HttpError(503, "HealthCheckFailed", "Could not read the endpoint status") from None
        variants = [v.get("VariantName", "") for v in described.get("ProductionVariants") or []]
        _health_cache = (now, str(described.get("EndpointStatus", "Unknown")), variants)
    _, status, variants = _health_cache
    log["endpoint_status"] = status
    if status not in SERVING_STATUSES:
        raise HttpError(503, "EndpointNotInService", f"Endpoint status is {status}", {"Retry-After": "30"})
    return {
        "statusCode": 200,
        "headers": dict(_JSON_HEADERS),
        "body": json.dumps({"status": status, "variants": variants}),
        "isBase64Encoded": False,
    }


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------
def _error_response(error: HttpError, request_id: str) -> dict[str, Any]:
    body = {"error": {"code": error.code, "message": error.message}, "requestId": request_id}
    return {
        "statusCode": error.status,
        "headers": {**_JSON_HEADERS, **error.headers},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point for API Gateway REST proxy events."""
    global _cold_start
    started = time.perf_counter()
    request_context = event.get("requestContext")
    request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    if not isinstance(request_id, str) or not request_id:
        request_id = context.aws_request_id
    # What Logger.inject_lambda_context() adds, without rebuilding the
    # constant keys on every call (and with no way to switch on event logging).
    if _cold_start:
        logger.append_keys(
            function_name=context.function_name,
            function_memory_size=context.memory_limit_in_mb,
            function_arn=context.invoked_function_arn,
        )
    logger.append_keys(correlation_id=request_id, function_request_id=context.aws_request_id, cold_start=_cold_start)
    _cold_start = False

    log: dict[str, Any] = {"request_id": request_id, "method": event.get("httpMethod"), "route": "unmatched"}
    try:
        route, variant = _route(event)
        log["route"] = route
        response = _health(log) if route == "health" else _invoke(event, variant, log)
    except HttpError as exc:
        log["error_code"] = exc.code
        response = _error_response(exc, request_id)
    except Exception as exc:  # noqa: BLE001, RUF100 - the client gets JSON, never a trace
        # Frames only: exception messages could quote request data.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("Unhandled error", extra={"error_type": type(exc).__name__, "frames": frames})
        log["error_code"] = "InternalError"
        response = _error_response(HttpError(500, "InternalError", "Internal server error"), request_id)
    origin = _headers(event).get("origin") if CORS_ALLOWED_ORIGINS else None
    if origin and (origin in CORS_ALLOWED_ORIGINS or "*" in CORS_ALLOWED_ORIGINS):
        response["headers"]["Access-Control-Allow-Origin"] = "*" if "*" in CORS_ALLOWED_ORIGINS else origin
        response["headers"]["Vary"] = "Origin"
    log["status"] = response["statusCode"]
    latency_ms = (time.perf_counter() - started) * 1000.0
    log["latency_ms"] = round(latency_ms, 3)
    _record(log, latency_ms)
    return response


def _record(log: dict[str, Any], latency_ms: float) -> None:
    """Emit the request's single log record, which is also its EMF metrics record.

    Metrics (one dimension set per record, which keeps this cheap):
    answered invocations count ``Invocations`` and ``Latency`` by ``Variant``;
    error answers count ``Errors`` by ``ErrorCode`` and ``StatusCode``.  API
    Gateway already publishes overall count/latency/4XX/5XX and SageMaker its
    per-variant model metrics; these add what neither can see.  The access-log
    fields in ``log`` ride along as EMF metadata (a ``request`` object): one
    JSON line per request, searchable in CloudWatch Logs Insights.
    """
    error_code = log.get("error_code")
    if error_code is not None:
        metrics.add_dimension("ErrorCode", error_code)
        metrics.add_dimension("StatusCode", str(log["status"]))
        metrics.add_metric("Errors", MetricUnit.Count, 1)
        if log["status"] >= 500:
            logger.warning("Request failed", extra=log)
    elif log.get("variant"):
        metrics.add_dimension("Variant", log["variant"])
        metrics.add_metric("Latency", MetricUnit.Milliseconds, latency_ms)
        metrics.add_metric("Invocations", MetricUnit.Count, 1)
    else:
        logger.debug("request", extra=log)  # e.g. a healthy GET /health: no metric
        return
    metrics.add_metadata("request", log)
    metrics.flush_metrics()
    if metrics.metric_set:  # not flushed: POWERTOOLS_METRICS_DISABLED or POWERTOOLS_DEV
        metrics.clear_metrics()  # or it would grow forever
        logger.info("request", extra=log)
