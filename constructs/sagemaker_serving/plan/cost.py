"""Monthly cost of one environment from its template, a price book and stated assumptions.

Instances bill per instance-hour while they exist (SageMaker AI real-time and asynchronous inference);
the plan prices them at the autoscaling floor, at the ceiling, and as scheduled (the floor averaged
over a week of scheduled actions, the estimate). Request-based items (serverless compute, API Gateway,
Lambda, WAF requests, data, logs) follow ``requests_per_month`` and the other assumptions; fixed items
(WAF web ACL and rules, VPC interface endpoints per AZ-hour, KMS keys) follow the template.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sagemaker_serving.plan.model import Environment, Variant
from sagemaker_serving.plan.prices import Price, PriceBook
from sagemaker_serving.plan.weekly import Week


@dataclass(frozen=True)
class Assumptions:
    """What the template cannot say; each is printed beside the estimate."""

    #: Requests a month through the front door (each one an endpoint invocation).
    requests_per_month: float = 1_000_000
    #: Model time per request: serverless compute duration and the front door function's duration.
    latency_ms: float = 100
    #: Request plus response size, KB (SageMaker data processed, VPC endpoint data).
    payload_kb: float = 4
    #: CloudWatch Logs written per request (access log line and function log), bytes.
    log_bytes_per_request: float = 1000
    #: Endpoint updates a month (each runs the rollout: a blue/green update doubles the fleet for a while).
    updates_per_month: float = 0
    #: The Monday of the week the schedules are expanded over. Default: this week's.
    monday: datetime.date = field(default_factory=lambda: this_monday(datetime.date.today()))


def this_monday(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class CostLine:
    """One priced item."""

    item: str
    quantity: float
    unit: str
    monthly: float
    price: Price


@dataclass(frozen=True)
class InstanceHours:
    """A variant's instance-hours a month at its floor, as scheduled, and at its ceiling."""

    endpoint: str
    variant: str
    instance_type: str
    at_min: float
    scheduled: float
    at_max: float


@dataclass(frozen=True)
class Estimate:
    """One environment's monthly estimate; ``lines`` hold the scheduled instance cost."""

    instance_hours: tuple[InstanceHours, ...]
    lines: tuple[CostLine, ...]
    total_at_min: float
    total_scheduled: float
    total_at_max: float
    #: Extra instance-hours and dollars of one endpoint update (its rollout), when instances are replaced.
    per_update_hours: float = 0.0
    per_update_usd: float = 0.0


def estimate(env: Environment, weeks: dict[tuple[str, str], Week], book: PriceBook, assume: Assumptions) -> Estimate:
    """The estimate of ``env``; ``weeks`` holds each instance variant's week by (endpoint, variant).
    Missing prices are recorded in ``book.missing`` (the caller raises them together)."""
    hours, instance_lines, totals = _instances(env, weeks, book)
    update_hours, update_usd = _per_update(env, book)
    lines = instance_lines + _usage(env, book, assume) + _fixed(env, book)
    if assume.updates_per_month and update_hours and instance_lines:
        lines.append(
            CostLine(
                f"endpoint updates ({assume.updates_per_month:g} a month)",
                assume.updates_per_month * update_hours,
                "instance-hours",
                assume.updates_per_month * update_usd,
                instance_lines[0].price,
            )
        )
    others = sum(line.monthly for line in lines) - totals[1]
    return Estimate(
        instance_hours=tuple(hours),
        lines=tuple(lines),
        total_at_min=totals[0] + others,
        total_scheduled=totals[1] + others,
        total_at_max=totals[2] + others,
        per_update_hours=update_hours,
        per_update_usd=update_usd,
    )


def _instance_variants(env: Environment) -> list[tuple[str, Variant]]:
    return [(e.name, v) for e in env.endpoints for v in e.variants if v.serverless is None and v.instance_type]


def _instances(
    env: Environment, weeks: dict[tuple[str, str], Week], book: PriceBook
) -> tuple[list[InstanceHours], list[CostLine], tuple[float, float, float]]:
    month = book.hours_per_month
    hours, lines = [], []
    at_min = scheduled = at_max = 0.0
    for endpoint, variant in _instance_variants(env):
        assert variant.instance_type is not None
        week = weeks[(endpoint, variant.name)]
        row = InstanceHours(
            endpoint,
            variant.name,
            variant.instance_type,
            variant.floor * month,
            week.mean_floor * month,
            variant.ceiling * month,
        )
        hours.append(row)
        price = book.instance(variant.instance_type, where=f"{env.name}: variant {variant.name}")
        if price is None:
            continue
        at_min, scheduled, at_max = (
            at_min + price.cost(row.at_min),
            scheduled + price.cost(row.scheduled),
            at_max + price.cost(row.at_max),
        )
        span = f"{variant.floor}" if variant.floor == variant.ceiling else f"{variant.floor}-{variant.ceiling}"
        lines.append(
            CostLine(
                f"{variant.name}: {variant.instance_type} × {span}",
                row.scheduled,
                "instance-hours",
                price.cost(row.scheduled),
                price,
            )
        )
    return hours, lines, (at_min, scheduled, at_max)


