"""The front door's route to inference components: ``POST /models/{component}/invocations``.

The method uses the integration's ``invoke`` (the Lambda proxy integration); the function maps the name in
the path to the component's ``InferenceComponentName`` from its ``INFERENCE_COMPONENTS`` variable
(``lambda/front_door/contract.py``), answers 404 for any other name before SageMaker is called, and passes
``InferenceComponentName`` to ``InvokeEndpoint``. The function's role may invoke and describe exactly the
endpoint and its components (:meth:`~sagemaker_serving.Endpoint.grant_invoke`). The direct integration
cannot map names to components (API Gateway's request mapping has no lookup), so it refuses components.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import jsii
from constructs import IValidation

if TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigateway

    from sagemaker_serving.endpoint import EndpointBase
    from sagemaker_serving.front_door.auth.base import AuthBinding
    from sagemaker_serving.front_door.front_door import FrontDoor
    from sagemaker_serving.front_door.integrations.base import IntegrationBinding
    from sagemaker_serving.inference_components.component import InferenceComponent

#: The resource path of the component route.
COMPONENT_PATH = "/models/{component}/invocations"


def endpoint_components(endpoint: EndpointBase) -> tuple[InferenceComponent, ...]:
    """The inference components an :class:`~sagemaker_serving.Endpoint` hosts so far (none for an import)."""
    from sagemaker_serving.endpoint import Endpoint

    return endpoint.inference_components if isinstance(endpoint, Endpoint) else ()


def component_problems(front_door: FrontDoor, components: Sequence[InferenceComponent]) -> list[str]:
    """The components belong to the front door's endpoint, once each, and the integration can reach them."""
    if not components:  # nothing to import for an endpoint without components
        return []
    from sagemaker_serving.front_door.integrations.lambda_function import LambdaIntegration
    from sagemaker_serving.inference_components.component import InferenceComponent

    problems = []
    names: set[str] = set()
    for i, component in enumerate(components):
        if not isinstance(component, InferenceComponent):
            problems.append(f"inference_components[{i}]: {component!r} is not allowed; expected an InferenceComponent")
            continue
        if component.endpoint is not front_door.endpoint:
            problems.append(
                f"inference_components[{i}]: {component.name!r} is hosted on another endpoint, which is not allowed; "
                "give the components of this front door's endpoint"
            )
        if component.name in names:
            problems.append(f"inference_components[{i}]: {component.name!r} is given twice; names must be unique")
        names.add(component.name)
    if components and not isinstance(front_door.integration, LambdaIntegration):
        problems.append(
            f"inference_components: {[getattr(c, 'name', c) for c in components]!r} are not allowed with "
            f"{type(front_door.integration).__name__}; API Gateway cannot map a model name to its inference "
            "component: use LambdaIntegration"
        )
    return problems


def components_csv(components: Sequence[InferenceComponent]) -> str:
    """``name=InferenceComponentName,...``: the function's ``INFERENCE_COMPONENTS``."""
    return ",".join(f"{c.name}={c.inference_component_name}" for c in components)


def add_component_method(
    front_door: FrontDoor, auth: AuthBinding, integration: IntegrationBinding
) -> apigateway.Method:
    """``POST /models/{component}/invocations`` with the same auth, validator and integration as ``/invocations``."""
    resource = front_door.api.root.add_resource("models").add_resource("{component}").add_resource("invocations")
    responses = integration.invoke_method_responses
    return resource.add_method(
        "POST",
        integration.invoke,
        request_parameters={
            "method.request.header.Content-Type": True,
            "method.request.header.Accept": False,
            **integration.extra_request_parameters,
            "method.request.path.component": True,
        },
        request_validator=front_door.request_validator,
        method_responses=list(responses) if responses is not None else None,
        authorization_type=auth.authorization_type,
        authorizer=auth.authorizer,
        authorization_scopes=list(auth.authorization_scopes) or None,
        api_key_required=True if auth.api_key_required else None,
    )


@jsii.implements(IValidation)
class ComponentsAddedLater:
    """At synth, refuses components added to the endpoint after the front door took its list from it: the
    function would not know their names (its role would cover them, the route would answer 404)."""

    def __init__(self, front_door: FrontDoor) -> None:
        self._front_door = front_door

    def validate(self) -> list[str]:
        """The problem, if the endpoint has components the front door does not."""
        known = {c.name for c in self._front_door.inference_components}
        later = [c.name for c in endpoint_components(self._front_door.endpoint) if c.name not in known]
        if not later:
            return []
        return [
            f"inference_components: {later!r} were added to the endpoint after its front door was created, which is "
            "not allowed; create the InferenceComponents first, or pass inference_components= explicitly"
        ]
