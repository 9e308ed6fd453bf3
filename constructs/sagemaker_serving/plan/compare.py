"""Two plans side by side: the monthly cost difference per environment, for a pull request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sagemaker_serving.plan.planner import EnvironmentPlan
from sagemaker_serving.plan.render_text import money, signed_money


@dataclass(frozen=True)
class Difference:
    """One environment's estimate (as scheduled) before and after; ``None`` where it does not exist."""

    environment: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


def differences(after: Sequence[EnvironmentPlan], before: Sequence[EnvironmentPlan]) -> list[Difference]:
    """Every environment of either side, in the order of ``after`` then the removed ones."""
    old = {p.environment.name: p.estimate.total_scheduled for p in before}
    new = {p.environment.name: p.estimate.total_scheduled for p in after}
    names = list(new) + [name for name in old if name not in new]
    return [Difference(name, old.get(name), new.get(name)) for name in names]


def render(found: Sequence[Difference], base: str) -> str:
    """``prod: $505/month → $817/month: +$312/month`` per environment, and the total."""
    lines = [f"cost difference against {base} (as scheduled, a month):"]
    for d in found:
        if d.before is None:
            lines.append(f"  {d.environment}: new, {money(d.after or 0.0)}/month: {signed_money(d.change)}/month")
        elif d.after is None:
            lines.append(f"  {d.environment}: removed (was {money(d.before)}/month): {signed_money(d.change)}/month")
        else:
            lines.append(
                f"  {d.environment}: {money(d.before)}/month → {money(d.after)}/month: {signed_money(d.change)}/month"
            )
    lines.append(f"  total: {signed_money(sum(d.change for d in found))}/month")
    return "\n".join(lines) + "\n"
