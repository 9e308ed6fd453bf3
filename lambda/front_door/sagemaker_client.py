"""The SageMaker calls (``InvokeEndpoint``, ``InvokeEndpointAsync``, ``DescribeEndpoint``): the boto3 clients,
hand-made retries, and SageMaker's errors as HTTP errors.

botocore's own retries are off (``total_max_attempts=1``): its standard mode would retry a
``ReadTimeoutError``, so a slow inference would run twice. :meth:`SageMakerClient.invoke` retries only
what never reached the model (throttling, ``ServiceUnavailable`` / ``ModelNotReadyException`` / HTTP
503, failed connections), up to ``max_attempts`` attempts in all, sleeping
:func:`contract.backoff_ms` plus jitter before each retry, so a call never outlasts
:func:`contract.worst_case_budget_ms`. Every failure becomes an :class:`HttpError` whose message is
safe to show the client (ARNs and account ids redacted, bounded length).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any, Final, NamedTuple, TypeVar

import boto3  # type: ignore[import-untyped]
from botocore import exceptions as boto_errors  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

import contract
from settings import Settings

#: Upstream error messages are cut to this many characters.
MAX_MESSAGE_CHARS: Final = 1024
_REDACT_RE: Final = re.compile(r"arn:aws[\w-]*:\S+|\b\d{12}\b")
_THROTTLING_CODES: Final = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestThrottled"}
)
_JITTER_SECONDS: Final = contract.BACKOFF_JITTER_MS / 1000
T = TypeVar("T")


class HttpError(Exception):
    """An error answer: ``status``, a stable ``code``, a client-safe message and extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _unavailable() -> HttpError:
    return HttpError(503, "ServiceUnavailable", "SageMaker is unavailable; retry later", {"Retry-After": "5"})


def _timeout() -> HttpError:
    return HttpError(504, "UpstreamTimeout", "The model did not answer in time")


def internal_error() -> HttpError:
    """The generic 500: nothing about the cause reaches the client."""
    return HttpError(500, "InternalError", "Internal server error")


