"""The problems a configuration has, as the tests of the configuration compare them (tests/stacks/test_config*.py).

``parse_problems`` for the file's own rules (``stacks.config.parse``), ``build_problems`` for the constructs'
rules, met when ``build_app`` builds every environment, as ``cdk synth`` meets them.
"""

from __future__ import annotations

from typing import Any

import pytest

from app import build_app
from stacks.config import ConfigError, parse


def parse_problems(data: dict[str, Any]) -> tuple[str, ...]:
    """The problems ``parse`` raises for ``data`` (a parsed TOML file); fails the test if it raises none."""
    with pytest.raises(ConfigError) as info:
        parse(data)
    return info.value.problems


def build_problems(data: dict[str, Any]) -> tuple[str, ...]:
    """The problems ``build_app`` raises for the configuration ``data``; fails the test if it raises none."""
    with pytest.raises(ConfigError) as info:
        build_app(parse(data))
    return info.value.problems
