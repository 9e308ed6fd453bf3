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

Routing is hand-made (:func:`routing.route_event`, about 60 lines) rather than Powertools'
``APIGatewayRestResolver``: measured side by side (``bench/front_door.py --resolver-variant``) the resolver
added about 100 us of CPU per request (the handler's own work grew by 55-75%), 0.08-0.12 to the p50 ratio and
0.3-0.4 to the cold-import ratio; it also routes on ``path`` with upper-cased methods, answers in
``multiValueHeaders`` and its CORS sends headers this contract does not (``docs/front_door_handler.md``,
"Powertools' resolver").

The request checks and answers are :mod:`messages`' (a mixin), the asynchronous routes :mod:`async_routes`'
(a mixin), the routing :mod:`routing`'s; this module answers each route and records the request.
"""

from __future__ import annotations

import json
import time
import traceback
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.utilities.typing import LambdaContext

import contract
from async_routes import AsyncRoutes
from async_store import AsyncStore
from messages import JSON_HEADERS, Messages, error_answer
from routing import route_event
from sagemaker_client import HttpError, SageMakerClient, internal_error
from settings import Settings

Event = dict[str, Any]
Answer = dict[str, Any]
#: How Powertools' ``flush_metrics`` encodes the EMF record (a prebuilt encoder: ``json.dumps`` with
#: ``separators`` would build one per request).
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class FrontDoor(Messages, AsyncRoutes):
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
        #: This request's ``(correlation_id, function_request_id, cold_start)`` log keys.
        self._request_keys: tuple[str, str, bool] = ("", "", True)
        #: ``POWERTOOLS_METRICS_DISABLED`` or ``POWERTOOLS_DEV``: the access record is a Logger INFO line, no EMF.
        self._metrics_disabled = is_metrics_disabled()

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
        # What Logger.inject_lambda_context() adds, without rebuilding the constant keys on every call (and with no
        # way to switch on event logging: events hold bodies). The per-request keys are set by _log_keys() before
        # each log line: most requests write none besides their EMF record, which carries the request id itself.
        if self._cold_start:
            self.logger.append_keys(
                function_name=context.function_name,
                function_memory_size=context.memory_limit_in_mb,
                function_arn=context.invoked_function_arn,
            )
        self._request_keys = (request_id, context.aws_request_id, self._cold_start)
        self._cold_start = False

        log: dict[str, Any] = {"request_id": request_id, "method": event.get("httpMethod"), "route": "unmatched"}
        answer = self._answer(event, log, request_id)
        self._cors(event, answer["headers"])
        log["status"] = answer["statusCode"]
        latency_ms = (time.perf_counter() - started) * 1000.0
        log["latency_ms"] = round(latency_ms, 3)
        self._record(log, latency_ms)
        return answer

    def _answer(self, event: Event, log: dict[str, Any], request_id: str) -> Answer:
        """Route the event and answer it; every failure becomes the JSON error envelope."""
        try:
            route, parameter = route_event(event, self.settings)
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
            self._log_keys()
            self.logger.error("Unhandled error", extra={"error_type": type(exc).__name__, "frames": frames})
            log["error_code"] = "InternalError"
            answer = error_answer(internal_error(), request_id)
        return answer

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
            "headers": dict(JSON_HEADERS),
            "body": json.dumps(body),
            "isBase64Encoded": False,
        }

    # ----------------------------------------------------------------------
    # Every answer (CORS: messages.Messages._cors)
    # ----------------------------------------------------------------------
    def _log_keys(self) -> None:
        """Set this request's keys on the logger before it writes a line (never a previous request's)."""
        correlation_id, function_request_id, cold_start = self._request_keys
        self.logger.append_keys(
            correlation_id=correlation_id, function_request_id=function_request_id, cold_start=cold_start
        )

    def _record(self, log: dict[str, Any], latency_ms: float) -> None:
        """Emit the request's single log record, which is also its EMF metrics record.

        Metrics (one dimension set per record, which keeps this cheap): answered invocations count
        ``Invocations`` and ``Latency`` by ``Variant`` (``Component`` for an inference component, ``Route`` for
        an asynchronous route); error answers count ``Errors`` by ``ErrorCode`` and ``StatusCode``. API Gateway
        already publishes overall count/latency/4XX/5XX and SageMaker its per-variant model metrics; these add
        what neither can see. The access-log fields in ``log`` ride along as EMF metadata (a ``request``
        object): one JSON line per request.

        Powertools' ``serialize_metric_set`` writes the record, the same line ``flush_metrics`` prints, but
        from this request's own dicts: ``add_dimension``/``add_metric``/``add_metadata``/``flush_metrics``
        validate constant names and units, format a debug message and re-read the environment on every request,
        and were half of the handler's own time (``docs/front_door_handler.md``, "Where the handler's time
        goes"). ``POWERTOOLS_METRICS_DISABLED``/``POWERTOOLS_DEV`` are read once, when the function starts.
        """
        error_code = log.get("error_code")
        metrics: dict[str, dict[str, Any]]
        if error_code is not None:
            dimensions = {"ErrorCode": error_code, "StatusCode": str(log["status"])}
            metrics = {"Errors": _one()}
            if log["status"] >= 500:
                self._log_keys()
                self.logger.warning("Request failed", extra=log)
        elif log.get("component"):
            dimensions = {"Component": log["component"]}
            metrics = {"Latency": _milliseconds(latency_ms), "Invocations": _one()}
        elif log.get("variant"):
            dimensions = {"Variant": log["variant"]}
            metrics = {"Latency": _milliseconds(latency_ms), "Invocations": _one()}
        elif log["route"].startswith("async_"):
            # No variant to name: an asynchronous endpoint picks it when the request leaves the queue.
            dimensions = {"Route": log["route"]}
            metrics = {"Latency": _milliseconds(latency_ms), "AsyncRequests": _one()}
        else:
            self._log_keys()
            self.logger.debug("request", extra=log)  # e.g. a healthy GET /health: no metric
            return
        if self._metrics_disabled:
            self._log_keys()
            self.logger.info("request", extra=log)
            return
        dimensions["service"] = self.settings.service_name
        record = self.metrics.serialize_metric_set(metrics=metrics, dimensions=dimensions, metadata={"request": log})
        print(_ENCODE(record))


def _one() -> dict[str, Any]:
    """A count of one, as Powertools' ``add_metric(name, MetricUnit.Count, 1)`` stores it."""
    return {"Unit": "Count", "StorageResolution": 60, "Value": [1.0]}


def _milliseconds(value: float) -> dict[str, Any]:
    """A latency, as Powertools' ``add_metric(name, MetricUnit.Milliseconds, value)`` stores it."""
    return {"Unit": "Milliseconds", "StorageResolution": 60, "Value": [value]}
