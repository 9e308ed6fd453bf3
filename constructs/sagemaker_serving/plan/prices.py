"""The price file: per region, dated, with its source; shipped as package data and editable.

``prices.toml`` next to this module is the default (``PRICE_FILE``); ``--prices FILE`` reads another
with the same layout. A :class:`PriceBook` is one region of a file; asking it for a price it lacks
records the gap, so a plan reports every missing price at once, each naming the key and the file.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sagemaker_serving.plan.cfn import PlanError

#: The price file shipped with the package.
PRICE_FILE = Path(str(resources.files("sagemaker_serving.plan").joinpath("prices.toml")))
STATUSES = ("aws-page", "aws-bill", "derived", "third-party")


@dataclass(frozen=True)
class Price:
    """One entry of the file."""

    key: str
    usd: float
    unit: str
    status: str
    checked: str
    source: str
    note: str = ""
    #: (millions of requests in the tier, USD per million), in order; empty for a flat price.
    tiers: tuple[tuple[float, float], ...] = ()

    def cost(self, quantity: float) -> float:
        """The price of ``quantity`` units (tiers apply to millions of requests)."""
        if not self.tiers:
            return quantity * self.usd
        left, total = quantity, 0.0
        for size, usd in self.tiers:
            used = min(left, size)
            total += used * usd
            left -= used
            if left <= 0:
                break
        return total


@dataclass
class PriceBook:
    """The prices of one region of a price file, and the prices asked for that it lacks."""

    path: Path
    region: str
    currency: str
    hours_per_month: float
    instance_hour: Mapping[str, Price]
    rates: Mapping[str, Price]
    missing: list[str] = field(default_factory=list)
    used: dict[str, Price] = field(default_factory=dict)

    def instance(self, instance_type: str, *, where: str) -> Price | None:
        """The hourly price of ``instance_type``, or ``None`` (recorded as missing)."""
        price = self.instance_hour.get(instance_type)
        if price is None:
            self._missing(
                f"{where}: instance type {instance_type!r} has no price for {self.region} in {self.path}; add "
                f'"{instance_type}" = {{ usd = <USD per instance-hour>, unit = "instance-hour", status = "...", '
                f'checked = "<date>", source = "<url>" }} under [regions.{self.region}.instance_hour]'
            )
            return None
        self.used[f"instance_hour.{instance_type}"] = price
        return price

    def rate(self, key: str, *, where: str) -> Price | None:
        """The price called ``key`` (``lambda_request_million`` …), or ``None`` (recorded as missing)."""
        price = self.rates.get(key)
        if price is None:
            self._missing(
                f"{where}: no price {key!r} for {self.region} in {self.path}; add "
                f"{key} = {{ usd = <USD>, unit = ..., status = ..., checked = ..., source = ... }} under "
                f"[regions.{self.region}.rates]"
            )
            return None
        self.used[key] = price
        return price

    def _missing(self, problem: str) -> None:
        if problem not in self.missing:
            self.missing.append(problem)


def load_prices(path: Path, region: str) -> PriceBook:
    """Region ``region`` of the price file at ``path``.

    :raises PlanError: the file cannot be read, is malformed, or has no such region.
    """
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlanError([f"{path}: cannot be read as a price file ({exc})"]) from exc
    regions = document.get("regions") or {}
    if region not in regions:
        known = ", ".join(sorted(regions)) or "none"
        raise PlanError(
            [
                f"{path}: no prices for region {region!r} (it has {known}); add a [regions.{region}.…] section "
                "or pass --region"
            ]
        )
    meta = document.get("file") or {}
    section = regions[region]
    problems: list[str] = []
    book = PriceBook(
        path=path,
        region=region,
        currency=str(meta.get("currency", "USD")),
        hours_per_month=float(meta.get("hours_per_month", 730)),
        instance_hour=_entries(section.get("instance_hour") or {}, f"regions.{region}.instance_hour", problems),
        rates=_entries(section.get("rates") or {}, f"regions.{region}.rates", problems),
    )
    if problems:
        raise PlanError([f"{path}: {p}" for p in problems])
    return book


def _entries(table: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, Price]:
    entries = {}
    for key, entry in table.items():
        usd = entry.get("usd") if isinstance(entry, Mapping) else None
        if isinstance(usd, bool) or not isinstance(usd, int | float) or usd < 0 or not math.isfinite(usd):
            problems.append(f"{where}.{key}: expected {{ usd = <a price of 0 or more>, ... }}, not {entry!r}")
            continue
        status = str(entry.get("status", "third-party"))
        if status not in STATUSES:
            problems.append(f"{where}.{key}.status: {status!r} is not one of {', '.join(STATUSES)}")
        entries[key] = Price(
            key=key,
            usd=float(usd),
            unit=str(entry.get("unit", "")),
            status=status,
            checked=str(entry.get("checked", "")),
            source=str(entry.get("source", "")),
            note=str(entry.get("note", "")),
            tiers=tuple((float(size), float(price)) for size, price in entry.get("tiers", [])),
        )
    return entries
