"""``python -m sagemaker_serving.plan``: text, ``--json``, ``--chart``, ``--compare`` and errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_serving.plan.cli import main
from tests.plan.builders import autoscaling, endpoint, front_door, instance_variant, schedule, template, write_assembly

ROOT = Path(__file__).resolve().parents[2]
WEEK = "2027-01-06"  # a Wednesday: the week of Monday 2027-01-04


def prod(max_capacity: int = 8, floor: int = 2) -> dict[str, object]:
    """Weekdays 07:00-20:00 UTC at 4 instances, otherwise at ``floor``."""
    schedules = [
        schedule("up", "cron(0 7 ? * MON-FRI *)", min_capacity=4),
        schedule("down", "cron(0 20 ? * MON-FRI *)", min_capacity=floor),
    ]
    return template(
        endpoint([instance_variant("champion", count=floor)]),
        autoscaling("champion", floor, max_capacity, target=200, schedules=schedules),
        front_door(rate=200, burst=400),
    )


@pytest.fixture
def assembly(tmp_path: Path) -> Path:
    return write_assembly(
        tmp_path / "cdk.out", {"prod": prod(), "staging": template(endpoint([instance_variant("a")]))}, "us-east-1"
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_names_every_environment_and_its_numbers(
    assembly: Path, prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(assembly), "--prices", str(prices), "--week", WEEK)
    assert code == 0, err
    assert "== prod (Serving-prod) " in out and "== staging (Serving-staging) " in out
    assert "region us-east-1 (the stack's)" in out
    # 13 weekday hours at 4 (UTC schedule), the rest at 2: 466 instance-hours a week → 2,025 a month
    assert re.search(r"champion\s+1,460\s+2,025\s+5,840", out)
    assert "  champion  Mon ▂▂▂▂▂▂▂▄▄▄▄▄▄▄▄▄▄▄▄▄▂▂▂▂  2-4 (ceiling 8)" in out  # ▂ = 2 of 8, ▄ = 4 of 8
    assert "            Sat ▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂  2-2 (ceiling 8)" in out
    # instances $202.49 + data $0.08 + API Gateway $3.50 + Lambda $0.20 + $0.50 + logs $0.50
    assert "cost a month (USD): $207 as scheduled (at min $151, at max $589)" in out
    assert "! floods: the front door admits 200 req/s but the endpoint serves about 26.7 req/s" in out
    assert "assumptions: 1,000,000 requests a month (--requests-per-month)" in out
    assert f"prices: {prices} (prices used: " in out


def test_env_selects_one_environment(assembly: Path, prices: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(assembly), "--prices", str(prices), "--env", "staging")
    assert code == 0
    assert "== staging" in out and "== prod" not in out


def test_json_shape_for_ci(assembly: Path, prices: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, str(assembly), "--prices", str(prices), "--json", "--week", WEEK, "--requests-per-month", "2e6"
    )
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"schema_version", "assumptions", "price_file", "currency", "environments"}
    assert (
        document["assumptions"]["requests_per_month"] == 2_000_000 and document["assumptions"]["monday"] == "2027-01-04"
    )
    prod_json = document["environments"][0]
    assert set(prod_json) == {
        "name",
        "stack",
        "region",
        "region_source",
        "inference_options",
        "endpoints",
        "front_door",
        "network",
        "week",
        "instance_hours_per_month",
        "cost_per_month",
        "capacity",
    }
    assert prod_json["name"] == "prod" and prod_json["inference_options"] == ["real-time"]
    assert set(prod_json["cost_per_month"]) == {"at_min", "scheduled", "at_max", "lines", "per_update", "not_priced"}
    assert prod_json["cost_per_month"]["lines"][0] == {
        "item": "champion: ml.m5.large × 2-8",
        "quantity": round(466 / 168 * 730, 4),
        "unit": "instance-hours",
        "monthly": round(466 / 168 * 730 * 0.10, 2),
        "price_key": "ml.m5.large",
        "price_status": "aws-page",
    }
    floor = prod_json["week"]["variants"]["Endpoint/champion"]["floor"]
    assert len(floor) == 168 and sum(floor) == 466
    assert prod_json["capacity"]["admits_rps"] == 200
    assert prod_json["capacity"]["serves_rps"] == pytest.approx(8 * 200 / 60)


def test_chart_file_is_written_and_holds_each_environment(
    assembly: Path, prices: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "charts" / "week.svg"
    code, out, _ = run(capsys, str(assembly), "--prices", str(prices), "--chart", str(chart))
    assert code == 0
    assert out.endswith(f"chart: {chart}\n")
    svg = chart.read_text()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.rstrip().endswith("</svg>")
    assert "prod: instances by hour of the week (UTC)" in svg and "staging: instances" in svg
    assert svg.count("<polygon") == 2  # one stacked area per instance variant
    assert all(day in svg for day in ("Mon", "Sun"))


def test_compare_prints_the_difference_per_environment(
    tmp_path: Path, prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_assembly(
        tmp_path / "main.out", {"prod": prod(floor=2), "old": template(endpoint([instance_variant("a")]))}, "us-east-1"
    )
    change = write_assembly(tmp_path / "change.out", {"prod": prod(floor=3)}, "us-east-1")
    code, out, _ = run(capsys, str(change), "--prices", str(prices), "--compare", str(base), "--week", WEEK)
    assert code == 0
    # A floor of 3 instead of 2 on weekends and nights: 103 more instance-hours a week (the weekday 4s stay),
    # 103 / 168 × 730 × $0.10 = $44.76 more; the old environment's one instance, 730 h × $0.10 = $73 less.
    section = out[out.index("cost difference against") :]
    assert "  prod: $207/month → $252/month: +$44.76/month" in section
    assert "  old: removed (was $73.08/month): -$73.08/month" in section
    assert "  total: -$28.32/month" in section

    code, out, _ = run(capsys, str(change), "--prices", str(prices), "--compare", str(base), "--json", "--week", WEEK)
    comparison = json.loads(out)["comparison"]
    assert comparison["base"] == str(base)
    assert [(e["name"], e["change"]) for e in comparison["environments"]] == [("prod", 44.76), ("old", -73.08)]


def test_an_unpriceable_template_exits_1_with_only_the_message(
    tmp_path: Path, prices: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpu = write_assembly(
        tmp_path / "out", {"gpu": template(endpoint([instance_variant("llm", "ml.p5.48xlarge")]))}, "us-east-1"
    )
    code, out, err = run(capsys, str(gpu), "--prices", str(prices))
    assert code == 1 and out == ""
    assert err.startswith("plan: cannot price every environment:\n")
    assert f"instance type 'ml.p5.48xlarge' has no price for us-east-1 in {prices}" in err
    assert "Traceback" not in err


def test_a_missing_assembly_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere"))
    assert code == 1
    assert "not a cloud assembly (no manifest.json); run `cdk synth` (or `make synth`) first" in err


def test_runs_as_a_module_without_cdk_or_jsii(assembly: Path, prices: Path) -> None:
    probe = (
        "import runpy, sys; sys.argv = ['plan', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('sagemaker_serving.plan', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')), exit.code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(assembly), "--prices", str(prices)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'constructs'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "== prod" in result.stdout
    assert result.stdout.rstrip().endswith("[] 0")
