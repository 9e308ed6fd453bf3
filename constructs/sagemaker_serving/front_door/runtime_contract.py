"""Values the front-door construct shares with its Lambda handler (``lambda/front_door/handler.py``).

Every number or name both sides must agree on lives here and nowhere else in the construct: the
environment variables the function gets, the body-size limits, the retry back-off and the time budget
the handler's SageMaker call must fit in. The handler has its own copy (it depends only on what the
Lambda runtime and the Powertools layer provide); tests load the real handler with the settings a stack
gives it and check both sides agree.
"""

from __future__ import annotations

from typing import Final

# --- environment variables the function gets ----------------------------------------------------

ENV_ENDPOINT_NAME: Final = "ENDPOINT_NAME"
#: Comma-separated variant names reachable on ``/variants/{variant}``.
ENV_VARIANT_NAMES: Final = "VARIANT_NAMES"
ENV_MAX_BODY_BYTES: Final = "MAX_BODY_BYTES"
#: Comma-separated request content types the handler accepts.
ENV_ALLOWED_CONTENT_TYPES: Final = "ALLOWED_CONTENT_TYPES"
#: Seconds, may be fractional (``1.5``).
ENV_SAGEMAKER_CONNECT_TIMEOUT: Final = "SAGEMAKER_CONNECT_TIMEOUT"
#: Seconds, may be fractional.
ENV_SAGEMAKER_READ_TIMEOUT: Final = "SAGEMAKER_READ_TIMEOUT"
#: Total attempts per ``InvokeEndpoint``.
ENV_SAGEMAKER_MAX_ATTEMPTS: Final = "SAGEMAKER_MAX_ATTEMPTS"
#: The API's binary media types (comma-separated), for the handler's 406 on a non-binary ``Accept``.
ENV_BINARY_MEDIA_TYPES: Final = "BINARY_MEDIA_TYPES"
#: Comma-separated CORS origins; only set when the API has CORS.
ENV_CORS_ALLOWED_ORIGINS: Final = "CORS_ALLOWED_ORIGINS"
ENV_POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_METRICS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"

# --- body size ----------------------------------------------------------------------------------

#: Lambda's synchronous invocation payload limit (6 MB), for the whole event JSON.
LAMBDA_PAYLOAD_LIMIT_BYTES: Final = 6_291_456
#: Room left in the event for everything but the body (headers, request context ...).
EVENT_ENVELOPE_BYTES: Final = 262_144
#: Default and maximum ``max_body_bytes`` of the Lambda integration: binary bodies reach the function
#: base64 (4/3 larger) inside the event, so (6 291 456 − 262 144) × 3 // 4 = 4 521 984 bytes.
MAX_BODY_BYTES: Final = (LAMBDA_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_BYTES) * 3 // 4
#: ... and 4 MiB for a serverless endpoint (SageMaker Serverless Inference's 4 MB payload limit).
SERVERLESS_MAX_BODY_BYTES: Final = 4 * 1024 * 1024

# --- time budget --------------------------------------------------------------------------------

#: API Gateway's default maximum integration timeout for REST APIs (the handler's
#: ``API_GATEWAY_TIMEOUT_SECONDS``).
MAX_INTEGRATION_TIMEOUT_MS: Final = 29_000
#: Time reserved in the Lambda for everything but the SageMaker call (parsing, logging, response).
HANDLER_MARGIN_MS: Final = 2_000
#: The handler's own retries (botocore's are off): retry i (0-based) sleeps min(100 ms × 2**i, 1 s)
#: plus up to 100 ms of jitter; only throttling, 503s and failed connections are retried.
BACKOFF_BASE_MS: Final = 100
BACKOFF_CAP_MS: Final = 1_000
BACKOFF_JITTER_MS: Final = 100

#: ``EndpointStatus`` values while the endpoint still serves traffic: ``GET /health`` answers 200 for
#: these, 503 otherwise (the handler's ``SERVING_STATUSES``; the direct integration's health template).
SERVING_STATUSES: Final = ("InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed")


def client_budget_ms(*, connect_ms: float, read_ms: float, attempts: int) -> float:
    """Worst-case time of one ``InvokeEndpoint`` call: every attempt times out, plus the largest back-offs.

    The handler retries by hand (botocore's retries are off) and waits at most
    ``min(100 ms × 2**n, 1 s) + 100 ms`` of jitter before retry ``n`` (0-based). The handler
    (``lambda/front_door``) computes the same budget (``worst_case_budget``) and refuses to start when
    it exceeds the API Gateway limit minus :data:`HANDLER_MARGIN_MS`.
    """
    backoff = sum(min(BACKOFF_BASE_MS * (1 << n), BACKOFF_CAP_MS) + BACKOFF_JITTER_MS for n in range(attempts - 1))
    return attempts * (connect_ms + read_ms) + backoff
