"""A Cognito user-pool authorizer (``Authorization: <ID or access token>``).

Imported only by apps that use it: ``aws_cdk.aws_cognito`` costs synth time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam

from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth

if TYPE_CHECKING:
    from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions
    from sagemaker_serving.front_door.front_door import FrontDoor

#: An OAuth 2.0 scope token (RFC 6749 section 3.3: printable ASCII but space, '"' and '\').
_SCOPE = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")


@dataclass(frozen=True, kw_only=True)
class CognitoAuth(FrontDoorAuth):
    """A Cognito user-pool authorizer (``COGNITO_USER_POOLS``): callers send an ID or access token.

    With ``usage_plan``, callers also send an API key (``x-api-key``) from a usage plan with its own
    per-key throttle and quota.
    """

    #: The user pool. Default: a new one (no self sign-up, email sign-in, strong passwords) with an app client.
    user_pool: cognito.IUserPool | None = None
    #: OAuth scopes a token must carry (access tokens). Default: none (ID tokens accepted).
    authorization_scopes: tuple[str, ...] = ()
    #: A usage plan and API key on top of the token. Default: none.
    usage_plan: UsagePlanOptions | None = None

    def validate(self, front_door: FrontDoor) -> list[str]:
        """Scopes must be OAuth scope tokens; the usage plan's values are checked."""
        problems = [
            f"auth.authorization_scopes: {scope!r} is not allowed; expected an OAuth scope"
            for scope in self.authorization_scopes
            if not isinstance(scope, str) or not _SCOPE.match(scope)
        ]
        if self.usage_plan is not None:
            problems += self.usage_plan.validate("auth.usage_plan")
        return problems

    def bind(self, front_door: FrontDoor) -> AuthBinding:
        """The user pool (created when none is given, ``UserPool``), the authorizer (``Authorizer``) and the
        usage plan and key, if any."""
        pool, client = (self.user_pool, None) if self.user_pool is not None else _user_pool(front_door)
        authorizer = apigateway.CognitoUserPoolsAuthorizer(front_door, "Authorizer", cognito_user_pools=[pool])
        usage_plan, api_key = self.usage_plan.bind(front_door) if self.usage_plan is not None else (None, None)
        return AuthBinding(
            authorization_type=apigateway.AuthorizationType.COGNITO,
            resource_policy_principal=iam.AnyPrincipal(),
            authorizer=authorizer,
            authorization_scopes=tuple(self.authorization_scopes),
            api_key_required=self.usage_plan is not None,
            user_pool=pool,
            user_pool_client=client,
            usage_plan=usage_plan,
            api_key=api_key,
        )


def _user_pool(front_door: FrontDoor) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
    pool = cognito.UserPool(
        front_door,
        "UserPool",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        mfa=cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        password_policy=cognito.PasswordPolicy(
            min_length=12, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
        ),
    )
    client = pool.add_client(
        "Client",
        auth_flows=cognito.AuthFlow(user_srp=True),
        generate_secret=False,
        prevent_user_existence_errors=True,
    )
    return pool, client
