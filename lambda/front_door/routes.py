"""The routes, for API Gateway REST (v1) Lambda proxy events.

``POST /invocations``
    ``InvokeEndpoint`` with the endpoint's normal traffic split.
``POST /variants/{variant}/invocations``
    The same, pinned to one production variant (``TargetVariant``).
``POST /models/{component}/invocations``
    ``InvokeEndpoint`` with the ``InferenceComponentName`` that ``component`` stands for
    (:data:`contract.ENV_INFERENCE_COMPONENTS`); an unknown name is a 404 before SageMaker is called. On an
    endpoint that hosts inference components the two routes above answer 404: every call names a component.
    While a component has scaled to zero, SageMaker refuses the call ("no capacity"): the answer is
    ``503 ComponentScaledToZero`` with ``Retry-After``, and that refusal is what starts its first copy.
``GET /health``
    ``DescribeEndpoint``: 200 ``{"status": ..., "variants": [...]}`` while the endpoint serves traffic
    (:data:`contract.SERVING_STATUSES`), else 503. With inference components, also
    ``"components": {name: {"status": ..., "copies": ...}}`` from ``DescribeInferenceComponent``.

An asynchronous endpoint (``INVOCATION_MODE=async``) "can only receive asynchronous invocations", so it has
``GET /health`` and, instead of the three ``POST`` routes above (which answer 404 ``AsyncEndpoint``; an
asynchronous endpoint hosts no inference components, the function refuses both settings together):

``POST /async-invocations``
    Stores the body under the input prefix, ``InvokeEndpointAsync`` with that ``InputLocation`` and a new
    inference id, keeps a record of the answer (:mod:`async_store`), and answers 202 ``{"inferenceId",
    "status": "InProgress", "outputLocation", "failureLocation"}`` with ``Location`` (the result's URL path)
    and ``Retry-After``.
``GET /async-invocations/{inference_id}``
    200 with the model's answer once SageMaker wrote it (as ``POST /invocations`` answers), 424
    ``InferenceFailed`` with SageMaker's failure message once it wrote that, else 202 ``{"status":
    "InProgress"}``; 404 ``InferenceNotFound`` for an id it never gave (or whose records expired).

Anything else is a JSON 404 (unknown path) or 405 with ``Allow`` (known path, wrong method). Routing is on
the event's ``resource`` when it is one of the route templates, else on ``pathParameters.proxy`` (a
``/{proxy+}`` resource) or ``path``.

The request body (base64-decoded when ``isBase64Encoded``), ``Content-Type``, ``Accept`` and
``X-Amzn-SageMaker-Custom-Attributes`` are passed through; the answer carries the model's body and content
type (base64 for binary types), ``X-Invoked-Production-Variant`` and the model's custom attributes, if any.
Every non-2xx answer is ``{"error": {"code", "message"}, "requestId"}``, never a stack trace.

Observability: each request writes one JSON line that is both its CloudWatch EMF metrics record
(``Invocations``/``Latency`` by ``Variant``, ``Errors`` by ``ErrorCode``/``StatusCode``) and its access
log (a ``request`` metadata object). 5xx answers are also logged at WARNING with the API Gateway request
id as ``correlation_id``. Bodies, custom attribute values and upstream error messages are never logged.

Routing is hand-made (:meth:`FrontDoor.route`, about 30 lines) rather than Powertools'
``APIGatewayRestResolver``: measured side by side (``bench/front_door.py --resolver-variant``) the resolver
added about 100 us of CPU per request (the handler's own work grew by 55-75%), 0.08-0.12 to the p50 ratio and
0.3-0.4 to the cold-import ratio; it also routes on ``path`` with upper-cased methods, answers in
``multiValueHeaders`` and its CORS sends headers this contract does not (``docs/front_door_handler.md``,
"Powertools' resolver").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import traceback
from typing import Any, Final

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

import contract
from async_routes import AsyncRoutes
from async_store import AsyncStore
from sagemaker_client import HttpError, SageMakerClient, internal_error
from settings import Settings

_VARIANT_RE: Final = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_HEADER_VALUE_RE: Final = re.compile(r"[\x20-\x7e\t]{0,1024}")
_TEXT_TYPES: Final = frozenset({"application/json", "application/xml", "application/jsonlines", "application/x-ndjson"})
_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_ROUTES: Final = {"/invocations": "invocations", "/health": "health", "/async-invocations": "async_invocations"}
_VARIANT_RESOURCE: Final = "/variants/{variant}/invocations"
_ASYNC_RESULT_RESOURCE: Final = "/async-invocations/{inference_id}"
_COMPONENT_RESOURCE: Final = "/models/{component}/invocations"
#: Each route's method.
_METHODS: Final = {
    "invocations": "POST",
    "component": "POST",
    "health": "GET",
    "async_invocations": "POST",
    "async_result": "GET",
}
#: The ids ``POST /async-invocations`` gives: 32 lower-case hex digits (a UUID4 without dashes).
_INFERENCE_ID_RE: Final = re.compile(r"[0-9a-f]{32}")

Event = dict[str, Any]
Answer = dict[str, Any]


def media_type(value: str) -> str:
    """``type/subtype`` of a ``Content-Type``/``Accept`` value: parameters dropped, lower case."""
    return value.split(";", 1)[0].strip().lower()


def _matches(media: str, types: frozenset[str]) -> bool:
    """``media`` is one of ``types``, or matches a ``type/*`` or ``*/*`` entry."""
    return media in types or media.split("/", 1)[0] + "/*" in types or "*/*" in types


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_text(media: str) -> bool:
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def request_headers(event: Event) -> dict[str, str]:
    """Lower-cased single-value view of ``headers``, else of ``multiValueHeaders`` (last value)."""
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


def _pass_through(headers: dict[str, str], name: str) -> str | None:
    """A pass-through header value, ``None`` if absent/empty, 400 if unsafe."""
    value = headers.get(name)
    if not value:
        return None
    if not _HEADER_VALUE_RE.fullmatch(value):
        raise HttpError(400, "InvalidHeader", f"Header {name} must be at most 1024 printable ASCII characters")
    return value


def error_answer(error: HttpError, request_id: str) -> Answer:
    """The JSON error envelope."""
    body = {"error": {"code": error.code, "message": error.message}, "requestId": request_id}
    return {
        "statusCode": error.status,
        "headers": {**_JSON_HEADERS, **error.headers},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


class FrontDoor(AsyncRoutes):
    """The function: routes an event, calls SageMaker, answers, and records the request.

    Built once per execution environment (``handler.py``); :meth:`handle` is the Lambda handler.
    """

    def __init__(
        self, settings: Settings, client: SageMakerClient | None = None, store: AsyncStore | None = None
    ) -> None:
        self.settings = settings
        self.client = client or SageMakerClient(settings)
        #: The S3 side of asynchronous requests (``async`` mode only).
        self.store = store or (AsyncStore(settings) if settings.is_async else None)
        self.logger = Logger(
            service=settings.service_name,
            json_serializer=json.JSONEncoder(separators=(",", ":"), default=str).encode,
        )
        self.metrics = Metrics(namespace=settings.metrics_namespace, service=settings.service_name)
        self._cold_start = True

    # ----------------------------------------------------------------------
    # Entry point
    # ----------------------------------------------------------------------
    def handle(self, event: Event, context: LambdaContext) -> Answer:
        """Lambda entry point for API Gateway REST proxy events."""
        started = time.perf_counter()
        request_context = event.get("requestContext")
        request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
        if not isinstance(request_id, str) or not request_id:
            request_id = context.aws_request_id
        # What Logger.inject_lambda_context() adds, without rebuilding the constant keys on every call
        # (and with no way to switch on event logging: events hold bodies).
        if self._cold_start:
            self.logger.append_keys(
                function_name=context.function_name,
                function_memory_size=context.memory_limit_in_mb,
                function_arn=context.invoked_function_arn,
            )
        self.logger.append_keys(
            correlation_id=request_id, function_request_id=context.aws_request_id, cold_start=self._cold_start
        )
        self._cold_start = False

        log: dict[str, Any] = {"request_id": request_id, "method": event.get("httpMethod"), "route": "unmatched"}
        try:
            route, parameter = self.route(event)
            log["route"] = route
            if route == "health":
                answer = self.health(log)
            elif route == "async_invocations":
                answer = self.async_invocations(event, log)
            elif route == "async_result":
                answer = self.async_result(event, parameter or "", log)
            elif route == "component":
                answer = self.invocations(event, None, log, component=parameter)
            else:
                answer = self.invocations(event, parameter, log)
        except HttpError as exc:
            log["error_code"] = exc.code
            answer = error_answer(exc, request_id)
        except Exception as exc:  # noqa: BLE001, RUF100 - the client gets JSON, never a trace
            # Frames only: exception messages could quote request data.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            self.logger.error("Unhandled error", extra={"error_type": type(exc).__name__, "frames": frames})
            log["error_code"] = "InternalError"
            answer = error_answer(internal_error(), request_id)
        self._cors(event, answer["headers"])
        log["status"] = answer["statusCode"]
        latency_ms = (time.perf_counter() - started) * 1000.0
        log["latency_ms"] = round(latency_ms, 3)
        self._record(log, latency_ms)
        return answer

    # ----------------------------------------------------------------------
    # Routing
    # ----------------------------------------------------------------------
    def route(self, event: Event) -> tuple[str, str | None]:
        """Map the event to ``(route, variant or inference id)`` or ``("component", component name)``; 404/405 for
        anything unknown, 404 ``AsyncEndpoint`` for the real-time and component routes of an asynchronous endpoint
        and 404 ``ComponentRequired`` for the real-time routes of an endpoint with inference components."""
        resource = event.get("resource")
        params = event.get("pathParameters")
        params = params if isinstance(params, dict) else {}
        variant: Any = None
        component: Any = None
        if resource in _ROUTES:
            route = _ROUTES[resource]
        elif resource == _VARIANT_RESOURCE:
            route, variant = "invocations", params.get("variant")
        elif resource == _ASYNC_RESULT_RESOURCE:
            route, variant = "async_result", params.get("inference_id")
        elif resource == _COMPONENT_RESOURCE:
            route, component = "component", params.get("component")
        else:
            # Greedy proxy resources ("/{proxy+}") or events without a resource.
            proxy = params.get("proxy")
            path = f"/{proxy}" if isinstance(proxy, str) else event.get("path")
            parts = path.strip("/").split("/") if isinstance(path, str) else []
            if len(parts) == 1 and f"/{parts[0]}" in _ROUTES:
                route = _ROUTES[f"/{parts[0]}"]
            elif len(parts) == 3 and parts[0] == "variants" and parts[2] == "invocations":
                route, variant = "invocations", parts[1]
            elif len(parts) == 2 and parts[0] == "async-invocations":
                route, variant = "async_result", parts[1]
            elif len(parts) == 3 and parts[0] == "models" and parts[2] == "invocations":
                route, component = "component", parts[1]
            else:
                raise HttpError(404, "NotFound", "No such route")
        if route.startswith("async_") and not self.settings.is_async:
            raise HttpError(404, "NotFound", "No such route")
        if route in ("invocations", "component") and self.settings.is_async:
            raise HttpError(
                404,
                "AsyncEndpoint",
                "This endpoint takes asynchronous invocations only: POST /async-invocations, then "
                "GET /async-invocations/{inferenceId}",
            )
        expected = _METHODS[route]
        if event.get("httpMethod") != expected:
            raise HttpError(405, "MethodNotAllowed", f"Use {expected}", {"Allow": expected})
        if route == "async_result":
            if not isinstance(variant, str) or not _INFERENCE_ID_RE.fullmatch(variant):
                raise HttpError(404, "InferenceNotFound", "No such asynchronous inference")
            return route, variant
        if variant is not None and (
            not isinstance(variant, str)
            or not _VARIANT_RE.fullmatch(variant)
            or (self.settings.variant_names and variant not in self.settings.variant_names)
        ):
            raise HttpError(404, "VariantNotFound", "No such production variant")
        components = self.settings.inference_components
        if route == "component":
            if not isinstance(component, str) or component not in components:
                raise HttpError(404, "ComponentNotFound", "No such model on this endpoint")
            return route, component
        if route == "invocations" and components:
            raise HttpError(
                404,
                "ComponentRequired",
                "This endpoint hosts several models: POST /models/{model}/invocations, with one of: "
                + ", ".join(sorted(components)),
            )
        return route, variant

    # ----------------------------------------------------------------------
    # POST /invocations, POST /variants/{variant}/invocations
    # ----------------------------------------------------------------------
    def invocations(
        self, event: Event, variant: str | None, log: dict[str, Any], *, component: str | None = None
    ) -> Answer:
        """Check the request, invoke the endpoint (or one of its inference ``component``s, by the name callers
        use) and answer with the model's body."""
        body, content_type, accept, custom = self._request(event, log)
        if variant is not None:
            log["variant"] = variant
        if component is not None:
            log["component"] = component

        result = self.client.invoke(
            body=body,
            content_type=content_type,
            accept=accept,
            custom_attributes=custom,
            variant=variant,
            log=log,
            component=self.settings.inference_components[component] if component is not None else None,
        )

        answered = result.variant or variant or ""
        log["variant"] = answered
        answer_headers = {}
        if answered:
            answer_headers["X-Invoked-Production-Variant"] = answered
        if result.custom_attributes:
            answer_headers["X-Amzn-SageMaker-Custom-Attributes"] = result.custom_attributes
        return self._model_answer(result.body, result.content_type, accept, answer_headers, log)

    def _request(self, event: Event, log: dict[str, Any]) -> tuple[bytes, str, str | None, str | None]:
        """The checked request: ``(body, Content-Type, Accept, custom attributes)``."""
        headers = request_headers(event)
        content_type = _pass_through(headers, "content-type")
        accept = _pass_through(headers, "accept")
        custom = _pass_through(headers, "x-amzn-sagemaker-custom-attributes")
        if content_type is None:
            raise HttpError(415, "UnsupportedMediaType", "Content-Type header is required")
        media = media_type(content_type)
        log["content_type"] = media[:64]
        if not _matches(media, self.settings.allowed_content_types):
            raise HttpError(415, "UnsupportedMediaType", "Content-Type is not accepted")
        body = self._body(event, media)
        log["request_bytes"] = len(body)
        return body, content_type, accept, custom

    def _model_answer(
        self, body: bytes, content_type: str | None, accept: str | None, headers: dict[str, str], log: dict[str, Any]
    ) -> Answer:
        """A 200 with the model's body: text as is, binary as base64 (406 if API Gateway would not turn it back
        into bytes for this ``Accept``), 502 beyond Lambda's response limit."""
        out_type = content_type or "application/octet-stream"
        out_media = media_type(out_type)
        log.update(response_bytes=len(body), response_content_type=out_media)
        text: str | None = None
        if _is_text(out_media):
            try:
                text = body.decode()
            except UnicodeDecodeError:
                text = None
        binary_types = self.settings.binary_media_types
        if text is None and binary_types and not self._binary_accept(accept):
            raise HttpError(
                406,
                "NotAcceptable",
                f"The model answered {out_media[:64]}, a binary type: send an Accept header whose first "
                "media type is one of the API's binary media types (e.g. Accept: image/png) to receive it as bytes",
            )
        encoded = text if text is not None else base64.b64encode(body).decode("ascii")
        if len(encoded) > contract.MAX_RESPONSE_BODY_CHARS:
            raise HttpError(502, "ResponseTooLarge", "The model's response exceeds the Lambda payload limit")
        return {
            "statusCode": 200,
            "headers": {"Content-Type": out_type, **headers},
            "body": encoded,
            "isBase64Encoded": text is None,
        }

    def _body(self, event: Event, media: str) -> bytes:
        """The decoded, size-checked (and for JSON, syntax-checked) request body."""
        limit = self.settings.max_body_bytes
        raw = event.get("body")
        if raw is None or raw == "":
            raise HttpError(400, "EmptyBody", "Request body is empty")
        if not isinstance(raw, str):
            raise HttpError(400, "InvalidBody", "Request body must be a string")
        if event.get("isBase64Encoded") is True:
            if len(raw) > (limit + 2) // 3 * 4:
                raise HttpError(413, "PayloadTooLarge", f"Body exceeds {limit} bytes")
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise HttpError(400, "InvalidBase64", "Body is not valid base64") from None
        else:
            try:
                body = raw.encode()
            except UnicodeEncodeError:
                raise HttpError(400, "InvalidBody", "Body is not valid UTF-8") from None
        if len(body) > limit:
            raise HttpError(413, "PayloadTooLarge", f"Body exceeds {limit} bytes")
        if not body:
            raise HttpError(400, "EmptyBody", "Request body is empty")
        if _is_json(media):
            try:
                json.loads(body)
            except (ValueError, RecursionError):
                raise HttpError(400, "MalformedJson", "Body is not valid JSON") from None
        return body

    def _accept(self, event: Event) -> str | None:
        """The request's checked ``Accept`` header, if any."""
        return _pass_through(request_headers(event), "accept")

    def _binary_accept(self, accept: str | None) -> bool:
        """Whether API Gateway turns a base64 answer back into bytes: the first ``Accept`` media type
        must match a binary media type (``type/*`` and ``*/*`` entries match as wildcards)."""
        if not accept:
            return False
        return _matches(media_type(accept.split(",", 1)[0]), self.settings.binary_media_types)

    # ----------------------------------------------------------------------
    # GET /health
    # ----------------------------------------------------------------------
    def health(self, log: dict[str, Any]) -> Answer:
        """200 with the status and variants while the endpoint serves traffic, else 503."""
        status, variants = self.client.endpoint_status(log)
        log["endpoint_status"] = status
        if status not in contract.SERVING_STATUSES:
            raise HttpError(503, "EndpointNotInService", f"Endpoint status is {status}", {"Retry-After": "30"})
        body: dict[str, Any] = {"status": status, "variants": variants}
        if self.settings.inference_components:
            body["components"] = self.client.component_states(log)
        return {
            "statusCode": 200,
            "headers": dict(_JSON_HEADERS),
            "body": json.dumps(body),
            "isBase64Encoded": False,
        }

    # ----------------------------------------------------------------------
    # Every answer
    # ----------------------------------------------------------------------
    def _cors(self, event: Event, headers: dict[str, str]) -> None:
        """With a proxy integration the answer itself must carry ``Access-Control-Allow-Origin``."""
        origins = self.settings.cors_allowed_origins
        if not origins:
            return
        origin = request_headers(event).get("origin")
        if origin and (origin in origins or "*" in origins):
            headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
            headers["Vary"] = "Origin"

    def _record(self, log: dict[str, Any], latency_ms: float) -> None:
        """Emit the request's single log record, which is also its EMF metrics record.

        Metrics (one dimension set per record, which keeps this cheap): answered invocations count
        ``Invocations`` and ``Latency`` by ``Variant``; error answers count ``Errors`` by ``ErrorCode`` and
        ``StatusCode``. API Gateway already publishes overall count/latency/4XX/5XX and SageMaker its
        per-variant model metrics; these add what neither can see. The access-log fields in ``log`` ride
        along as EMF metadata (a ``request`` object): one JSON line per request.
        """
        metrics = self.metrics
        error_code = log.get("error_code")
        if error_code is not None:
            metrics.add_dimension("ErrorCode", error_code)
            metrics.add_dimension("StatusCode", str(log["status"]))
            metrics.add_metric("Errors", MetricUnit.Count, 1)
            if log["status"] >= 500:
                self.logger.warning("Request failed", extra=log)
        elif log.get("component"):
            metrics.add_dimension("Component", log["component"])
            metrics.add_metric("Latency", MetricUnit.Milliseconds, latency_ms)
            metrics.add_metric("Invocations", MetricUnit.Count, 1)
        elif log.get("variant"):
            metrics.add_dimension("Variant", log["variant"])
            metrics.add_metric("Latency", MetricUnit.Milliseconds, latency_ms)
            metrics.add_metric("Invocations", MetricUnit.Count, 1)
        elif log["route"].startswith("async_"):
            # No variant to name: an asynchronous endpoint picks it when the request leaves the queue.
            metrics.add_dimension("Route", log["route"])
            metrics.add_metric("Latency", MetricUnit.Milliseconds, latency_ms)
            metrics.add_metric("AsyncRequests", MetricUnit.Count, 1)
        else:
            self.logger.debug("request", extra=log)  # e.g. a healthy GET /health: no metric
            return
        metrics.add_metadata("request", log)
        metrics.flush_metrics()
        if metrics.metric_set:  # not flushed: POWERTOOLS_METRICS_DISABLED or POWERTOOLS_DEV
            metrics.clear_metrics()  # or it would grow forever
            self.logger.info("request", extra=log)
