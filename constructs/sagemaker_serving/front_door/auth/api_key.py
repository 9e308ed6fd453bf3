"""An API key alone (``x-api-key``), in a usage plan: metering and throttling, not strong authentication."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth, MethodAcknowledgement
from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions

if TYPE_CHECKING:
    from sagemaker_serving.front_door.front_door import FrontDoor

#: The usage-plan guide's best practices, which advise against API keys as the only access control.
USAGE_PLAN_BEST_PRACTICES = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html"
    "#apigateway-usage-plans-best-practices"
)
#: The ID of the warning :class:`ApiKeyAuth` adds; ``cdk.Annotations.of(front_door).acknowledge_warning(...)``
#: with this ID silences it where a key alone is a deliberate choice.
API_KEY_ALONE_WARNING = "sagemaker_serving:front-door-api-key-alone"


@dataclass(frozen=True, kw_only=True)
class ApiKeyAuth(FrontDoorAuth):
    """An API key (``x-api-key`` header) in a usage plan with its own throttle and quota, and nothing else.

    API keys identify callers for metering; they are not a strong authentication mechanism. AWS's
    usage-plan guide says not to use API keys for authentication or authorization to control access to
    an API, and to use IAM, a Lambda authorizer or a Cognito user pool instead
    (:data:`USAGE_PLAN_BEST_PRACTICES`). So this auth adds a CDK warning (ID
    :data:`API_KEY_ALONE_WARNING`) saying so: prefer ``IamAuth(usage_plan=UsagePlanOptions(...))`` or
    ``CognitoAuth(usage_plan=...)``, which require the key *and* a signature or token. Acknowledge the
    warning (``cdk.Annotations.of(front_door).acknowledge_warning(API_KEY_ALONE_WARNING, reason)``) where a
    key alone is on purpose, as :class:`NoAuth` needs its acknowledgement.
    """

    #: Throttle and quota per key. Default: :class:`UsagePlanOptions` defaults (10 rps, burst 20, 10 000 a day).
    usage_plan: UsagePlanOptions = field(default_factory=UsagePlanOptions)

    def validate(self, front_door: FrontDoor) -> list[str]:
        """The usage plan is required (a key outside any usage plan is refused by API Gateway) and checked."""
        if not isinstance(self.usage_plan, UsagePlanOptions):
            return [
                f"auth.usage_plan: {self.usage_plan!r} is not allowed; ApiKeyAuth needs UsagePlanOptions "
                "(API Gateway accepts a key only through a usage plan of the stage)"
            ]
        return self.usage_plan.validate("auth.usage_plan")

    def bind(self, front_door: FrontDoor) -> AuthBinding:
        """``NONE`` + ``ApiKeyRequired`` on every method, the usage plan and key, and the warning."""
        cdk.Annotations.of(front_door).add_warning_v2(
            API_KEY_ALONE_WARNING,
            "ApiKeyAuth: the front door's methods accept an API key alone. AWS's usage-plan guide says not to use "
            f"API keys for authentication or authorization to control access to your APIs ({USAGE_PLAN_BEST_PRACTICES})"
            ": pair the key with IamAuth(usage_plan=UsagePlanOptions(...)) or CognitoAuth(usage_plan=...), or "
            "acknowledge this warning if a key alone is deliberate.",
        )
        usage_plan, api_key = self.usage_plan.bind(front_door)
        return AuthBinding(
            authorization_type=apigateway.AuthorizationType.NONE,
            resource_policy_principal=iam.AnyPrincipal(),
            api_key_required=True,
            usage_plan=usage_plan,
            api_key=api_key,
            method_acknowledgements=(
                MethodAcknowledgement(
                    ("AwsSolutions-COG4",),
                    "Authorization is ApiKeyAuth, not a Cognito user pool: chosen in the front door's configuration "
                    "(auth).",
                ),
                MethodAcknowledgement(
                    ("AwsSolutions-APIG4",),
                    "API key auth: callers are identified by their key in a usage plan with its own throttle and "
                    "quota (partner testing); no IAM or Cognito authorizer by configuration.",
                ),
            ),
        )
