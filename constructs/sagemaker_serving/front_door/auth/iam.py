"""IAM (SigV4) authorization: the front door's default auth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth, MethodAcknowledgement

if TYPE_CHECKING:
    from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions
    from sagemaker_serving.front_door.front_door import FrontDoor


@dataclass(frozen=True, kw_only=True)
class IamAuth(FrontDoorAuth):
    """SigV4 (``AWS_IAM``): callers sign their requests and need ``execute-api:Invoke`` on the API's methods
    (:meth:`FrontDoor.grant_invoke <sagemaker_serving.FrontDoor.grant_invoke>` grants exactly that). The
    default.

    With ``usage_plan``, callers also send an API key (``x-api-key``) from a usage plan with its own
    per-key throttle and quota.
    """

    #: A usage plan and API key on top of IAM. Default: none.
    usage_plan: UsagePlanOptions | None = None

    def validate(self, front_door: FrontDoor) -> list[str]:
        """Problems with the usage plan's values, if there is one."""
        return self.usage_plan.validate("auth.usage_plan") if self.usage_plan is not None else []

    def bind(self, front_door: FrontDoor) -> AuthBinding:
        """``AWS_IAM`` on every method; the usage plan and key, if any."""
        usage_plan, api_key = self.usage_plan.bind(front_door) if self.usage_plan is not None else (None, None)
        return AuthBinding(
            authorization_type=apigateway.AuthorizationType.IAM,
            resource_policy_principal=iam.AccountRootPrincipal(),
            api_key_required=self.usage_plan is not None,
            usage_plan=usage_plan,
            api_key=api_key,
            method_acknowledgements=(
                MethodAcknowledgement(
                    ("AwsSolutions-COG4",),
                    "Authorization is IamAuth, not a Cognito user pool: callers sign requests with SigV4 and need "
                    "execute-api:Invoke on this API.",
                ),
            ),
        )
