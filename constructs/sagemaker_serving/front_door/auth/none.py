"""No authorization at all, only on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth, MethodAcknowledgement

if TYPE_CHECKING:
    from sagemaker_serving.front_door.front_door import FrontDoor


@dataclass(frozen=True, kw_only=True)
class NoAuth(FrontDoorAuth):
    """No authorization at all: anyone who knows the URL can invoke the model.

    Refused unless ``acknowledge_unauthenticated=True`` says this is on purpose.
    """

    #: Must be ``True``: an API open to anyone, on purpose. Default ``False`` (refused).
    acknowledge_unauthenticated: bool = False

    def validate(self, front_door: FrontDoor) -> list[str]:
        """The acknowledgement must be given."""
        if self.acknowledge_unauthenticated is not True:
            return [
                "auth: NoAuth(acknowledge_unauthenticated=False) is not allowed; an API open to anyone needs "
                "NoAuth(acknowledge_unauthenticated=True), otherwise use IamAuth, ApiKeyAuth or CognitoAuth"
            ]
        return []

    def bind(self, front_door: FrontDoor) -> AuthBinding:
        """``NONE`` on every method."""
        return AuthBinding(
            authorization_type=apigateway.AuthorizationType.NONE,
            resource_policy_principal=iam.AnyPrincipal(),
            method_acknowledgements=(
                MethodAcknowledgement(
                    ("AwsSolutions-COG4",),
                    "Authorization is NoAuth, not a Cognito user pool: chosen in the front door's configuration "
                    "(auth).",
                ),
                MethodAcknowledgement(
                    ("AwsSolutions-APIG4",),
                    "Open API on purpose: NoAuth(acknowledge_unauthenticated=True) was set explicitly.",
                ),
            ),
        )
