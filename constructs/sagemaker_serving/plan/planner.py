"""The plan of each environment: its weeks of capacity, its cost estimate and its capacity check.

This is the module other tools call: :func:`plan_assembly` reads a cloud assembly and returns one
:class:`EnvironmentPlan` per environment, raising every missing price of every environment at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sagemaker_serving.plan.assembly import read_assembly
from sagemaker_serving.plan.capacity import Capacity, check
from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cost import Assumptions, Estimate, estimate
from sagemaker_serving.plan.model import Environment
from sagemaker_serving.plan.prices import PriceBook, load_prices
from sagemaker_serving.plan.weekly import Week, display_zone, expand_week, flat_week

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class EnvironmentPlan:
    """Everything the plan says about one environment."""

    environment: Environment
    region: str
    #: Where ``region`` came from: the stack's environment, or what was assumed for an agnostic stack.
    region_source: str
    #: Each instance variant's week, by (endpoint, variant name), in one display zone.
    weeks: dict[tuple[str, str], Week]
    zone: str
    estimate: Estimate
    capacity: Capacity
    prices: PriceBook


def plan_assembly(
    path: Path,
    *,
    prices: Path,
    assumptions: Assumptions,
    only: str | None = None,
    region: str | None = None,
    region_from: str = "--region",
) -> tuple[EnvironmentPlan, ...]:
    """The plan of every environment of the cloud assembly at ``path`` (or of ``only``).

    Environment-agnostic stacks are priced in ``region`` (named by ``region_from`` in the output), else
    in us-east-1; the plan says which.

    :raises PlanError: the assembly cannot be read, or prices are missing (all of them, named).
    """
    environments = read_assembly(path, only=only)
    books: dict[str, PriceBook] = {}
    plans = []
    for env in environments:
        chosen = env.region or region or DEFAULT_REGION
        source = (
            "the stack's"
            if env.region
            else f"the stack is environment-agnostic: {region_from if region else 'default'}"
        )
        if chosen not in books:
            books[chosen] = load_prices(prices, chosen)
        plans.append(plan_environment(env, books[chosen], assumptions, region=chosen, region_source=source))
    missing = [problem for book in books.values() for problem in book.missing]
    if missing:
        raise PlanError(["cannot price every environment:", *(f"  - {m}" for m in missing)])
    return tuple(plans)


def plan_environment(
    env: Environment, book: PriceBook, assumptions: Assumptions, *, region: str, region_source: str = "the stack's"
) -> EnvironmentPlan:
    """The plan of one environment, priced with ``book`` (missing prices are left in ``book.missing``)."""
    actions = tuple(a for e in env.endpoints for v in e.variants if v.autoscaling for a in v.autoscaling.schedules)
    zone = display_zone(actions)
    weeks = {}
    for endpoint in env.endpoints:
        for variant in endpoint.variants:
            if variant.serverless is not None:
                continue
            if variant.autoscaling is not None:
                weeks[(endpoint.name, variant.name)] = expand_week(variant.autoscaling, zone, assumptions.monday)
            else:
                weeks[(endpoint.name, variant.name)] = flat_week(
                    variant.floor, variant.ceiling, zone, assumptions.monday
                )
    return EnvironmentPlan(
        environment=env,
        region=region,
        region_source=region_source,
        weeks=weeks,
        zone=zone,
        estimate=estimate(env, weeks, book, assumptions),
        capacity=check(env, assumptions.latency_ms),
        prices=book,
    )
