"""A variant of ``lambda/front_door/routes.py`` on Powertools' ``APIGatewayRestResolver``, for the benchmark.

``python bench/front_door.py --resolver-variant`` runs a copy of ``lambda/front_door`` with this file as its
``routes.py`` next to the real one. Here the resolver routes (on ``path``; the registered 405 routes answer
wrong methods), calls the routes, maps ``HttpError`` and unexpected exceptions to the JSON envelope through
``exception_handler``/``not_found``, and builds the answers (``multiValueHeaders``). The request checks, the
SageMaker calls, the access/EMF record and CORS are the same code as the real routes (Powertools' CORS would
add ``Access-Control-Allow-Headers`` and no ``Vary: Origin``). Why the function does not use it:
``docs/front_door_handler.md``, "Powertools' resolver".
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
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

import contract
from sagemaker_client import HttpError, SageMakerClient, internal_error
from settings import Settings

_VARIANT_RE: Final = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_HEADER_VALUE_RE: Final = re.compile(r"[\x20-\x7e\t]{0,1024}")
_TEXT_TYPES: Final = frozenset({"application/json", "application/xml", "application/jsonlines", "application/x-ndjson"})

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


class FrontDoor:
    """The function: routes an event, calls SageMaker, answers, and records the request.

    Built once per execution environment (``handler.py``); :meth:`handle` is the Lambda handler.
    """

    def __init__(self, settings: Settings, client: SageMakerClient | None = None) -> None:
        self.settings = settings
        self.client = client or SageMakerClient(settings)
        self.logger = Logger(
            service=settings.service_name,
            json_serializer=json.JSONEncoder(separators=(",", ":"), default=str).encode,
        )
        self.metrics = Metrics(namespace=settings.metrics_namespace, service=settings.service_name)
        self._cold_start = True
        self.resolver = self._build_resolver()

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
        path, method = event.get("path"), event.get("httpMethod")
        routed = {
            **event,
            "path": path if isinstance(path, str) else "",
            "httpMethod": method if isinstance(method, str) else "",
        }
        self.resolver.append_context(log=log, request_id=request_id)  # type: ignore[no-untyped-call]
        answer = self.resolver.resolve(routed, context)
        headers = answer["multiValueHeaders"]
        self._cors(event, headers)
        log["status"] = answer["statusCode"]
        latency_ms = (time.perf_counter() - started) * 1000.0
        log["latency_ms"] = round(latency_ms, 3)
        self._record(log, latency_ms)
        return answer

    def _build_resolver(self) -> APIGatewayRestResolver:
        app = APIGatewayRestResolver()
        others = ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

        def log() -> dict[str, Any]:
            value: dict[str, Any] = app.context["log"]
            return value

        @app.post("/invocations")
        def invocations() -> Response[str]:
            log()["route"] = "invocations"
            return self.invocations(app.current_event.raw_event, None, log())

        @app.post("/variants/<variant>/invocations")
        def variant_invocations(variant: str) -> Response[str]:
            log()["route"] = "invocations"
            if not _VARIANT_RE.fullmatch(variant) or (
                self.settings.variant_names and variant not in self.settings.variant_names
            ):
                raise HttpError(404, "VariantNotFound", "No such production variant")
            return self.invocations(app.current_event.raw_event, variant, log())

        @app.get("/health")
        def health() -> Response[str]:
            log()["route"] = "health"
            return self.health(log())

        @app.route("/invocations", method=others)
        @app.route("/variants/<variant>/invocations", method=others)
        def use_post(variant: str | None = None) -> Response[str]:
            log()["route"] = "invocations"
            raise HttpError(405, "MethodNotAllowed", "Use POST", {"Allow": "POST"})

        @app.route("/health", method=[m for m in ["POST", *others] if m != "GET"])
        def use_get() -> Response[str]:
            log()["route"] = "health"
            raise HttpError(405, "MethodNotAllowed", "Use GET", {"Allow": "GET"})

        @app.not_found
        def not_found(exc: NotFoundError) -> Response[str]:
            return self._error(HttpError(404, "NotFound", "No such route"))

        @app.exception_handler(HttpError)  # type: ignore[untyped-decorator]
        def http_error(exc: HttpError) -> Response[str]:
            return self._error(exc)

        @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
        def unhandled(exc: Exception) -> Response[str]:
            # Frames only: exception messages could quote request data.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            self.logger.error("Unhandled error", extra={"error_type": type(exc).__name__, "frames": frames})
            return self._error(internal_error())

        return app

    def _error(self, error: HttpError) -> Response[str]:
        self.resolver.context["log"]["error_code"] = error.code
        body = {
            "error": {"code": error.code, "message": error.message},
            "requestId": self.resolver.context["request_id"],
        }
        return Response(error.status, "application/json", json.dumps(body), error.headers)

    # ----------------------------------------------------------------------
    # POST /invocations, POST /variants/{variant}/invocations
    # ----------------------------------------------------------------------
    def invocations(self, event: Event, variant: str | None, log: dict[str, Any]) -> Response[str]:
        """Check the request, invoke the endpoint and answer with the model's body."""
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
        if variant is not None:
            log["variant"] = variant

        result = self.client.invoke(
            body=body, content_type=content_type, accept=accept, custom_attributes=custom, variant=variant, log=log
        )

        answered = result.variant or variant or ""
        out_type = result.content_type or "application/octet-stream"
        out_media = media_type(out_type)
        log.update(variant=answered, response_bytes=len(result.body), response_content_type=out_media)
        answer_headers = {"Content-Type": out_type}
        if answered:
            answer_headers["X-Invoked-Production-Variant"] = answered
        if result.custom_attributes:
            answer_headers["X-Amzn-SageMaker-Custom-Attributes"] = result.custom_attributes
        text: str | None = None
        if _is_text(out_media):
            try:
                text = result.body.decode()
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
        encoded = text if text is not None else base64.b64encode(result.body).decode("ascii")
        if len(encoded) > contract.MAX_RESPONSE_BODY_CHARS:
            raise HttpError(502, "ResponseTooLarge", "The model's response exceeds the Lambda payload limit")
        response: Response[str] = Response(200, None, encoded, answer_headers)
        response.base64_encoded = text is None
        return response

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

    def _binary_accept(self, accept: str | None) -> bool:
        """Whether API Gateway turns a base64 answer back into bytes: the first ``Accept`` media type
        must match a binary media type (``type/*`` and ``*/*`` entries match as wildcards)."""
        if not accept:
            return False
        return _matches(media_type(accept.split(",", 1)[0]), self.settings.binary_media_types)

    # ----------------------------------------------------------------------
    # GET /health
    # ----------------------------------------------------------------------
    def health(self, log: dict[str, Any]) -> Response[str]:
        """200 with the status and variants while the endpoint serves traffic, else 503."""
        status, variants = self.client.endpoint_status(log)
        log["endpoint_status"] = status
        if status not in contract.SERVING_STATUSES:
            raise HttpError(503, "EndpointNotInService", f"Endpoint status is {status}", {"Retry-After": "30"})
        return Response(200, "application/json", json.dumps({"status": status, "variants": variants}))

    # ----------------------------------------------------------------------
    # Every answer
    # ----------------------------------------------------------------------
    def _cors(self, event: Event, headers: dict[str, list[str]]) -> None:
        """With a proxy integration the answer itself must carry ``Access-Control-Allow-Origin``."""
        origins = self.settings.cors_allowed_origins
        if not origins:
            return
        origin = request_headers(event).get("origin")
        if origin and (origin in origins or "*" in origins):
            headers["Access-Control-Allow-Origin"] = ["*" if "*" in origins else origin]
            headers["Vary"] = ["Origin"]

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
        elif log.get("variant"):
            metrics.add_dimension("Variant", log["variant"])
            metrics.add_metric("Latency", MetricUnit.Milliseconds, latency_ms)
            metrics.add_metric("Invocations", MetricUnit.Count, 1)
        else:
            self.logger.debug("request", extra=log)  # e.g. a healthy GET /health: no metric
            return
        metrics.add_metadata("request", log)
        metrics.flush_metrics()
        if metrics.metric_set:  # not flushed: POWERTOOLS_METRICS_DISABLED or POWERTOOLS_DEV
            metrics.clear_metrics()  # or it would grow forever
            self.logger.info("request", extra=log)
