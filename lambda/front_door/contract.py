"""The values the front-door function and the CDK construct that deploys it share, defined once.

Pure Python, standard library only: the handler imports it as a sibling module (``import contract``)
and the construct loads this same file by path (``sagemaker_serving.runtime_assets.front_door_contract``),
so a limit, a default or an environment variable name can never differ between the two.

Sources (checked when written):

* "For synchronous invocations, the maximum payload size is 6 MB" (6,291,456 bytes), request and response
  (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html, and the Lambda quotas page).
* "The maximum request and response payload size for serverless invocations is 4 MB"
  (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html).
* API Gateway REST APIs time out an integration after at most 29 s by default
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
* ``DescribeEndpoint`` ``EndpointStatus`` values, and that an endpoint keeps serving while it is
  ``Updating``, ``SystemUpdating``, ``RollingBack`` or ``UpdateRollbackFailed``
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).
* ``InvokeEndpointAsync``: ``InvocationTimeoutSeconds`` 1 to 3,600 (default 900: "by default the request
  times out at 15 minutes"), ``RequestTTLSeconds`` 60 to 21,600 (default 6 hours), ``InferenceId`` 1 to 64
  printable characters; its answer's ``OutputLocation``/``FailureLocation`` say where the result will be
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointAsync.html,
  https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-invoke-endpoint.html,
  https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html).
* ``InvokeEndpoint``'s ``InferenceComponentName`` ("If the endpoint hosts one or more inference components,
  this parameter specifies the name of inference component to invoke",
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html), and that a
  component scaled to zero copies answers with an error for the several minutes its first copy takes to
  start (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html).
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------
# Body size
# --------------------------------------------------------------------------
#: Lambda's synchronous invocation payload limit (6 MB), for the whole event JSON.
LAMBDA_PAYLOAD_LIMIT_BYTES: Final = 6_291_456
#: Room left in the event for everything but the body (headers, request context ...).
EVENT_ENVELOPE_BYTES: Final = 262_144
#: Default and largest accepted request body: binary bodies reach the function base64-encoded (4/3 larger)
#: inside the event, so (6,291,456 - 262,144) * 3 // 4 = 4,521,984 bytes. A body just over it still fits in
#: the event, so the function can answer the 413 itself.
MAX_BODY_BYTES: Final = (LAMBDA_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_BYTES) * 3 // 4
#: ... and 4 MiB in front of a serverless endpoint (Serverless Inference's 4 MB payload limit).
SERVERLESS_MAX_BODY_BYTES: Final = 4 * 1024 * 1024
#: Largest answer the function returns: Lambda's response limit less room for the status and headers.
MAX_RESPONSE_BODY_CHARS: Final = LAMBDA_PAYLOAD_LIMIT_BYTES - 64 * 1024

# --------------------------------------------------------------------------
# Endpoint health
# --------------------------------------------------------------------------
#: ``EndpointStatus`` values while the endpoint still serves traffic: ``GET /health`` answers 200 for
#: these and 503 for any other status (``Creating``, ``OutOfService``, ``Deleting``, ``Failed``, unknown).
#: A tuple, in this order: the direct integration renders it into its health mapping template.
SERVING_STATUSES: Final = ("InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed")

# --------------------------------------------------------------------------
# Timeouts, retries and the budget
# --------------------------------------------------------------------------
#: API Gateway's default maximum integration timeout for REST APIs.
MAX_INTEGRATION_TIMEOUT_MS: Final = 29_000
#: Time kept in the function for everything but the SageMaker call (parsing, logging, the answer).
HANDLER_MARGIN_MS: Final = 2_000
#: The longest the SageMaker call may take with the largest integration timeout.
MAX_BUDGET_MS: Final = MAX_INTEGRATION_TIMEOUT_MS - HANDLER_MARGIN_MS
DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS: Final = 1_000
DEFAULT_SAGEMAKER_READ_TIMEOUT_MS: Final = 9_000
#: The smallest connect or read timeout the function accepts.
MIN_SAGEMAKER_TIMEOUT_MS: Final = 10
#: Attempts per ``InvokeEndpoint`` in all (so one retry by default), from 1 to :data:`MAX_SAGEMAKER_ATTEMPTS`.
DEFAULT_SAGEMAKER_MAX_ATTEMPTS: Final = 2
MAX_SAGEMAKER_ATTEMPTS: Final = 10
# The function retries by hand (botocore's own retries are off): retry n (0-based) sleeps
# min(100 ms * 2**n, 1 s) plus up to 100 ms of jitter. Only what never reached the model is retried.
BACKOFF_BASE_MS: Final = 100
BACKOFF_CAP_MS: Final = 1_000
BACKOFF_JITTER_MS: Final = 100


def backoff_ms(retry: int) -> int:
    """The sleep before retry ``retry`` (0-based) in milliseconds, jitter excluded."""
    return min(BACKOFF_BASE_MS * (1 << retry), BACKOFF_CAP_MS)


def worst_case_budget_ms(*, connect_ms: float, read_ms: float, attempts: int) -> float:
    """Longest one ``InvokeEndpoint`` call can take, in milliseconds: every attempt times out, plus the
    largest back-offs (jitter included) between them.

    Defaults: 2 x (1,000 + 9,000) + (100 + 100) = 20,200 ms. The function refuses to start when this is over
    :data:`MAX_BUDGET_MS`; the construct refuses settings for which it is over its integration timeout less
    :data:`HANDLER_MARGIN_MS`. Integer arguments give an integer result.
    """
    backoff = sum(backoff_ms(retry) + BACKOFF_JITTER_MS for retry in range(attempts - 1))
    return attempts * (connect_ms + read_ms) + backoff


# --------------------------------------------------------------------------
# Environment variables the function reads, with their defaults
# --------------------------------------------------------------------------
#: The SageMaker endpoint to invoke (required).
ENV_ENDPOINT_NAME: Final = "ENDPOINT_NAME"
#: Comma-separated production variant names; a request pinned to another variant is a 404. Default: unset.
ENV_VARIANT_NAMES: Final = "VARIANT_NAMES"
#: Comma-separated ``name=InferenceComponentName`` pairs: the inference components ``POST /models/{name}/invocations``
#: reaches (``name`` is what callers write, the value SageMaker's name). Any other name is a 404 before SageMaker is
#: called. When set, the endpoint hosts inference components, so every call must name one: ``POST /invocations`` and
#: ``POST /variants/{variant}/invocations`` answer 404 with the way to call. Default: unset (no component route).
ENV_INFERENCE_COMPONENTS: Final = "INFERENCE_COMPONENTS"
#: ``Retry-After`` of the 503 answered while a component scaled to zero starts its first copy (a cold start takes
#: minutes: the wake alarm's one-minute period, then a copy, perhaps an instance).
SCALED_TO_ZERO_RETRY_AFTER_SECONDS: Final = 60
#: Largest decoded request body, 1 to :data:`MAX_BODY_BYTES`. Default :data:`MAX_BODY_BYTES`.
ENV_MAX_BODY_BYTES: Final = "MAX_BODY_BYTES"
#: Comma-separated accepted request media types (``type/*`` allowed). Default :data:`DEFAULT_ALLOWED_CONTENT_TYPES`.
ENV_ALLOWED_CONTENT_TYPES: Final = "ALLOWED_CONTENT_TYPES"
DEFAULT_ALLOWED_CONTENT_TYPES: Final = (
    "application/json",
    "text/csv",
    "application/x-npy",
    "application/octet-stream",
    "image/jpeg",
    "image/png",
)
#: Seconds (a decimal number). Default :data:`DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS` / 1000.
ENV_SAGEMAKER_CONNECT_TIMEOUT: Final = "SAGEMAKER_CONNECT_TIMEOUT"
#: Seconds (a decimal number). Default :data:`DEFAULT_SAGEMAKER_READ_TIMEOUT_MS` / 1000.
ENV_SAGEMAKER_READ_TIMEOUT: Final = "SAGEMAKER_READ_TIMEOUT"
#: Attempts per call in all. Default :data:`DEFAULT_SAGEMAKER_MAX_ATTEMPTS`.
ENV_SAGEMAKER_MAX_ATTEMPTS: Final = "SAGEMAKER_MAX_ATTEMPTS"
#: How long ``GET /health`` reuses a ``DescribeEndpoint`` answer, seconds; 0 disables.
ENV_HEALTH_CACHE_SECONDS: Final = "HEALTH_CACHE_SECONDS"
DEFAULT_HEALTH_CACHE_SECONDS: Final = 5.0
MAX_HEALTH_CACHE_SECONDS: Final = 3_600.0
#: Comma-separated origins (or ``*``) whose requests get ``Access-Control-Allow-Origin``. Default: unset.
ENV_CORS_ALLOWED_ORIGINS: Final = "CORS_ALLOWED_ORIGINS"
#: The REST API's binary media types; when set, a binary answer needs a matching first ``Accept``. Default: unset.
ENV_BINARY_MEDIA_TYPES: Final = "BINARY_MEDIA_TYPES"
#: Powertools' own settings: the Logger's ``service`` and the metrics' ``service`` dimension ...
ENV_POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
DEFAULT_SERVICE_NAME: Final = "front-door"
#: ... the CloudWatch metrics namespace ...
ENV_POWERTOOLS_METRICS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_METRICS_NAMESPACE: Final = "SageMakerServing"
#: ... and the Logger's level.
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"
DEFAULT_LOG_LEVEL: Final = "INFO"
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")


# --------------------------------------------------------------------------
# Asynchronous inference (an endpoint config with AsyncInferenceConfig)
# --------------------------------------------------------------------------
#: What the function serves: ``real-time`` (``POST /invocations`` ...) or ``async`` (``POST /async-invocations``,
#: ``GET /async-invocations/{id}``). An asynchronous endpoint "can only receive asynchronous invocations".
ENV_INVOCATION_MODE: Final = "INVOCATION_MODE"
INVOCATION_MODES: Final = ("real-time", "async")
DEFAULT_INVOCATION_MODE: Final = "real-time"
#: The bucket of the asynchronous requests and results (required in ``async`` mode).
ENV_ASYNC_BUCKET: Final = "ASYNC_BUCKET"
#: Where request bodies are stored (``InputLocation``), a key prefix ending in ``/``.
ENV_ASYNC_INPUT_PREFIX: Final = "ASYNC_INPUT_PREFIX"
DEFAULT_ASYNC_INPUT_PREFIX: Final = "input/"
#: Where SageMaker writes results and failures (the endpoint config's ``S3OutputPath`` and ``S3FailurePath``).
#: The function reads them where ``InvokeEndpointAsync`` said they would be, so it needs no setting for them.
DEFAULT_ASYNC_OUTPUT_PREFIX: Final = "output/"
DEFAULT_ASYNC_FAILURE_PREFIX: Final = "failure/"
#: Where the function keeps one small JSON record per request (``<prefix><inference id>.json``): the
#: ``OutputLocation`` and ``FailureLocation`` ``InvokeEndpointAsync`` answered, which ``GET`` reads back.
ASYNC_REQUESTS_PREFIX: Final = "requests/"
#: ``InvocationTimeoutSeconds`` of every ``InvokeEndpointAsync``: 1 to 3,600 s, SageMaker's default 900 s.
ENV_ASYNC_INVOCATION_TIMEOUT_SECONDS: Final = "ASYNC_INVOCATION_TIMEOUT_SECONDS"
MIN_ASYNC_INVOCATION_TIMEOUT_SECONDS: Final = 1
MAX_ASYNC_INVOCATION_TIMEOUT_SECONDS: Final = 3_600
DEFAULT_ASYNC_INVOCATION_TIMEOUT_SECONDS: Final = 900
#: ``RequestTTLSeconds``: how long a request may wait in the queue, 60 to 21,600 s, SageMaker's default 21,600 s.
ENV_ASYNC_REQUEST_TTL_SECONDS: Final = "ASYNC_REQUEST_TTL_SECONDS"
MIN_ASYNC_REQUEST_TTL_SECONDS: Final = 60
MAX_ASYNC_REQUEST_TTL_SECONDS: Final = 21_600
DEFAULT_ASYNC_REQUEST_TTL_SECONDS: Final = 21_600
#: SageMaker's own limit on an asynchronous request's payload ("large payload sizes (up to 1GB)"); the front door
#: takes at most :data:`MAX_BODY_BYTES` of it through Lambda, larger ones go to the input prefix directly.
ASYNC_MAX_PAYLOAD_BYTES: Final = 1_000_000_000
#: ``Retry-After`` of a ``202`` (accepted or still in progress), seconds.
ASYNC_RETRY_AFTER_SECONDS: Final = 10
