"""The front door's methods: which routes exist, each with the auth, validator and integration it gets.

A real-time endpoint gets ``POST /invocations``, ``POST /variants/{variant}/invocations`` and ``GET /health``;
an asynchronous one ``POST /async-invocations``, ``GET /async-invocations/{inference_id}`` and ``GET /health``
(:mod:`sagemaker_serving.front_door.async_routes`). Every method gets the same auth and request validator.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigateway

from sagemaker_serving.front_door.auth.base import AuthBinding
from sagemaker_serving.front_door.integrations.base import IntegrationBinding


@dataclass(frozen=True)
class RouteMethods:
    """The methods :func:`add_routes` created (``None``: not a route of this kind of endpoint)."""

    health: apigateway.Method
    invocations: apigateway.Method | None = None
    variant_invocations: apigateway.Method | None = None
    async_invocations: apigateway.Method | None = None
    async_result: apigateway.Method | None = None


def add_routes(
    root: apigateway.IResource,
    validator: apigateway.RequestValidator,
    auth: AuthBinding,
    integration: IntegrationBinding,
    *,
    is_async: bool,
) -> RouteMethods:
    """Add the routes of a real-time (or, ``is_async``, an asynchronous) endpoint under ``root``."""

    def add(
        resource: apigateway.IResource,
        http_method: str,
        target: apigateway.Integration,
        parameters: dict[str, bool] | None,
        responses: tuple[apigateway.MethodResponse, ...] | None,
    ) -> apigateway.Method:
        return resource.add_method(
            http_method,
            target,
            request_parameters=parameters,
            request_validator=validator,
            method_responses=list(responses) if responses is not None else None,
            authorization_type=auth.authorization_type,
            authorizer=auth.authorizer,
            authorization_scopes=list(auth.authorization_scopes) or None,
            api_key_required=True if auth.api_key_required else None,
        )

    post = {
        "method.request.header.Content-Type": True,
        "method.request.header.Accept": False,
        **integration.extra_request_parameters,
    }
    if is_async:
        from sagemaker_serving.front_door.async_routes import add_async_methods

        submit, result = add_async_methods(root, integration.invoke, add, post)
        health = add(root.add_resource("health"), "GET", integration.health, None, integration.health_method_responses)
        return RouteMethods(health=health, async_invocations=submit, async_result=result)
    invocations = add(
        root.add_resource("invocations"), "POST", integration.invoke, post, integration.invoke_method_responses
    )
    variant = root.add_resource("variants").add_resource("{variant}").add_resource("invocations")
    variant_invocations = add(
        variant,
        "POST",
        integration.invoke_variant,
        {**post, "method.request.path.variant": True},
        integration.invoke_method_responses,
    )
    health = add(root.add_resource("health"), "GET", integration.health, None, integration.health_method_responses)
    return RouteMethods(health=health, invocations=invocations, variant_invocations=variant_invocations)
