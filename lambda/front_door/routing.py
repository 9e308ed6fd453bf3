"""Which route an API Gateway REST (v1) proxy event asks for, and whether this function serves it.

Routing is on the event's ``resource`` when it is one of the route templates, else on ``pathParameters.proxy``
(a ``/{proxy+}`` resource) or ``path``. Anything else is a JSON 404 (unknown path) or 405 with ``Allow`` (known
path, wrong method); the asynchronous routes exist only in ``async`` mode, the real-time and component routes
only outside it, and an endpoint with inference components takes every call on its component route (the
answers: :mod:`routes`). Hand-made rather than Powertools' resolver: see :mod:`routes`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sagemaker_client import HttpError
from settings import Settings

_VARIANT_RE: Final = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_ROUTES: Final = {"/invocations": "invocations", "/health": "health", "/async-invocations": "async_invocations"}
_VARIANT_RESOURCE: Final = "/variants/{variant}/invocations"
_ASYNC_RESULT_RESOURCE: Final = "/async-invocations/{inference_id}"
_COMPONENT_RESOURCE: Final = "/models/{component}/invocations"
#: Each route's method.
_METHODS: Final = {
    "invocations": "POST",
    "component": "POST",
    "health": "GET",
    "async_invocations": "POST",
    "async_result": "GET",
}
#: The ids ``POST /async-invocations`` gives: 32 lower-case hex digits (a UUID4 without dashes).
_INFERENCE_ID_RE: Final = re.compile(r"[0-9a-f]{32}")

Event = dict[str, Any]


def route_event(event: Event, settings: Settings) -> tuple[str, str | None]:
    """Map the event to ``(route, variant or inference id)`` or ``("component", component name)``; 404/405 for
    anything unknown, 404 ``AsyncEndpoint`` for the real-time and component routes of an asynchronous endpoint
    and 404 ``ComponentRequired`` for the real-time routes of an endpoint with inference components."""
    route, variant, component = match_path(event)
    if route.startswith("async_") and not settings.is_async:
        raise HttpError(404, "NotFound", "No such route")
    if route in ("invocations", "component") and settings.is_async:
        raise HttpError(
            404,
            "AsyncEndpoint",
            "This endpoint takes asynchronous invocations only: POST /async-invocations, then "
            "GET /async-invocations/{inferenceId}",
        )
    expected = _METHODS[route]
    if event.get("httpMethod") != expected:
        raise HttpError(405, "MethodNotAllowed", f"Use {expected}", {"Allow": expected})
    if route == "async_result":
        if not isinstance(variant, str) or not _INFERENCE_ID_RE.fullmatch(variant):
            raise HttpError(404, "InferenceNotFound", "No such asynchronous inference")
        return route, variant
    if variant is not None and (
        not isinstance(variant, str)
        or not _VARIANT_RE.fullmatch(variant)
        or (settings.variant_names and variant not in settings.variant_names)
    ):
        raise HttpError(404, "VariantNotFound", "No such production variant")
    components = settings.inference_components
    if route == "component":
        if not isinstance(component, str) or component not in components:
            raise HttpError(404, "ComponentNotFound", "No such model on this endpoint")
        return route, component
    if route == "invocations" and components:
        raise HttpError(
            404,
            "ComponentRequired",
            "This endpoint hosts several models: POST /models/{model}/invocations, with one of: "
            + ", ".join(sorted(components)),
        )
    return route, variant


def match_path(event: Event) -> tuple[str, Any, Any]:
    """``(route, variant or inference id, component)`` as the event's resource or path names them (unchecked:
    any value, or ``None``); 404 ``NotFound`` for a path that is no route."""
    resource = event.get("resource")
    params = event.get("pathParameters")
    params = params if isinstance(params, dict) else {}
    variant: Any = None
    component: Any = None
    if resource in _ROUTES:
        route = _ROUTES[resource]
    elif resource == _VARIANT_RESOURCE:
        route, variant = "invocations", params.get("variant")
    elif resource == _ASYNC_RESULT_RESOURCE:
        route, variant = "async_result", params.get("inference_id")
    elif resource == _COMPONENT_RESOURCE:
        route, component = "component", params.get("component")
    else:
        # Greedy proxy resources ("/{proxy+}") or events without a resource.
        proxy = params.get("proxy")
        path = f"/{proxy}" if isinstance(proxy, str) else event.get("path")
        parts = path.strip("/").split("/") if isinstance(path, str) else []
        if len(parts) == 1 and f"/{parts[0]}" in _ROUTES:
            route = _ROUTES[f"/{parts[0]}"]
        elif len(parts) == 3 and parts[0] == "variants" and parts[2] == "invocations":
            route, variant = "invocations", parts[1]
        elif len(parts) == 2 and parts[0] == "async-invocations":
            route, variant = "async_result", parts[1]
        elif len(parts) == 3 and parts[0] == "models" and parts[2] == "invocations":
            route, component = "component", parts[1]
        else:
            raise HttpError(404, "NotFound", "No such route")
    return route, variant, component
