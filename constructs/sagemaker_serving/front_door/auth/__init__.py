"""How the front door's methods are authorised: each auth is an object with a ``bind()``.

Names are imported lazily: an app that never names ``CognitoAuth`` never loads ``aws_cdk.aws_cognito``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "AuthBinding": "base",
    "FrontDoorAuth": "base",
    "MethodAcknowledgement": "base",
    "IamAuth": "iam",
    "CognitoAuth": "cognito",
    "ApiKeyAuth": "api_key",
    "NoAuth": "none",
    "UsagePlanOptions": "usage_plan",
}

__all__ = [
    "ApiKeyAuth",
    "AuthBinding",
    "CognitoAuth",
    "FrontDoorAuth",
    "IamAuth",
    "MethodAcknowledgement",
    "NoAuth",
    "UsagePlanOptions",
]

if TYPE_CHECKING:
    from sagemaker_serving.front_door.auth.api_key import ApiKeyAuth
    from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth, MethodAcknowledgement
    from sagemaker_serving.front_door.auth.cognito import CognitoAuth
    from sagemaker_serving.front_door.auth.iam import IamAuth
    from sagemaker_serving.front_door.auth.none import NoAuth
    from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
