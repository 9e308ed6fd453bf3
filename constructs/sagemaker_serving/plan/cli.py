"""``python -m sagemaker_serving.plan``: what each synthesised environment runs, costs and can serve."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sagemaker_serving.plan import chart, compare, render_json, render_text
from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cost import Assumptions, this_monday
from sagemaker_serving.plan.planner import DEFAULT_REGION, EnvironmentPlan, plan_assembly
from sagemaker_serving.plan.prices import PRICE_FILE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sagemaker_serving.plan",
        description="Read a synthesised cloud assembly (cdk.out) and print, per environment: what runs, its "
        "capacity over a week, its instance-hours and monthly cost, and a capacity check of the front door "
        "against the endpoint. No AWS call is made.",
    )
    p.add_argument("assembly", nargs="?", default="cdk.out", type=Path, help="cloud assembly folder (default cdk.out)")
    p.add_argument("--env", help="only this environment (Environment tag, stack name, or its last '-' part)")
    p.add_argument("--json", action="store_true", help="print JSON (for CI) instead of text")
    p.add_argument(
        "--compare", type=Path, metavar="BASE", help="another cloud assembly (e.g. main's): print the cost difference"
    )
    p.add_argument(
        "--prices", type=Path, default=PRICE_FILE, help=f"price file (default: the shipped {PRICE_FILE.name})"
    )
    p.add_argument(
        "--region", help=f"region of environment-agnostic stacks (default $AWS_REGION, else {DEFAULT_REGION})"
    )
    p.add_argument("--chart", type=Path, metavar="FILE", help="write the weekly capacity chart (SVG) to FILE")
    p.add_argument("--requests-per-month", type=float, default=1_000_000, metavar="N", help="default 1,000,000")
    p.add_argument("--latency-ms", type=float, default=100, help="model time per request, ms (default 100)")
    p.add_argument("--payload-kb", type=float, default=4, help="request + response KB (default 4)")
    p.add_argument("--log-bytes", type=float, default=1000, help="log bytes written per request (default 1000)")
    p.add_argument("--updates-per-month", type=float, default=0, help="endpoint updates a month (default 0)")
    p.add_argument("--week", type=datetime.date.fromisoformat, help="a date in the week to expand (default: this week)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the plan; on a problem print only its message (stderr) and return 1."""
    args = parser().parse_args(argv)
    assume = Assumptions(
        requests_per_month=args.requests_per_month,
        latency_ms=args.latency_ms,
        payload_kb=args.payload_kb,
        log_bytes_per_request=args.log_bytes,
        updates_per_month=args.updates_per_month,
        monday=this_monday(args.week or datetime.date.today()),
    )
    region, region_from = _region(args.region)
    try:
        plans = plan_assembly(
            args.assembly, prices=args.prices, assumptions=assume, only=args.env, region=region, region_from=region_from
        )
        base = (
            plan_assembly(
                args.compare,
                prices=args.prices,
                assumptions=assume,
                only=args.env,
                region=region,
                region_from=region_from,
            )
            if args.compare
            else None
        )
    except PlanError as exc:
        print(f"plan: {exc}", file=sys.stderr)
        return 1
    if args.chart:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        args.chart.write_text(chart.svg(plans))
    print(_output(plans, base, assume, args), end="")
    return 0


def _region(given: str | None) -> tuple[str | None, str]:
    if given:
        return given, "--region"
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(name):
            return os.environ[name], f"${name}"
    return None, "default"


def _output(
    plans: Sequence[EnvironmentPlan],
    base: Sequence[EnvironmentPlan] | None,
    assume: Assumptions,
    args: argparse.Namespace,
) -> str:
    found = compare.differences(plans, base) if base is not None else None
    if args.json:
        document = render_json.as_json(plans, assume)
        if found is not None:
            document["comparison"] = {
                "base": str(args.compare),
                "environments": [
                    {"name": d.environment, "before": d.before, "after": d.after, "change": round(d.change, 2)}
                    for d in found
                ],
                "total_change": round(sum(d.change for d in found), 2),
            }
        if args.chart:
            document["chart"] = str(args.chart)
        return json.dumps(document, indent=2) + "\n"
    text = render_text.render(plans, assume)
    if args.chart:
        text += f"chart: {args.chart}\n"
    if found is not None:
        text += "\n" + compare.render(found, str(args.compare))
    return text
