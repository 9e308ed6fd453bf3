"""The contract every front-door auth fulfils: ``validate()`` its own values, ``bind()`` to a front door.

As aws-cdk's ``aws-apigateway`` authorizers do, an auth is an object: the front door calls
:meth:`FrontDoorAuth.bind` once and applies the :class:`AuthBinding` it gets to its three methods,
without asking which kind of auth it is. A new kind of auth is one new module.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_iam as iam

    from sagemaker_serving.front_door.front_door import FrontDoor


@dataclass(frozen=True)
class MethodAcknowledgement:
    """A cdk-nag finding every method of the front door has with this auth, and why it is acceptable."""

    rule_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, kw_only=True)
class AuthBinding:
    """What an auth gives the front door's methods, its resource policy and its attributes."""

    #: The methods' ``AuthorizationType``.
    authorization_type: apigateway.AuthorizationType
    #: The principal a private API's resource policy allows through its VPC endpoint: this account
    #: when callers are IAM principals (their own policies must still allow ``execute-api:Invoke``),
    #: ``*`` when they are anonymous at the IAM layer (tokens, API keys, nothing).
    resource_policy_principal: iam.IPrincipal
    #: The methods' authorizer (Cognito). Default: none.
    authorizer: apigateway.IAuthorizer | None = None
    #: OAuth scopes a token must carry. Default: none.
    authorization_scopes: tuple[str, ...] = ()
    #: ``ApiKeyRequired`` on the methods (set whenever the auth carries a usage plan). Default ``False``.
    api_key_required: bool = False
    #: Findings of every method that this auth makes acceptable, with the reason.
    method_acknowledgements: tuple[MethodAcknowledgement, ...] = ()
    #: Created or given resources, exposed as front-door attributes.
    user_pool: cognito.IUserPool | None = None
    user_pool_client: cognito.UserPoolClient | None = None
    usage_plan: apigateway.UsagePlan | None = None
    api_key: apigateway.IApiKey | None = None


class FrontDoorAuth(abc.ABC):
    """How the front door's methods are authorised: :class:`~sagemaker_serving.IamAuth` (the default),
    :class:`~sagemaker_serving.CognitoAuth`, :class:`~sagemaker_serving.ApiKeyAuth` or
    :class:`~sagemaker_serving.NoAuth`."""

    def validate(self, front_door: FrontDoor) -> list[str]:
        """Problems with this auth's own values, each naming the field (``auth.<field>``), the value and what
        is allowed; empty when valid. Called before anything is created."""
        return []

    @abc.abstractmethod
    def bind(self, front_door: FrontDoor) -> AuthBinding:
        """Create what this auth needs (as children of ``front_door``) and say how its methods are authorised.

        Called once, after the API and its stage exist and before its methods are added.
        """
