"""How the front door reaches the model: each integration is an object with a ``bind()``.

Names are imported lazily: an app that never names ``DirectIntegration`` never loads its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS: dict[str, str] = {
    "FrontDoorIntegration": "base",
    "IntegrationBinding": "base",
    "LambdaIntegration": "lambda_function",
    "DirectIntegration": "direct",
}

__all__ = ["DirectIntegration", "FrontDoorIntegration", "IntegrationBinding", "LambdaIntegration"]

if TYPE_CHECKING:
    from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration, IntegrationBinding
    from sagemaker_serving.front_door.integrations.direct import DirectIntegration
    from sagemaker_serving.front_door.integrations.lambda_function import LambdaIntegration


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
