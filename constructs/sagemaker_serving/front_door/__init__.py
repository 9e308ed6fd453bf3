"""The REST front door of a SageMaker endpoint, as composable parts.

:class:`FrontDoor` composes an integration (:class:`LambdaIntegration`, :class:`DirectIntegration`) and an
auth (:class:`IamAuth`, :class:`CognitoAuth`, :class:`ApiKeyAuth`, :class:`NoAuth`, each optionally with
:class:`UsagePlanOptions`), plus :class:`WafOptions` and a private endpoint. Names are imported lazily:
an app pays only for the parts (and aws_cdk modules) it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "FrontDoor": "front_door",
    "DEFAULT_BINARY_MEDIA_TYPES": "front_door",
    "FrontDoorAuth": "auth.base",
    "AuthBinding": "auth.base",
    "MethodAcknowledgement": "auth.base",
    "IamAuth": "auth.iam",
    "CognitoAuth": "auth.cognito",
    "ApiKeyAuth": "auth.api_key",
    "NoAuth": "auth.none",
    "UsagePlanOptions": "auth.usage_plan",
    "FrontDoorIntegration": "integrations.base",
    "IntegrationBinding": "integrations.base",
    "LambdaIntegration": "integrations.lambda_function",
    "DEFAULT_ALLOWED_CONTENT_TYPES": "integrations.lambda_function",
    "DirectIntegration": "integrations.direct",
    "WafOptions": "waf",
    "ACCESS_LOG_FIELDS": "access_log",
    "ACCESS_LOG_FORMAT": "access_log",
}

__all__ = [
    "ACCESS_LOG_FIELDS",
    "ACCESS_LOG_FORMAT",
    "DEFAULT_ALLOWED_CONTENT_TYPES",
    "DEFAULT_BINARY_MEDIA_TYPES",
    "ApiKeyAuth",
    "AuthBinding",
    "CognitoAuth",
    "DirectIntegration",
    "FrontDoor",
    "FrontDoorAuth",
    "FrontDoorIntegration",
    "IamAuth",
    "IntegrationBinding",
    "LambdaIntegration",
    "MethodAcknowledgement",
    "NoAuth",
    "UsagePlanOptions",
    "WafOptions",
]

if TYPE_CHECKING:
    from sagemaker_serving.front_door.access_log import ACCESS_LOG_FIELDS, ACCESS_LOG_FORMAT
    from sagemaker_serving.front_door.auth.api_key import ApiKeyAuth
    from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth, MethodAcknowledgement
    from sagemaker_serving.front_door.auth.cognito import CognitoAuth
    from sagemaker_serving.front_door.auth.iam import IamAuth
    from sagemaker_serving.front_door.auth.none import NoAuth
    from sagemaker_serving.front_door.auth.usage_plan import UsagePlanOptions
    from sagemaker_serving.front_door.front_door import DEFAULT_BINARY_MEDIA_TYPES, FrontDoor
    from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration, IntegrationBinding
    from sagemaker_serving.front_door.integrations.direct import DirectIntegration
    from sagemaker_serving.front_door.integrations.lambda_function import (
        DEFAULT_ALLOWED_CONTENT_TYPES,
        LambdaIntegration,
    )
    from sagemaker_serving.front_door.waf import WafOptions


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
