"""Fixtures of the stack tests (the configurations they synthesise are tests/conftest.py's)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from tests.conftest import REFERENCE_CONFIG_FILE


@pytest.fixture
def raw() -> dict[str, Any]:
    """The pinned reference file as TOML data, a fresh copy per test to change one thing in."""
    with open(REFERENCE_CONFIG_FILE, "rb") as fh:
        return tomllib.load(fh)
