"""Checks and renderings of the API's own props (the parts check theirs): variant names, stage, throttling,
binary media types, CORS origins. Every problem names the field, the value and what is allowed."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigateway

from sagemaker_serving.endpoint import Endpoint, EndpointBase
from sagemaker_serving.front_door._checks import MIME, integer_problems, number_problems
from sagemaker_serving.variants import VARIANT_NAME

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
#: Request headers a browser may send cross-origin: content negotiation, SigV4, Cognito tokens, API keys.
CORS_ALLOW_HEADERS = (
    "Content-Type",
    "Accept",
    "Authorization",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "X-Api-Key",
)


@jsii.implements(cdk.IStableStringProducer)
class _VariantNames:
    """Renders the endpoint's variant names at synth time, so variants added later are included."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    def produce(self) -> str:
        return ",".join(self._endpoint.variant_names)


def variant_names_csv(endpoint: EndpointBase, names: Sequence[str] | None) -> str:
    """The routable variants, comma-separated: ``names``, else all of an :class:`Endpoint`'s (lazily)."""
    if names is not None:
        return ",".join(names)
    if isinstance(endpoint, Endpoint):
        return cdk.Lazy.string(_VariantNames(endpoint))
    return ""


def api_problems(
    *,
    endpoint: EndpointBase,
    variant_names: Sequence[str] | None,
    stage_name: str,
    rate: float,
    burst: int,
    binary_media_types: Sequence[str],
    cors_allowed_origins: Sequence[str],
) -> list[str]:
    """Problems with the API's own props; empty when valid."""
    problems = _variant_problems(endpoint, variant_names)
    if not isinstance(stage_name, str) or not _STAGE_NAME.match(stage_name):
        problems.append(f"stage_name: {stage_name!r} is not allowed; expected 1-128 letters, digits, '-' or '_'")
    problems += number_problems("throttling_rate_limit", rate, 0, 10_000, low_open=True)
    problems += integer_problems("throttling_burst_limit", burst, 0, 5_000)
    problems += [
        f"binary_media_types: {media_type!r} is not allowed; expected a lower-case type/subtype or type/*"
        for media_type in binary_media_types
        if not isinstance(media_type, str) or not MIME.match(media_type)
    ]
    problems += [
        f"cors_allowed_origins: {origin!r} is not allowed; expected scheme://host[:port] with no path, or '*'"
        for origin in cors_allowed_origins
        if origin != "*" and (not isinstance(origin, str) or not _ORIGIN.match(origin))
    ]
    return problems


def _variant_problems(endpoint: EndpointBase, names: Sequence[str] | None) -> list[str]:
    if names is None:
        if isinstance(endpoint, Endpoint):
            return []
        return ["variant_names: None is not allowed for an imported endpoint; list the endpoint's variant names"]
    if isinstance(names, str) or not names:
        return [f"variant_names: {names!r} is not allowed; expected a non-empty list of variant names"]
    problems = [
        f"variant_names: {name!r} is not allowed; expected 1-63 alphanumerics or hyphens"
        for name in names
        if not isinstance(name, str) or not VARIANT_NAME.match(name)
    ]
    if len(set(names)) != len(names):
        problems.append(f"variant_names: {list(names)!r} is not allowed; names must be unique")
    if isinstance(endpoint, Endpoint):
        unknown = [n for n in names if n not in endpoint.variant_names]
        if unknown:
            problems.append(
                f"variant_names: {unknown!r} are not variants of the endpoint; "
                f"its variants: {', '.join(endpoint.variant_names)}"
            )
    return problems


def cors_options(origins: Sequence[str]) -> apigateway.CorsOptions | None:
    """API Gateway answers the preflight (``OPTIONS``) for the listed origins; no CORS at all without any."""
    if not origins:
        return None
    return apigateway.CorsOptions(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=list(CORS_ALLOW_HEADERS),
        max_age=cdk.Duration.hours(1),
    )
