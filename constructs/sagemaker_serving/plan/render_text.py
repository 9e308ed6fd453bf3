"""The plan as text for a terminal: per environment, what runs, its week, its cost and capacity."""

from __future__ import annotations

from collections.abc import Sequence

from sagemaker_serving.plan.chart import terminal_week
from sagemaker_serving.plan.cost import Assumptions, Estimate
from sagemaker_serving.plan.model import Endpoint, Environment, FrontDoor, Variant
from sagemaker_serving.plan.planner import EnvironmentPlan


def money(value: float) -> str:
    """``$1,234`` (whole dollars from $100, cents below)."""
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def signed_money(value: float) -> str:
    """``+$312`` or ``-$40``."""
    return ("+" if value >= 0 else "-") + money(abs(value))


def render(plans: Sequence[EnvironmentPlan], assumptions: Assumptions) -> str:
    """The whole plan."""
    blocks = ["\n".join(environment_block(plan)) for plan in plans]
    return "\n\n".join([*blocks, "\n".join(footer(plans, assumptions))]) + "\n"


def environment_block(plan: EnvironmentPlan) -> list[str]:
    env = plan.environment
    lines = [f"== {env.name} ({env.stack}) ".ljust(100, "="), f"region {plan.region} ({plan.region_source})"]
    for endpoint in env.endpoints:
        lines += _endpoint(endpoint)
    lines += _front_door(env.front_door) + _network(env)
    week = terminal_week(plan)
    if week:
        lines += ["", *week]
    lines += ["", *_costs(plan.estimate, plan)]
    lines += ["", *_capacity(plan)]
    return lines


def _endpoint(endpoint: Endpoint) -> list[str]:
    lines = [f"endpoint {endpoint.name}: {endpoint.inference_option}"]
    header = f"  {'variant':<14}{'type / memory':<18}{'weight':>7}{'initial':>9}{'min':>6}{'max':>6}  target"
    lines.append(header)
    total = sum(v.weight for v in endpoint.variants) or 1.0
    for v in endpoint.variants:
        lines.append(_variant_row(v, v.weight / total))
    for v in endpoint.variants:
        for a in v.autoscaling.schedules if v.autoscaling else ():
            change = ", ".join(
                f"{k} {n}" for k, n in (("min", a.min_capacity), ("max", a.max_capacity)) if n is not None
            )
            lines.append(f"  schedule {v.name}/{a.name}: {a.schedule} {a.time_zone} → {change}")
    for c in endpoint.components:
        copies = f"{c.autoscaling.min_capacity}-{c.autoscaling.max_capacity}" if c.autoscaling else str(c.copies)
        lines.append(f"  component {c.name} on {c.variant_name}: {copies} copies")
    if endpoint.rollout is not None:
        r = endpoint.rollout
        size = f" {r.step_size}" if r.step_size else ""
        lines.append(
            f"  rollout: {r.kind} {r.traffic}{size}, {r.steps} step(s) × {r.wait_seconds} s, "
            f"termination wait {r.termination_wait_seconds} s"
        )
    return lines


def _variant_row(v: Variant, share: float) -> str:
    if v.serverless is not None:
        s = v.serverless
        provisioned = f", {s.provisioned_concurrency} provisioned" if s.provisioned_concurrency else ""
        return (
            f"  {v.name:<14}{f'serverless {s.memory_mb} MB':<18}{share:>7.0%}{'-':>9}{0:>6}{s.max_concurrency:>6}"
            f"  concurrency{provisioned}"
        )
    target = ""
    if v.autoscaling and v.autoscaling.target_invocations:
        target = f"{v.autoscaling.target_invocations:g} invocations/min per instance"
    if v.autoscaling and v.autoscaling.target_cpu:
        target += f"{', ' if target else ''}CPU {v.autoscaling.target_cpu:g}%"
    target = target or ("no autoscaling" if v.autoscaling is None else "")
    initial = "-" if v.initial_count is None else str(v.initial_count)
    return f"  {v.name:<14}{v.instance_type or '?':<18}{share:>7.0%}{initial:>9}{v.floor:>6}{v.ceiling:>6}  {target}"


def _front_door(door: FrontDoor | None) -> list[str]:
    if door is None:
        return ["front door: none in this stack"]
    function = f" ({door.function.memory_mb} MB {door.function.architecture})" if door.function else ""
    throttle = (
        f"stage {door.stage_rate_limit:g}/s burst {door.stage_burst_limit}"
        if door.stage_rate_limit
        else "no stage throttle"
    )
    auth = ", ".join(door.auth) + (" + API key" if door.api_key_required else "")
    lines = [f"front door: REST API ({door.endpoint_type}), auth {auth}, {door.integration} integration{function}"]
    lines[0] += f", {throttle}"
    for plan in door.usage_plans:
        rate = (
            f"{plan.rate_limit:g}/s burst {plan.burst_limit} per key" if plan.rate_limit is not None else "no throttle"
        )
        lines.append(f"  usage plan: {rate}, quota {plan.quota or 'none'}, {_count(plan.keys, 'key')}")
    if door.waf is not None:
        groups = ", ".join(door.waf.managed_groups) or "no managed groups"
        rates = "; ".join(f"{r.limit:,} per {r.window_seconds} s per {r.aggregate}" for r in door.waf.rate_rules)
        lines.append(f"  WAF: {door.waf.rules} rules ({groups}{'; rate ' + rates if rates else ''})")
    return lines