def clean_message(message: str) -> str:
    """Bound an upstream message and strip ARNs / account ids from it."""
    message = _REDACT_RE.sub("<redacted>", message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    return message


def client_error_to_http(
    exc: boto_errors.ClientError, *, variant: str | None, variants_known: bool, component: str | None = None
) -> HttpError:
    """Map a SageMaker ``ClientError`` to the answer the client gets.

    A ``ValidationError`` about the variant of a pinned request is a 404 when the variant list is not
    known (``variants_known`` false); otherwise the variant was already checked against the list. For a call
    to an inference ``component``, SageMaker's ``ValidationError`` "Inference Component has no capacity to
    process this request" means it has scaled to zero and its first copy is starting: a 503 with
    ``Retry-After`` (:data:`contract.SCALED_TO_ZERO_RETRY_AFTER_SECONDS`), not a client error.
    """
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    message = str(error.get("Message") or "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code == "ValidationError" and component is not None and "no capacity" in message.lower():
        return HttpError(
            503,
            "ComponentScaledToZero",
            "The model has scaled to zero and is starting; retry in a minute or more",
            {"Retry-After": str(contract.SCALED_TO_ZERO_RETRY_AFTER_SECONDS)},
        )
    if code == "ValidationError":
        if variant is not None and not variants_known and "variant" in message.lower():
            return HttpError(404, "VariantNotFound", "No such production variant")
        return HttpError(400, "ValidationError", clean_message(message or "Invalid request"))
    if code == "ModelError":
        original = exc.response.get("OriginalMessage") or message or "The model returned an error"
        return HttpError(424, "ModelError", clean_message(str(original)))
    if code == "ModelNotReadyException":
        return HttpError(503, "ModelNotReady", "The model is not ready; retry later", {"Retry-After": "5"})
    if code in _THROTTLING_CODES or status == 429:
        return HttpError(429, "Throttled", "Too many requests; retry later", {"Retry-After": "1"})
    if code == "ServiceUnavailable" or status == 503:
        return _unavailable()
    if code in ("RequestTimeout", "RequestTimeoutException") or status == 504:
        return _timeout()
    return internal_error()


def transport_error_to_http(exc: boto_errors.BotoCoreError) -> HttpError:
    """Map a botocore transport error (no HTTP answer from SageMaker) to the answer the client gets."""
    if isinstance(exc, (boto_errors.ReadTimeoutError, boto_errors.ConnectTimeoutError)):
        return _timeout()
    if isinstance(exc, (boto_errors.ConnectionError, boto_errors.HTTPClientError)):
        return _unavailable()
    return internal_error()


def is_retryable(exc: Exception) -> bool:
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


class Invocation(NamedTuple):
    """What the model answered (a named tuple: built on every request, it costs a third of a frozen dataclass)."""

    body: bytes
    content_type: str | None
    variant: str | None
    custom_attributes: str | None


class QueuedInvocation(NamedTuple):
    """What ``InvokeEndpointAsync`` answered: the request's id and where its result or failure will be written."""

    inference_id: str
    output_location: str
    failure_location: str


class SageMakerClient:
    """The runtime client (built now) and the control-plane client (built on first use), with retries.

    Both honour ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` / ``AWS_ENDPOINT_URL_SAGEMAKER`` /
    ``AWS_ENDPOINT_URL`` (botocore reads them itself).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        _keep_bodies_out_of_logs()
        self.runtime: Any = boto3.client(
            "sagemaker-runtime",
            config=Config(
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                # One attempt per call: invoke() decides what is worth another.
                retries={"mode": "standard", "total_max_attempts": 1},
            ),
        )
        self._control_plane: Any = None  # the "sagemaker" client, built on the first describe
        self._health: tuple[float, str, list[str]] | None = None
        self._components: tuple[float, dict[str, dict[str, Any]]] | None = None

    def invoke(
        self,
        *,
        body: bytes,
        content_type: str,
        accept: str | None,
        custom_attributes: str | None,
        variant: str | None,
        log: dict[str, Any],
        component: str | None = None,
    ) -> Invocation:
        """``InvokeEndpoint`` (of the inference ``component`` of that ``InferenceComponentName``, if given) with
        retries; ``log`` gets ``attempts`` and, on failure, ``upstream_error``."""
        kwargs: dict[str, Any] = {
            "EndpointName": self.settings.endpoint_name,
            "Body": body,
            "ContentType": content_type,
        }
        if accept is not None:
            kwargs["Accept"] = accept
        if custom_attributes is not None:
            kwargs["CustomAttributes"] = custom_attributes
        if variant is not None:
            kwargs["TargetVariant"] = variant
        if component is not None:
            kwargs["InferenceComponentName"] = component
        try:
            result, payload = self._invoke_with_retries(kwargs, log)
        except boto_errors.ClientError as exc:
            log["upstream_error"] = exc.response.get("Error", {}).get("Code", "")
            raise client_error_to_http(
                exc, variant=variant, variants_known=bool(self.settings.variant_names), component=component
            ) from None
        except boto_errors.BotoCoreError as exc:
            log["upstream_error"] = type(exc).__name__
            raise transport_error_to_http(exc) from None
        return Invocation(
            body=payload,
            content_type=result.get("ContentType"),
            variant=result.get("InvokedProductionVariant"),
            custom_attributes=result.get("CustomAttributes"),
        )

    def _invoke_with_retries(self, kwargs: dict[str, Any], log: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        def call() -> tuple[dict[str, Any], bytes]:
            result = self.runtime.invoke_endpoint(**kwargs)
            payload: bytes = result["Body"].read()
            return result, payload

        return self._with_retries(call, log)

    def _with_retries(self, call: Callable[[], T], log: dict[str, Any]) -> T:
        """``call()`` up to ``max_attempts`` times, retrying only what never reached the model."""
        attempt = 0
        while True:
            attempt += 1
            log["attempts"] = attempt
            try:
                return call()
            except (boto_errors.ClientError, boto_errors.BotoCoreError) as exc:
                if attempt >= self.settings.max_attempts or not is_retryable(exc):
                    raise
            time.sleep(contract.backoff_ms(attempt - 1) / 1000 + random.uniform(0, _JITTER_SECONDS))

    def invoke_async(
        self,
        *,
        input_location: str,
        inference_id: str,
        content_type: str,
        accept: str | None,
        custom_attributes: str | None,
        log: dict[str, Any],
    ) -> QueuedInvocation:
        """``InvokeEndpointAsync`` of the body stored at ``input_location``, with the same retries and error
        mapping as :meth:`invoke`; where SageMaker will write the result and the failure."""
        kwargs: dict[str, Any] = {
            "EndpointName": self.settings.endpoint_name,
            "InputLocation": input_location,
            "InferenceId": inference_id,
            "ContentType": content_type,
            "InvocationTimeoutSeconds": self.settings.async_invocation_timeout_seconds,
            "RequestTTLSeconds": self.settings.async_request_ttl_seconds,
        }
        if accept is not None:
            kwargs["Accept"] = accept
        if custom_attributes is not None:
            kwargs["CustomAttributes"] = custom_attributes
        try:
            result: dict[str, Any] = self._with_retries(lambda: self.runtime.invoke_endpoint_async(**kwargs), log)
        except boto_errors.ClientError as exc:
            log["upstream_error"] = exc.response.get("Error", {}).get("Code", "")
            raise client_error_to_http(exc, variant=None, variants_known=True) from None
        except boto_errors.BotoCoreError as exc:
            log["upstream_error"] = type(exc).__name__
            raise transport_error_to_http(exc) from None
        return QueuedInvocation(
            inference_id=str(result.get("InferenceId") or inference_id),
            output_location=str(result.get("OutputLocation") or ""),
            failure_location=str(result.get("FailureLocation") or ""),
        )

    def endpoint_status(self, log: dict[str, Any]) -> tuple[str, list[str]]:
        """``DescribeEndpoint``'s status and variant names, reused for ``health_cache_seconds``.

        :raises HttpError: 503 ``HealthCheckFailed`` when the call fails.
        """
        now = time.monotonic()
        if self._health is None or now - self._health[0] >= self.settings.health_cache_seconds:
            try:
                described = self._control_plane_client().describe_endpoint(EndpointName=self.settings.endpoint_name)
            except (boto_errors.ClientError, boto_errors.BotoCoreError) as exc:
                code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, boto_errors.ClientError) else ""
                log["upstream_error"] = code or type(exc).__name__
                raise HttpError(503, "HealthCheckFailed", "Could not read the endpoint status") from None
            variants = [v.get("VariantName", "") for v in described.get("ProductionVariants") or []]
            self._health = (now, str(described.get("EndpointStatus", "Unknown")), variants)
        return self._health[1], self._health[2]

    def component_states(self, log: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """``{name: {"status": ..., "copies": ...}}`` of every inference component (``DescribeInferenceComponent``),
        reused for ``health_cache_seconds``. A component that cannot be described is ``{"status": "Unknown"}``
        (``log`` gets ``upstream_error``): one model's trouble does not fail the endpoint's health."""
        now = time.monotonic()
        if self._components is None or now - self._components[0] >= self.settings.health_cache_seconds:
            states: dict[str, dict[str, Any]] = {}
            for name, component in sorted(self.settings.inference_components.items()):
                try:
                    described = self._control_plane_client().describe_inference_component(
                        InferenceComponentName=component
                    )
                except boto_errors.ClientError as exc:
                    log["upstream_error"] = exc.response.get("Error", {}).get("Code", "") or type(exc).__name__
                    states[name] = {"status": "Unknown"}
                    continue
                except boto_errors.BotoCoreError as exc:
                    log["upstream_error"] = type(exc).__name__
                    states[name] = {"status": "Unknown"}
                    continue
                runtime = described.get("RuntimeConfig") or {}
                states[name] = {
                    "status": str(described.get("InferenceComponentStatus", "Unknown")),
                    "copies": runtime.get("CurrentCopyCount"),
                }
            self._components = (now, states)
        return self._components[1]

    def _control_plane_client(self) -> Any:
        if self._control_plane is None:
            self._control_plane = boto3.client(
                "sagemaker",
                config=Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 2}),
            )
        return self._control_plane


def _keep_bodies_out_of_logs() -> None:
    """botocore logs whole request parameters, bodies included, at DEBUG: never let a DEBUG root logger
    (e.g. Lambda's log-level controls) turn that on."""
    for name in ("boto3", "botocore", "urllib3"):
        if logging.getLogger(name).level < logging.INFO:
            logging.getLogger(name).setLevel(logging.INFO)
