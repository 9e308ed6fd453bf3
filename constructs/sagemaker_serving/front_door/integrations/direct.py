"""API Gateway → SageMaker AWS integrations with no Lambda in between: :class:`DirectIntegration`.

Lowest latency: API Gateway signs the calls itself with a role that may call ``sagemaker:InvokeEndpoint`` (and
``sagemaker:DescribeEndpoint`` for ``GET /health``) on one endpoint only. Errors are mapped in API
Gateway: integration responses are chosen by the SageMaker HTTP status (for AWS integrations the
``selectionPattern`` is matched against the status code) and their mapping templates produce the same
JSON error body as the Lambda handler::

    {"error": {"code": "...", "message": "..."}, "requestId": "..."}

Patterns are disjoint, so which one API Gateway tries first never matters. Imported only by apps that
use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration, IntegrationBinding, timeout_problems
from sagemaker_serving.front_door.runtime_contract import contract

if TYPE_CHECKING:
    from sagemaker_serving.endpoint import EndpointBase
    from sagemaker_serving.front_door.front_door import FrontDoor

#: The JSON error body every front-door error has, in both modes (``%s``: code, then message).
ERROR_TEMPLATE = '{"error": {"code": "%s", "message": "%s"}, "requestId": "$context.requestId"}'

#: SageMaker runtime status → (selection pattern, front-door status, error code, message).
#: 2xx falls through to the default (pattern-less) 200 response, which passes the model's body through.
RUNTIME_ERRORS: tuple[tuple[str, str, str, str], ...] = (
    ("400", "400", "BadRequest", "The model endpoint rejected the request (ValidationError)."),
    ("413", "413", "PayloadTooLarge", "The request body is too large for the model endpoint."),
    ("424", "424", "ModelError", "The model returned an error."),
    ("429", "429", "TooManyRequests", "The model is not ready or is throttling requests; retry later."),
    ("503", "503", "ServiceUnavailable", "The model endpoint is unavailable; retry later."),
    # Every other 4xx (401/403: the integration role is wrong, 404 ...) and 5xx (500, 530 ...).
    (r"4(0[1-9]|1[0-24-9]|2[0-35-8]|[3-9]\d)|5(0[0-24-9]|[1-9]\d)", "500", "InternalError", "The model call failed."),
)

_JSON = "'application/json'"
_CONTENT_TYPE = "method.response.header.Content-Type"
#: The same response header name as the Lambda handler's.
_INVOKED_VARIANT = "method.response.header.X-Invoked-Production-Variant"
_CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
_ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"

_HEALTH_TEMPLATE = (
    "#set($status = $input.path('$.EndpointStatus'))\n"
    "#if(" + " && ".join(f'"$status" != "{s}"' for s in contract.SERVING_STATUSES) + ")\n"
    "#set($context.responseOverride.status = 503)\n"
    "#end\n"
    '{"status": "$status", "requestId": "$context.requestId"}'
)
#: SageMaker's ``InvokeEndpoint`` limit (6 MB) applies to bodies; API Gateway's own is 10 MB.
DIRECT_MAX_BODY_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class DirectIntegration(FrontDoorIntegration):
    """API Gateway calls the SageMaker runtime itself (AWS integrations), with no Lambda function.

    Lowest latency and nothing to run, at the cost of the Lambda handler's checks: no content-type or
    body-size checks of its own (SageMaker's 6 MB ``InvokeEndpoint`` limit → 413), no retries, coarser
    error codes, an unknown variant is SageMaker's 400, and binary answers without a binary ``Accept``
    come back as base64 text. CORS takes a single origin (or ``*``), sent statically on every answer.
    """

    #: API Gateway's integration timeout. Default and maximum 29 s.
    timeout: cdk.Duration = field(default_factory=lambda: cdk.Duration.millis(contract.MAX_INTEGRATION_TIMEOUT_MS))

    def validate(self, front_door: FrontDoor) -> list[str]:
        """The timeout's range, at most one CORS origin (a static header cannot echo the caller's), and a
        real-time endpoint."""
        problems = timeout_problems(self.timeout)
        if front_door.async_inference is not None:
            problems.append(
                "integration: DirectIntegration is not allowed for an asynchronous endpoint; InvokeEndpointAsync "
                "reads the request body from S3, which API Gateway cannot write in the same call: use "
                "LambdaIntegration, whose function stores the body and answers the result routes"
            )
        if len(front_door.cors_allowed_origins) > 1:
            problems.append(
                f"cors_allowed_origins: {list(front_door.cors_allowed_origins)!r} is not allowed with "
                "DirectIntegration; it can only send one static Access-Control-Allow-Origin: give one origin (or "
                "'*'), or use LambdaIntegration, whose handler echoes whichever listed origin asked"
            )
        return problems

    def bind(self, front_door: FrontDoor) -> IntegrationBinding:
        """The integration role (``IntegrationRole``) and the three AWS integrations."""
        origins = front_door.cors_allowed_origins
        return _direct_integrations(
            front_door, endpoint=front_door.endpoint, timeout=self.timeout, cors_origin=origins[0] if origins else None
        )


def error_template(code: str, message: str) -> str:
    """The front door's JSON error body for a fixed code and message."""
    return ERROR_TEMPLATE % (code, message)


