"""API Gateway's own errors (gateway responses) with the front door's JSON error body."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from aws_cdk import aws_apigateway as apigateway

#: API Gateway's own errors get the same JSON body; ``messageString`` is already a quoted JSON string.
GATEWAY_RESPONSE_TEMPLATE = (
    '{"error": {"code": "%s", "message": $context.error.messageString}, "requestId": "$context.requestId"}'
)
#: Gateway responses (API Gateway's own errors) → error code; they get the same JSON body as the rest.
GATEWAY_RESPONSES = {
    "DEFAULT_4_XX": "ClientError",
    "DEFAULT_5_XX": "InternalError",
    "ACCESS_DENIED": "AccessDenied",
    "UNAUTHORIZED": "Unauthorized",
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationToken",
    "INVALID_SIGNATURE": "InvalidSignature",
    "EXPIRED_TOKEN": "ExpiredToken",
    "INVALID_API_KEY": "InvalidApiKey",
    "THROTTLED": "TooManyRequests",
    "QUOTA_EXCEEDED": "QuotaExceeded",
    "WAF_FILTERED": "Forbidden",
    "BAD_REQUEST_PARAMETERS": "BadRequest",
    "BAD_REQUEST_BODY": "BadRequest",
    "REQUEST_TOO_LARGE": "PayloadTooLarge",
    "UNSUPPORTED_MEDIA_TYPE": "UnsupportedMediaType",
    "RESOURCE_NOT_FOUND": "NotFound",
    "INTEGRATION_TIMEOUT": "Timeout",
    "INTEGRATION_FAILURE": "BadGateway",
}


def add_gateway_responses(api: apigateway.RestApi, cors_allowed_origins: Sequence[str]) -> None:
    """One gateway response per entry of :data:`GATEWAY_RESPONSES`, JSON, with a single CORS origin if any.

    A gateway response can only carry a static value: one origin (or ``*``). With several, the Lambda
    handler echoes the right one on its own answers, but API Gateway's errors carry none.
    """
    headers = {"Content-Type": "'application/json'"}
    if len(cors_allowed_origins) == 1:
        headers["Access-Control-Allow-Origin"] = f"'{cors_allowed_origins[0]}'"
    for name, code in GATEWAY_RESPONSES.items():
        api.add_gateway_response(
            f"GatewayResponse{name.title().replace('_', '')}",
            type=_response_type(name),
            response_headers=headers,
            templates={"application/json": GATEWAY_RESPONSE_TEMPLATE % code},
        )


@functools.cache
def _response_type(name: str) -> apigateway.ResponseType:
    """``apigateway.ResponseType.<name>``, fetched from jsii once per process (each fetch is a round trip)."""
    response_type: apigateway.ResponseType = getattr(apigateway.ResponseType, name)
    return response_type