def _per_update(env: Environment, book: PriceBook) -> tuple[float, float]:
    """Instance-hours one update adds. Blue/green provisions a whole new fleet, then keeps the old one
    (taken at its floor) through each baking period (canary: two, linear: one per step, all at once:
    one) and the termination wait; rolling adds one batch per step for its wait. The minutes the new
    instances take to start are not counted.
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html"""
    extra_hours = extra_usd = 0.0
    for endpoint in env.endpoints:
        rollout = endpoint.rollout
        if rollout is None:
            continue
        for variant in endpoint.variants:
            if variant.serverless is not None or not variant.instance_type:
                continue
            if rollout.kind == "blue/green":
                seconds = rollout.wait_seconds * rollout.steps + rollout.termination_wait_seconds
                instances = variant.floor
            else:
                seconds, instances = (
                    rollout.wait_seconds * rollout.steps,
                    min(rollout.batch_instances or 1, variant.floor),
                )
            price = book.instance(variant.instance_type, where=f"{env.name}: variant {variant.name}")
            extra_hours += instances * seconds / 3600
            extra_usd += price.cost(instances * seconds / 3600) if price else 0.0
    return extra_hours, extra_usd


def _usage(env: Environment, book: PriceBook, a: Assumptions) -> list[CostLine]:
    lines: list[CostLine] = []
    requests, gigabytes = a.requests_per_month, a.requests_per_month * a.payload_kb / 1_000_000
    where = env.name
    _add(lines, book, "sagemaker_data_gb", "SageMaker data in + out", gigabytes, "GB", where)
    for endpoint in env.endpoints:
        total_weight = sum(v.weight for v in endpoint.variants) or 1.0
        for v in endpoint.variants:
            if v.serverless is None:
                continue
            gb_seconds = requests * v.weight / total_weight * a.latency_ms / 1000 * v.serverless.memory_mb / 1024
            provisioned = v.serverless.provisioned_concurrency
            key = (
                "sagemaker_serverless_provisioned_inference_gb_second"
                if provisioned
                else "sagemaker_serverless_gb_second"
            )
            _add(lines, book, key, f"{v.name}: serverless compute", gb_seconds, "GB-seconds", where)
            if provisioned:
                always = provisioned * v.serverless.memory_mb / 1024 * book.hours_per_month * 3600
                _add(
                    lines,
                    book,
                    "sagemaker_serverless_provisioned_gb_second",
                    f"{v.name}: provisioned concurrency {provisioned}",
                    always,
                    "GB-seconds",
                    where,
                )
    door = env.front_door
    if door is None:
        return lines
    _add(
        lines, book, "api_gateway_rest_million", "API Gateway REST requests", requests / 1e6, "million requests", where
    )
    if door.function is not None:
        gb_seconds = requests * a.latency_ms / 1000 * door.function.memory_mb / 1024
        _add(lines, book, "lambda_request_million", "Lambda requests", requests / 1e6, "million requests", where)
        _add(
            lines,
            book,
            f"lambda_gb_second_{door.function.architecture}",
            f"Lambda compute ({door.function.memory_mb} MB, {door.function.architecture})",
            gb_seconds,
            "GB-seconds",
            where,
        )
    if door.waf is not None:
        _add(lines, book, "waf_request_million", "WAF requests", requests / 1e6, "million requests", where)
    if door.access_logs or door.function is not None:
        logged = requests * a.log_bytes_per_request / 1e9
        _add(lines, book, "logs_ingestion_gb", "CloudWatch Logs ingestion", logged, "GB", where)
    if env.network.interface_endpoints:
        _add(lines, book, "vpc_endpoint_data_gb", "VPC endpoint data", gigabytes, "GB", where)
    return lines


def _fixed(env: Environment, book: PriceBook) -> list[CostLine]:
    lines: list[CostLine] = []
    where = env.name
    waf = env.front_door.waf if env.front_door else None
    if waf is not None:
        _add(lines, book, "waf_web_acl_month", "WAF web ACL", 1, "web ACL-months", where)
        _add(lines, book, "waf_rule_month", f"WAF rules ({waf.rules})", waf.rules, "rule-months", where)
    az_hours = sum(env.network.interface_endpoint_azs) * book.hours_per_month
    if az_hours:
        count = env.network.interface_endpoints
        label = f"VPC interface endpoints ({count} × {sum(env.network.interface_endpoint_azs) // count} AZs)"
        _add(lines, book, "vpc_interface_endpoint_az_hour", label, az_hours, "endpoint-AZ-hours", where)
    if env.kms_keys:
        _add(lines, book, "kms_key_month", f"KMS keys ({env.kms_keys})", env.kms_keys, "key-months", where)
    return lines


def _add(lines: list[CostLine], book: PriceBook, key: str, item: str, quantity: float, unit: str, where: str) -> None:
    price = book.rate(key, where=f"{where}: {item}")
    if price is not None:
        lines.append(CostLine(item, quantity, unit, price.cost(quantity), price))
