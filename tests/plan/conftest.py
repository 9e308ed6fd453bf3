"""Fixtures of the plan tests: a price file with round numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.builders import PRICES


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    """A price file for us-east-1 with round prices (ml.m5.large at $0.10 an hour)."""
    path = tmp_path / "prices.toml"
    path.write_text(PRICES)
    return path
