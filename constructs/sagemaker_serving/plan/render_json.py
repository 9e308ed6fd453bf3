"""The plan as JSON for CI: one object per environment, with the assumptions and the price file."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sagemaker_serving.plan.cost import Assumptions
from sagemaker_serving.plan.planner import EnvironmentPlan

#: Bumped when a key changes meaning or goes away.
SCHEMA_VERSION = 1


def as_json(plans: Sequence[EnvironmentPlan], assumptions: Assumptions) -> dict[str, Any]:
    """``{"schema_version", "assumptions", "price_file", "environments": [...]}``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "assumptions": {**dataclasses.asdict(assumptions), "monday": assumptions.monday.isoformat()},
        "price_file": str(plans[0].prices.path) if plans else None,
        "currency": plans[0].prices.currency if plans else "USD",
        "environments": [environment_json(plan) for plan in plans],
    }


def environment_json(plan: EnvironmentPlan) -> dict[str, Any]:
    env, estimate, capacity = plan.environment, plan.estimate, plan.capacity
    return {
        "name": env.name,
        "stack": env.stack,
        "region": plan.region,
        "region_source": plan.region_source,
        "inference_options": sorted({e.inference_option for e in env.endpoints}),
        "endpoints": [dataclasses.asdict(e) for e in env.endpoints],
        "front_door": dataclasses.asdict(env.front_door) if env.front_door else None,
        "network": {**dataclasses.asdict(env.network), "interface_endpoints": env.network.interface_endpoints},
        "week": {
            "zone": plan.zone,
            "variants": {
                f"{endpoint}/{variant}": {"floor": list(w.floor), "ceiling": list(w.ceiling), "notes": list(w.notes)}
                for (endpoint, variant), w in plan.weeks.items()
            },
        },
        "instance_hours_per_month": [dataclasses.asdict(h) for h in estimate.instance_hours],
        "cost_per_month": {
            "at_min": round(estimate.total_at_min, 2),
            "scheduled": round(estimate.total_scheduled, 2),
            "at_max": round(estimate.total_at_max, 2),
            "lines": [
                {
                    "item": line.item,
                    "quantity": round(line.quantity, 4),
                    "unit": line.unit,
                    "monthly": round(line.monthly, 2),
                    "price_key": line.price.key,
                    "price_status": line.price.status,
                }
                for line in estimate.lines
            ],
            "per_update": {"instance_hours": estimate.per_update_hours, "usd": round(estimate.per_update_usd, 2)},
            "not_priced": list(env.unpriced),
        },
        "capacity": {
            "serves_rps": capacity.serves_rps,
            "admits_rps": capacity.admits_rps,
            "admits": list(capacity.admits_how),
            "per_client": list(capacity.per_client),
            "variants": [dataclasses.asdict(v) for v in capacity.variants],
            "warnings": list(capacity.warnings),
        },
    }
