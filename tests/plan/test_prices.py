"""The price file shipped with the package: every entry dated and sourced, both reference regions."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest

from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.prices import PRICE_FILE, STATUSES, load_prices

#: What every environment of the reference app needs priced, in both regions (serverless: us-east-1 only).
NEEDED = {
    "sagemaker_data_gb",
    "api_gateway_rest_million",
    "lambda_request_million",
    "lambda_gb_second_arm64",
    "lambda_gb_second_x86_64",
    "waf_web_acl_month",
    "waf_rule_month",
    "waf_request_million",
    "vpc_interface_endpoint_az_hour",
    "vpc_endpoint_data_gb",
    "kms_key_month",
    "logs_ingestion_gb",
}


def entries() -> list[tuple[str, str, dict[str, object]]]:
    document = tomllib.loads(PRICE_FILE.read_text())
    return [
        (region, key, entry)
        for region, tables in document["regions"].items()
        for table in tables.values()
        for key, entry in table.items()
    ]


def test_the_file_ships_next_to_the_module() -> None:
    assert PRICE_FILE.name == "prices.toml" and PRICE_FILE.is_file()
    assert PRICE_FILE.parent == Path(__file__).resolve().parents[2] / "constructs" / "sagemaker_serving" / "plan"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_each_reference_region_prices_the_reference_instances_and_rates(region: str) -> None:
    book = load_prices(PRICE_FILE, region)
    assert "ml.m5.large" in book.instance_hour
    assert set(book.rates) >= NEEDED, sorted(NEEDED - set(book.rates))
    assert book.hours_per_month == 730 and book.currency == "USD"


def test_every_entry_has_a_source_a_date_and_a_status() -> None:
    for region, key, entry in entries():
        where = f"{region}.{key}"
        assert str(entry["source"]).startswith("https://"), where
        datetime.date.fromisoformat(str(entry["checked"]))
        assert entry["status"] in STATUSES, where
        assert entry["unit"], where
        if entry["status"] in ("derived", "third-party"):
            assert entry.get("note") or entry["status"] == "third-party", f"{where}: say how it was derived"


def test_unknown_prices_are_left_out_rather_than_guessed() -> None:
    """No source could be read for provisioned concurrency, nor for eu-west-1 serverless: the file says so
    in comments, and a plan that needs them stops with an error naming the key."""
    us_east = load_prices(PRICE_FILE, "us-east-1")
    eu_west = load_prices(PRICE_FILE, "eu-west-1")
    assert "sagemaker_serverless_gb_second" in us_east.rates
    assert "sagemaker_serverless_gb_second" not in eu_west.rates
    assert not any("provisioned" in key for key in (*us_east.rates, *eu_west.rates))
    assert "sagemaker_serverless_provisioned_gb_second" in PRICE_FILE.read_text()  # named in a comment


def test_a_malformed_entry_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "prices.toml"
    bad.write_text('[regions.us-east-1.rates]\nkms_key_month = { usd = "one", status = "guess" }\n')
    with pytest.raises(
        PlanError, match=r"regions.us-east-1.rates.kms_key_month: expected \{ usd = <a price of 0 or more>"
    ):
        load_prices(bad, "us-east-1")
