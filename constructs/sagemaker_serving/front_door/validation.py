"""Every problem of a front door's props, collected before anything is created.

The API's own props are checked by :mod:`~sagemaker_serving.front_door.api_props`, the inference components by
:mod:`~sagemaker_serving.front_door.components`; each part (auth, integration, WAF, private endpoint) checks
its own values; the front door only checks it got a part at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sagemaker_serving.front_door.api_props import api_problems
from sagemaker_serving.front_door.auth.base import FrontDoorAuth
from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration

if TYPE_CHECKING:
    from sagemaker_serving.front_door.front_door import FrontDoor
    from sagemaker_serving.front_door.waf import WafOptions


def front_door_problems(
    front_door: FrontDoor,
    *,
    variant_names: Sequence[str] | None,
    stage_name: str,
    rate: float,
    burst: int,
    binary_media_types: Sequence[str],
    cors_allowed_origins: Sequence[str],
    waf: WafOptions | None,
) -> list[str]:
    """The API's props, the asynchronous endpoint's, the inference components', then each part's problems."""
    from sagemaker_serving.front_door import components

    own = api_problems(
        endpoint=front_door.endpoint,
        variant_names=variant_names,
        stage_name=stage_name,
        rate=rate,
        burst=burst,
        binary_media_types=binary_media_types,
        cors_allowed_origins=cors_allowed_origins,
    )
    if front_door.async_inference is not None and variant_names is not None:
        own.append(
            f"variant_names: {list(variant_names)!r} is not allowed for an asynchronous endpoint; "
            "InvokeEndpointAsync takes no TargetVariant, so its front door has no /variants route"
        )
    own += components.component_problems(front_door, front_door.inference_components)
    return [*own, *part_problems(front_door, waf)]


def part_problems(front_door: FrontDoor, waf: WafOptions | None) -> list[str]:
    """Each part checks its own values; the front door only checks it got a part at all."""
    problems = []
    if isinstance(front_door.auth, FrontDoorAuth):
        problems += front_door.auth.validate(front_door)
    else:
        problems.append(
            f"auth: {front_door.auth!r} is not allowed; expected a FrontDoorAuth (IamAuth, CognitoAuth, ApiKeyAuth "
            "or NoAuth)"
        )
    if isinstance(front_door.integration, FrontDoorIntegration):
        problems += front_door.integration.validate(front_door)
    else:
        problems.append(
            f"integration: {front_door.integration!r} is not allowed; expected a FrontDoorIntegration "
            "(LambdaIntegration or DirectIntegration)"
        )
    if waf is not None:
        problems += waf.validate()
    if front_door.private_endpoint is not None:
        from sagemaker_serving.front_door.private_api import private_endpoint_problems

        problems += private_endpoint_problems(front_door.private_endpoint)
    return problems
