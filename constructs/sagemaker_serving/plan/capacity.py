"""What each environment can serve against what its front door admits, with a warning where one
starves or floods the other.

An instance variant at its autoscaling ceiling serves about ``target × max instances / 60`` requests a
second while at its target (``SageMakerVariantInvocationsPerInstance`` counts invocations per minute per
instance); it receives its weight's share of the endpoint's traffic, so the endpoint saturates first
where ``variant rate / share`` is lowest. A serverless variant serves ``MaxConcurrency / latency``; an
asynchronous endpoint queues requests, so it has no rate to saturate.

The front door admits the least of the stage's throttle, the usage plans' throttles (each applies per
API key) when methods require a key, and the account's API Gateway throttle; a WAF rate-based rule
limits each client (IP), not the total. Account defaults:

- API Gateway: 10,000 requests per second per account and Region (2,500 in some newer Regions),
  https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
- Lambda: 1,000 concurrent executions per Region,
  https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
- SageMaker Serverless Inference: at most 200 concurrent invocations per endpoint,
  https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sagemaker_serving.plan.model import Endpoint, Environment, FrontDoor, Variant

API_GATEWAY_ACCOUNT_RPS = 10_000
LAMBDA_ACCOUNT_CONCURRENCY = 1_000
#: A front door admitting this many times what the endpoint serves (or the reverse) is worth a warning.
STARVE_FACTOR = 2.0


@dataclass(frozen=True)
class VariantCapacity:
    """One variant's rate at its ceiling, alone and as an endpoint rate through its weight."""

    endpoint: str
    variant: str
    share: float
    #: Requests a second the variant serves at its target at its maximum (``None``: not known).
    rps: float | None
    #: The endpoint's request rate at which this variant reaches ``rps``.
    endpoint_rps: float | None
    how: str


@dataclass(frozen=True)
class Capacity:
    """The capacity check of one environment."""

    variants: tuple[VariantCapacity, ...]
    #: What the endpoint serves before its first variant saturates (``None``: not known).
    serves_rps: float | None
    #: What the front door lets through (``None``: no front door).
    admits_rps: float | None
    admits_how: tuple[str, ...]
    per_client: tuple[str, ...]
    warnings: tuple[str, ...]


def check(env: Environment, latency_ms: float) -> Capacity:
    """The capacity check of ``env``, taking ``latency_ms`` per request for serverless and Lambda."""
    variants = tuple(
        _variant(e, v, sum(x.weight for x in e.variants) or 1.0, latency_ms) for e in env.endpoints for v in e.variants
    )
    # The first variant to saturate bounds the endpoint (variants without a known rate leave it open).
    serves = min((v.endpoint_rps for v in variants if v.endpoint_rps is not None), default=None)
    admits, how = _admits(env.front_door)
    per_client = _per_client(env.front_door)
    warnings = _warnings(env, variants, serves, admits, latency_ms)
    return Capacity(variants, serves, admits, how, per_client, tuple(warnings))


def _variant(endpoint: Endpoint, v: Variant, total_weight: float, latency_ms: float) -> VariantCapacity:
    share = v.weight / total_weight
    if endpoint.asynchronous:
        # Asynchronous inference queues requests and answers later: no request rate to saturate.
        rps, how = None, "asynchronous: requests queue and are served at the instances' pace"
    elif v.serverless is not None:
        rps = v.serverless.max_concurrency / (latency_ms / 1000)
        how = f"{v.serverless.max_concurrency} concurrent / {latency_ms:g} ms"
    elif v.autoscaling is not None and v.autoscaling.target_invocations:
        rps = v.ceiling * v.autoscaling.target_invocations / 60
        how = f"{v.ceiling} × {v.autoscaling.target_invocations:g}/min"
    else:
        rps, how = None, "no invocations target: not known"
    through = rps / share if rps is not None and share else None
    return VariantCapacity(endpoint.name, v.name, share, rps, through, how)


