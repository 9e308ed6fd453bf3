"""Shared fixtures: the configurations under test, each synthesised once per session in one jsii process.

Two kinds of stack tests (see ARCHITECTURE.md):

- **any configuration**: properties that hold whatever environments the user's file holds
  (``stacks/environments.toml``, or ``$SERVING_CONFIG``). They take ``any_config``, which runs each of
  them on the user's configuration, on the reference configuration with the README's three
  ordinary edits (a fourth environment, new weights, a schedule) plus a minimal environment, and on
  each example configuration of ``examples/``. They never name an environment.
- **reference values**: snapshots and "prod has two variants", on the pinned copy
  ``tests/fixtures/environments.toml`` (``reference_config``, ``reference_stacks``,
  ``reference_templates``), so editing ``stacks/environments.toml`` never needs a snapshot refresh.

When the user's file is still the reference one, both kinds share one app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from app import build_app
from stacks.config import AppConfig, load
from stacks.serving_stack import ServingStack

ROOT = Path(__file__).resolve().parents[1]
#: The reference configuration, pinned: a copy of stacks/environments.toml as the repository ships it.
REFERENCE_CONFIG_FILE = ROOT / "tests" / "fixtures" / "environments.toml"
#: One configuration per inference option (examples/*.toml): each is an ``any_config`` too.
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


@dataclass(frozen=True)
class Synthesised:
    """One configuration, built into one app and synthesised into ``assembly_dir``."""

    config: AppConfig
    app: cdk.App
    assembly_dir: Path
    stacks: dict[str, ServingStack]
    templates: dict[str, Template]


def synthesise(config: AppConfig, outdir: Path) -> Synthesised:
    """Every environment of ``config`` in one app, synthesised."""
    app = build_app(config, outdir=str(outdir))
    app.synth()
    stacks: dict[str, ServingStack] = {
        name: app.node.find_child(env.stack_name)  # type: ignore[misc]
        for name, env in config.environments.items()
    }
    return Synthesised(config, app, outdir, stacks, {n: Template.from_stack(s) for n, s in stacks.items()})


def readme_edits(reference: str) -> str:
    """The reference file with the README's ordinary edits, made as a user would make them in an editor.

    1. a fourth environment ``perf``, a copy of staging;
    2. 5% of prod's traffic to the challenger (weights 0.95 / 0.05);
    3. a weekday scale-up schedule in staging (which needs autoscaling, so min/max capacity);
    and a minimal environment, given only its required keys.
    """
    staging = re.search(r"^\[environments\.staging\].*?(?=^# prod)", reference, re.S | re.M)
    assert staging, "the reference file has a staging section before prod's"
    perf = staging.group(0).replace("environments.staging", "environments.perf").replace('"staging"', '"perf"')
    edited = reference.replace("initial_weight = 0.9\n", "initial_weight = 0.95\n")
    edited = edited.replace("initial_weight = 0.1\n", "initial_weight = 0.05\n")
    schedule = """
[environments.staging.instance_variants.autoscaling]
min_capacity = 1
max_capacity = 2
schedules = [
  { name = "weekday-up", schedule = "cron(0 8 ? * MON-FRI *)", min_capacity = 2, time_zone = "Europe/Paris" },
  { name = "weekday-down", schedule = "cron(0 18 ? * MON-FRI *)", min_capacity = 1, time_zone = "Europe/Paris" },
]
"""
    edited = edited.replace(
        'instance_type = "ml.m5.large"\ninitial_instance_count = 1\n',
        'instance_type = "ml.m5.large"\ninitial_instance_count = 1\n' + schedule,
        1,
    )
    minimal = """
[[environments.minimal.instance_variants]]
name = "champion"
model = "champion"
instance_type = "ml.m5.large"
"""
    return edited + "\n" + perf + minimal


@pytest.fixture(scope="session")
def reference_config() -> AppConfig:
    """The reference configuration (tests/fixtures/environments.toml: dev, staging, prod)."""
    return load(REFERENCE_CONFIG_FILE)


@pytest.fixture(scope="session")
def reference(reference_config: AppConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    """The reference configuration's app, synthesised once for the session."""
    return synthesise(reference_config, tmp_path_factory.mktemp("cdk.reference.out"))


@pytest.fixture(scope="session")
def reference_stacks(reference: Synthesised) -> dict[str, ServingStack]:
    """The reference environments' stacks, by environment name."""
    return reference.stacks


@pytest.fixture(scope="session")
def reference_templates(reference: Synthesised) -> dict[str, Template]:
    """The reference environments' templates, by environment name."""
    return reference.templates


@pytest.fixture(scope="session")
def reference_assembly_dir(reference: Synthesised) -> Path:
    """Where the reference app wrote its cloud assembly."""
    return reference.assembly_dir


@pytest.fixture(scope="session")
def user_config() -> AppConfig:
    """The user's configuration: stacks/environments.toml, or the file ``$SERVING_CONFIG`` names."""
    return load()


@pytest.fixture(scope="session")
def readme_edits_config(tmp_path_factory: pytest.TempPathFactory) -> AppConfig:
    """The reference file with the README's ordinary edits, in a temporary copy, loaded as usual."""
    path = tmp_path_factory.mktemp("readme-edits") / "environments.toml"
    path.write_text(readme_edits(REFERENCE_CONFIG_FILE.read_text()))
    return load(path)


@pytest.fixture(scope="session", params=["user-config", "readme-edits", *(f"example:{p.name}" for p in EXAMPLES)])
def any_config(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    """A configuration the any-configuration tests run on: the user's, the README-edited reference, then
    each example under examples/ (so cdk-nag, checkov, the IAM and storage rules cover them too)."""
    if request.param.startswith("example:"):
        return synthesised_example(ROOT / "examples" / request.param.removeprefix("example:"), tmp_path_factory)
    if request.param == "user-config":
        user_config: AppConfig = request.getfixturevalue("user_config")
        reference_config: AppConfig = request.getfixturevalue("reference_config")
        if user_config == reference_config:
            return request.getfixturevalue("reference")  # type: ignore[no-any-return]
        return synthesise(user_config, tmp_path_factory.mktemp("cdk.user.out"))
    return synthesise(request.getfixturevalue("readme_edits_config"), tmp_path_factory.mktemp("cdk.edited.out"))


_EXAMPLES_SYNTHESISED: dict[Path, Synthesised] = {}


def synthesised_example(path: Path, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    """An example configuration, synthesised once per session (shared by ``any_config`` and tests/stacks/test_examples.py)."""
    if path not in _EXAMPLES_SYNTHESISED:
        _EXAMPLES_SYNTHESISED[path] = synthesise(load(path), tmp_path_factory.mktemp(f"cdk.{path.stem}.out"))
    return _EXAMPLES_SYNTHESISED[path]


@pytest.fixture
def stack() -> Iterator[cdk.Stack]:
    """A bare, environment-agnostic stack in a fresh app."""
    yield cdk.Stack(cdk.App(), "TestStack")
