"""Shared fixtures. jsii starts once per test process; every environment is synthesised once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import build_app
from stacks.config import AppConfig, load

ROOT = Path(__file__).resolve().parents[1]
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """A template with asset hashes (which change with Lambda and model files) blanked."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


def resources(template: Template, type_name: str) -> dict[str, Any]:
    """Logical ID → resource of one type."""
    return template.find_resources(type_name)  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def app_config() -> AppConfig:
    """The reference configuration (stacks/environments.toml)."""
    return load()


@pytest.fixture(scope="session")
def assembly_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's app writes its cloud assembly."""
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def env_stacks(app_config: AppConfig, assembly_dir: Path) -> dict[str, cdk.Stack]:
    """Every environment's stack, built once for the whole session."""
    app = build_app(app_config, outdir=str(assembly_dir))
    app.synth()
    return {name: app.node.find_child(env.stack_name) for name, env in app_config.environments.items()}  # type: ignore[misc]


@pytest.fixture(scope="session")
def env_templates(env_stacks: dict[str, cdk.Stack]) -> dict[str, Template]:
    """Every environment's template, for assertions."""
    return {name: Template.from_stack(stack) for name, stack in env_stacks.items()}


@pytest.fixture
def stack() -> Iterator[cdk.Stack]:
    """A bare, environment-agnostic stack in a fresh app."""
    yield cdk.Stack(cdk.App(), "TestStack")