def _network(env: Environment) -> list[str]:
    n = env.network
    if not n.vpcs and not n.interface_endpoints:
        return ["network: no VPC"]
    azs = "/".join(sorted({str(a) for a in n.interface_endpoint_azs})) or "0"
    return [
        f"network: {_count(n.vpcs, 'VPC')}, {_count(n.interface_endpoints, 'interface endpoint')} × {azs} AZs, "
        f"{_count(n.gateway_endpoints, 'gateway endpoint')}, {_count(n.nat_gateways, 'NAT gateway')}"
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _costs(estimate: Estimate, plan: EnvironmentPlan) -> list[str]:
    lines = []
    if estimate.instance_hours:
        lines.append(f"  {'instance-hours a month':<28}{'at min':>10}{'scheduled':>11}{'at max':>10}")
        for h in estimate.instance_hours:
            lines.append(f"  {h.variant:<28}{h.at_min:>10,.0f}{h.scheduled:>11,.0f}{h.at_max:>10,.0f}")
        total = [sum(getattr(h, k) for h in estimate.instance_hours) for k in ("at_min", "scheduled", "at_max")]
        lines.append(f"  {'total':<28}{total[0]:>10,.0f}{total[1]:>11,.0f}{total[2]:>10,.0f}")
    lines.append(
        f"cost a month ({plan.prices.currency}): {money(estimate.total_scheduled)} as scheduled "
        f"(at min {money(estimate.total_at_min)}, at max {money(estimate.total_at_max)})"
    )
    for line in estimate.lines:
        lines.append(f"  {line.item:<46}{line.quantity:>14,.1f} {line.unit:<18}{money(line.monthly):>10}")
    if estimate.per_update_hours:
        lines.append(
            f"  each endpoint update adds {estimate.per_update_hours:,.2f} instance-hours "
            f"({money(estimate.per_update_usd)}) while the old fleet is kept"
        )
    if plan.environment.unpriced:
        lines.append("  not priced: " + "; ".join(plan.environment.unpriced))
    return lines


def _capacity(plan: EnvironmentPlan) -> list[str]:
    c = plan.capacity
    if c.serves_rps is not None:
        lines = [f"capacity: the endpoint serves about {c.serves_rps:.1f} req/s at its maximum"]
    else:
        lines = ["capacity: what the endpoint serves is not known (no autoscaling target to read it from)"]
    for v in c.variants:
        rate = (
            f" = {v.rps:.1f}/s, through {v.share:.0%} of the traffic {v.endpoint_rps:.1f}/s"
            if v.rps is not None
            else ""
        )
        lines.append(f"  {v.variant}: {v.how}{rate}")
    if c.admits_rps is not None:
        lines.append(f"  the front door admits {c.admits_rps:g} req/s: " + "; ".join(c.admits_how))
    lines += [f"  per client: {limit}" for limit in c.per_client]
    lines += [f"  ! {warning}" for warning in c.warnings]
    return lines


def footer(plans: Sequence[EnvironmentPlan], a: Assumptions) -> list[str]:
    """The assumptions and where the prices came from."""
    book = plans[0].prices
    statuses: dict[str, int] = {}
    books = {id(plan.prices): plan.prices for plan in plans}
    for priced in books.values():
        for price in priced.used.values():
            statuses[price.status] = statuses.get(price.status, 0) + 1
    used = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    assumed = [
        f"{a.requests_per_month:,.0f} requests a month (--requests-per-month)",
        f"{a.latency_ms:g} ms a request (--latency-ms)",
        f"{a.payload_kb:g} KB in + out a request (--payload-kb)",
        f"{a.log_bytes_per_request:,.0f} log bytes a request (--log-bytes)",
        f"{a.updates_per_month:g} endpoint updates a month (--updates-per-month)",
    ]
    lines = [
        f"assumptions: {', '.join(assumed)}; {book.hours_per_month:g} hours a month; week of {a.monday.isoformat()}; "
        "on-demand prices, no free tier, no Savings Plans, no tax, no data transfer out",
        f"prices: {book.path} (prices used: {used})",
    ]
    if statuses.get("third-party"):
        lines.append(
            "  third-party prices could not be read on an AWS page: check them (and edit the file) before relying "
            "on them"
        )
    return lines