def _admits(door: FrontDoor | None) -> tuple[float | None, tuple[str, ...]]:
    if door is None:
        return None, ()
    limits = [(float(API_GATEWAY_ACCOUNT_RPS), f"account API Gateway default {API_GATEWAY_ACCOUNT_RPS:,}/s")]
    if door.stage_rate_limit is not None:
        limits.append(
            (door.stage_rate_limit, f"stage throttle {door.stage_rate_limit:g}/s (burst {door.stage_burst_limit})")
        )
    if door.api_key_required and door.usage_plans:
        plans = [p for p in door.usage_plans if p.rate_limit is not None]
        if len(plans) == len(door.usage_plans):
            total = sum((p.rate_limit or 0) * max(p.keys, 1) for p in plans)
            detail = " + ".join(f"{p.rate_limit:g}/s × {max(p.keys, 1)} key{'s' if p.keys != 1 else ''}" for p in plans)
            limits.append((total, f"usage plan {detail}"))
    lowest = min(limits)
    return lowest[0], tuple(how for _, how in sorted(limits))


def _per_client(door: FrontDoor | None) -> tuple[str, ...]:
    if door is None or door.waf is None:
        return ()
    return tuple(
        f"WAF {r.name}: {r.limit:,} per {r.window_seconds} s per {r.aggregate} "
        f"≈ {r.limit / r.window_seconds:.1f}/s per client"
        for r in door.waf.rate_rules
    )


def _warnings(
    env: Environment,
    variants: tuple[VariantCapacity, ...],
    serves: float | None,
    admits: float | None,
    latency_ms: float,
) -> list[str]:
    warnings = []
    by_name = {(e.name, v.name): v for e in env.endpoints for v in e.variants}
    bottleneck = min(
        (v for v in variants if v.endpoint_rps is not None), key=lambda v: v.endpoint_rps or 0, default=None
    )
    if admits is not None and serves is not None and bottleneck is not None and admits > serves * 1.05:
        variant = by_name[(bottleneck.endpoint, bottleneck.variant)]
        advice = ""
        if variant.serverless is None and variant.autoscaling and variant.autoscaling.target_invocations:
            needed = math.ceil(admits * bottleneck.share * 60 / variant.autoscaling.target_invocations)
            advice = (
                f" Raise {variant.name}'s max_capacity to {needed} or lower the front door's throttling to "
                f"{serves:.0f}/s."
            )
        warnings.append(
            f"floods: the front door admits {admits:g} req/s but the endpoint serves about {serves:.1f} req/s at its "
            f"maximum ({bottleneck.variant}: {bottleneck.how} = {bottleneck.rps:.1f}/s through {bottleneck.share:.0%} "
            f"of the traffic); above that, instances run past their target and requests queue or fail.{advice}"
        )
    warnings += _starves(env, variants, admits)
    function = env.front_door.function if env.front_door else None
    if function is not None and admits is not None:
        concurrency = function.reserved_concurrency or LAMBDA_ACCOUNT_CONCURRENCY
        lambda_rps = concurrency / (latency_ms / 1000)
        if admits > lambda_rps:
            warnings.append(
                f"the front door admits {admits:g} req/s but its function serves about {lambda_rps:.0f}/s "
                f"({concurrency} concurrent executions at {latency_ms:g} ms)"
            )
    return warnings


def _starves(env: Environment, variants: tuple[VariantCapacity, ...], admits: float | None) -> list[str]:
    """Instance variants whose ceiling is far above what the front door lets through."""
    if admits is None:
        return []
    found = []
    by_name = {(e.name, v.name): v for e in env.endpoints for v in e.variants}
    for capacity in variants:
        variant = by_name[(capacity.endpoint, capacity.variant)]
        if variant.serverless is not None or capacity.endpoint_rps is None or variant.autoscaling is None:
            continue
        if capacity.endpoint_rps > admits * STARVE_FACTOR and variant.autoscaling.target_invocations:
            needed = max(1, math.ceil(admits * capacity.share * 60 / variant.autoscaling.target_invocations))
            if needed < variant.ceiling:
                found.append(
                    f"starves: {variant.name} can serve {capacity.rps:.1f} req/s at its maximum of {variant.ceiling}, "
                    f"but the front door admits only {admits:g}/s ({capacity.share:.0%} of it reaches {variant.name}): "
                    f"{needed} instance{'s' if needed != 1 else ''} would do"
                )
    return found
