"""API Gateway → SageMaker AWS integrations with no Lambda in between (the front door's ``direct`` mode).

API Gateway signs the calls itself with a role that may call ``sagemaker:InvokeEndpoint`` (and
``sagemaker:DescribeEndpoint`` for ``GET /health``) on one endpoint only. Errors are mapped in API
Gateway: integration responses are chosen by the SageMaker HTTP status (for AWS integrations the
``selectionPattern`` is matched against the status code) and their mapping templates produce the same
JSON error body as the Lambda handler::

    {"error": {"code": "...", "message": "..."}, "requestId": "..."}

Patterns are disjoint, so which one API Gateway tries first never matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagemaker_serving.endpoint import EndpointBase
from sagemaker_serving.front_door.runtime_contract import SERVING_STATUSES

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
    "#if(" + " && ".join(f'"$status" != "{s}"' for s in SERVING_STATUSES) + ")\n"
    "#set($context.responseOverride.status = 503)\n"
    "#end\n"
    '{"status": "$status", "requestId": "$context.requestId"}'
)


@dataclass(frozen=True)
class DirectIntegrations:
    """What :func:`direct_integrations` builds, ready for ``resource.add_method``."""

    role: iam.Role
    invoke: apigateway.AwsIntegration
    invoke_variant: apigateway.AwsIntegration
    health: apigateway.AwsIntegration
    invoke_method_responses: tuple[apigateway.MethodResponse, ...]
    health_method_responses: tuple[apigateway.MethodResponse, ...]


def error_template(code: str, message: str) -> str:
    """The front door's JSON error body for a fixed code and message."""
    return ERROR_TEMPLATE % (code, message)


def direct_integrations(
    scope: Construct, *, endpoint: EndpointBase, timeout: cdk.Duration, cors_origin: str | None = None
) -> DirectIntegrations:
    """Integrations for ``POST /invocations``, ``POST /variants/{variant}/invocations`` and ``GET /health``.

    ``cors_origin``: a static ``Access-Control-Allow-Origin`` on every answer (one origin or ``*``).
    """
    cors = {_ALLOW_ORIGIN: f"'{cors_origin}'"} if cors_origin else {}
    role = iam.Role(
        scope,
        "IntegrationRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="API Gateway calls one SageMaker endpoint (invoke + describe)",
    )
    endpoint.grant_invoke(role)
    endpoint.grant_describe(role)

    responses = [
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

    def invoke(variant: bool) -> apigateway.AwsIntegration:
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

    health = apigateway.AwsIntegration(
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
    statuses = ["200", *dict.fromkeys(status for _, status, _, _ in RUNTIME_ERRORS)]
    declared = dict.fromkeys(cors, True)
    invoke_method_responses = tuple(
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
    health_method_responses = tuple(
        apigateway.MethodResponse(status_code=status, response_parameters={_CONTENT_TYPE: True, **declared})
        for status in ("200", "503")
    )
    return DirectIntegrations(
        role=role,
        invoke=invoke(variant=False),
        invoke_variant=invoke(variant=True),
        health=health,
        invoke_method_responses=invoke_method_responses,
        health_method_responses=health_method_responses,
    )
