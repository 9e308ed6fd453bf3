"""The installed package plans a cloud assembly with its own price file (package data), without the repository."""

from __future__ import annotations

import json
from pathlib import Path

from tests.plan.builders import autoscaling, endpoint, instance_variant, template, write_assembly
from tests.support.venv import Venv


def test_installed_plan_reads_an_assembly_with_the_shipped_prices(installed: Venv, tmp_path: Path) -> None:
    assembly = write_assembly(
        tmp_path / "cdk.out",
        {"prod": template(endpoint([instance_variant("a", count=2)]), autoscaling("a", 2, 4))},
        region="us-east-1",
    )
    result = installed.run("-m", "sagemaker_serving.plan", str(assembly), "--json", cwd=tmp_path)
    document = json.loads(result.stdout)

    price_file = Path(document["price_file"])
    assert price_file == installed.purelib / "sagemaker_serving" / "plan" / "prices.toml"
    assert (
        price_file.read_text()
        == (
            Path(__file__).resolve().parents[2] / "constructs" / "sagemaker_serving" / "plan" / "prices.toml"
        ).read_text()
    )
    (prod,) = document["environments"]
    assert prod["cost_per_month"]["lines"][0]["item"] == "a: ml.m5.large × 2-4"
    assert prod["instance_hours_per_month"][0]["at_min"] == 2 * 730