def _direct_integrations(
    front_door: FrontDoor, *, endpoint: EndpointBase, timeout: cdk.Duration, cors_origin: str | None
) -> IntegrationBinding:
    """Integrations for ``POST /invocations``, ``POST /variants/{variant}/invocations`` and ``GET /health``.

    ``cors_origin``: a static ``Access-Control-Allow-Origin`` on every answer (one origin or ``*``).
    """
    cors = {_ALLOW_ORIGIN: f"'{cors_origin}'"} if cors_origin else {}
    role = iam.Role(
        front_door,
        "IntegrationRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="API Gateway calls one SageMaker endpoint (invoke + describe)",
    )
    endpoint.grant_invoke(role)
    endpoint.grant_describe(role)
    responses = _invoke_responses(cors)
    invoke_method_responses, health_method_responses = _method_responses(cors)
    return IntegrationBinding(
        invoke=_invoke(endpoint, role, timeout, responses, variant=False),
        invoke_variant=_invoke(endpoint, role, timeout, responses, variant=True),
        health=_health(endpoint, role, timeout, cors),
        invoke_method_responses=invoke_method_responses,
        health_method_responses=health_method_responses,
        # Mapped to SageMaker's header; a Lambda proxy sees every header anyway.
        extra_request_parameters={f"method.request.header.{_CUSTOM_ATTRIBUTES}": False},
        integration_role=role,
    )


def _invoke_responses(cors: dict[str, str]) -> list[apigateway.IntegrationResponse]:
    """200 passes the model's answer through; each SageMaker error status gets the JSON error body."""
    return [
        apigateway.IntegrationResponse(
            status_code="200",
            response_parameters={
                _CONTENT_TYPE: "integration.response.header.Content-Type",
                _INVOKED_VARIANT: "integration.response.header.X-Amzn-Invoked-Production-Variant",
                f"method.response.header.{_CUSTOM_ATTRIBUTES}": f"integration.response.header.{_CUSTOM_ATTRIBUTES}",
                **cors,
            },
        ),
        *(
            apigateway.IntegrationResponse(
                status_code=status,
                selection_pattern=pattern,
                response_parameters={_CONTENT_TYPE: _JSON, **cors},
                response_templates={"application/json": error_template(code, message)},
            )
            for pattern, status, code, message in RUNTIME_ERRORS
        ),
    ]


def _invoke(
    endpoint: EndpointBase,
    role: iam.Role,
    timeout: cdk.Duration,
    responses: list[apigateway.IntegrationResponse],
    *,
    variant: bool,
) -> apigateway.AwsIntegration:
    parameters = {
        "integration.request.header.Content-Type": "method.request.header.Content-Type",
        "integration.request.header.Accept": "method.request.header.Accept",
        f"integration.request.header.{_CUSTOM_ATTRIBUTES}": f"method.request.header.{_CUSTOM_ATTRIBUTES}",
    }
    if variant:
        parameters["integration.request.header.X-Amzn-SageMaker-Target-Variant"] = "method.request.path.variant"
    return apigateway.AwsIntegration(
        service="runtime.sagemaker",
        path=f"endpoints/{endpoint.endpoint_name}/invocations",
        integration_http_method="POST",
        options=apigateway.IntegrationOptions(
            credentials_role=role,
            timeout=timeout,
            # No request template: the body (text or binary) goes to SageMaker untouched.
            passthrough_behavior=apigateway.PassthroughBehavior.WHEN_NO_TEMPLATES,
            request_parameters=parameters,
            integration_responses=responses,
        ),
    )


def _health(
    endpoint: EndpointBase, role: iam.Role, timeout: cdk.Duration, cors: dict[str, str]
) -> apigateway.AwsIntegration:
    """``DescribeEndpoint`` through the SageMaker API (action + explicit ``X-Amz-Target``)."""
    return apigateway.AwsIntegration(
        service="sagemaker",
        subdomain="api",
        action="DescribeEndpoint",
        integration_http_method="POST",
        options=apigateway.IntegrationOptions(
            credentials_role=role,
            timeout=timeout,
            passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
            request_parameters={
                "integration.request.header.Content-Type": "'application/x-amz-json-1.1'",
                "integration.request.header.X-Amz-Target": "'SageMaker.DescribeEndpoint'",
            },
            request_templates={"application/json": f'{{"EndpointName": "{endpoint.endpoint_name}"}}'},
            integration_responses=[
                apigateway.IntegrationResponse(
                    status_code="200",
                    response_parameters={_CONTENT_TYPE: _JSON, **cors},
                    response_templates={"application/json": _HEALTH_TEMPLATE},
                ),
                apigateway.IntegrationResponse(
                    status_code="503",
                    selection_pattern=r"[45]\d{2}",
                    response_parameters={_CONTENT_TYPE: _JSON, **cors},
                    response_templates={
                        "application/json": error_template("EndpointUnavailable", "The model endpoint is unavailable.")
                    },
                ),
            ],
        ),
    )


def _method_responses(
    cors: dict[str, str],
) -> tuple[tuple[apigateway.MethodResponse, ...], tuple[apigateway.MethodResponse, ...]]:
    """Method responses of the POST methods and of ``GET /health``: every status their integrations send."""
    statuses = ["200", *dict.fromkeys(status for _, status, _, _ in RUNTIME_ERRORS)]
    declared = dict.fromkeys(cors, True)
    invoke = tuple(
        apigateway.MethodResponse(
            status_code=status,
            response_parameters={
                _CONTENT_TYPE: True,
                **declared,
                **(
                    {_INVOKED_VARIANT: True, f"method.response.header.{_CUSTOM_ATTRIBUTES}": True}
                    if status == "200"
                    else {}
                ),
            },
        )
        for status in statuses
    )
    health = tuple(
        apigateway.MethodResponse(status_code=status, response_parameters={_CONTENT_TYPE: True, **declared})
        for status in ("200", "503")
    )
    return invoke, health
