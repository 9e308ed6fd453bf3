"""The contract every front-door integration fulfils: ``validate()`` its own settings, ``bind()`` to a front door.

As aws-cdk's ``aws-apigateway`` integrations do (``LambdaIntegration``, ``SagemakerIntegration``), an
integration is an object: the front door calls :meth:`FrontDoorIntegration.bind` once and adds its three
methods with the :class:`IntegrationBinding` it gets, without asking which kind of integration it is.
Each integration owns its settings, so a setting that makes no sense for it cannot be given (the direct
integration has no memory size). A new integration is one new module.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sagemaker_serving.front_door.runtime_contract import contract

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aws_cdk as cdk
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs

    from sagemaker_serving.front_door.front_door import FrontDoor


@dataclass(frozen=True, kw_only=True)
class IntegrationBinding:
    """What an integration gives the front door's three methods, and the resources it created."""

    #: ``POST /invocations``.
    invoke: apigateway.Integration
    #: ``POST /variants/{variant}/invocations``.
    invoke_variant: apigateway.Integration
    #: ``GET /health``.
    health: apigateway.Integration
    #: Method responses of the two POST methods. Default ``None``: none declared (a proxy integration).
    invoke_method_responses: tuple[apigateway.MethodResponse, ...] | None = None
    #: Method responses of ``GET /health``. Default ``None``.
    health_method_responses: tuple[apigateway.MethodResponse, ...] | None = None
    #: Request parameters of the two POST methods beyond ``Content-Type`` (required) and ``Accept``.
    extra_request_parameters: Mapping[str, bool] = field(default_factory=dict)
    #: Created resources, exposed as front-door attributes (``None`` when this integration has none).
    function: lambda_.Function | None = None
    function_log_group: logs.LogGroup | None = None
    integration_role: iam.Role | None = None


class FrontDoorIntegration(abc.ABC):
    """How the front door reaches the model: :class:`~sagemaker_serving.LambdaIntegration` (the default) or
    :class:`~sagemaker_serving.DirectIntegration`."""

    def validate(self, front_door: FrontDoor) -> list[str]:
        """Problems with this integration's own settings, each naming the field (``integration.<field>``), the
        value and what is allowed; empty when valid. Called before anything is created."""
        return []

    @abc.abstractmethod
    def bind(self, front_door: FrontDoor) -> IntegrationBinding:
        """Create what this integration needs (as children of ``front_door``) and return the three method
        integrations. Called once, after the API, its stage and its auth exist and before its methods."""


def timeout_problems(timeout: cdk.Duration) -> list[str]:
    """An integration timeout must be from 1 s to API Gateway's REST limit (29 s)."""
    timeout_ms = timeout.to_milliseconds()
    if not 1_000 <= timeout_ms <= contract.MAX_INTEGRATION_TIMEOUT_MS:
        return [
            f"integration.timeout: {timeout_ms} ms is not allowed; must be from 1000 to "
            f"{contract.MAX_INTEGRATION_TIMEOUT_MS} ms (API Gateway's REST integration limit)"
        ]
    return []
