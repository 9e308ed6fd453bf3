"""Shared fixtures. jsii starts once per test process; every environment is synthesised once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import build_app
from stacks.config import AppConfig, load

ROOT = Path(__file__).resolve().parents[1]


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
