"""The per-environment configuration as loaded: one stack per environment of any configuration, the file
``$SERVING_CONFIG`` names, the reference values, and the problems of the file as a whole (unknown environment,
invalid TOML, top-level keys). Its keys and rules: test_config_parsing.py; construct problems:
test_config_build_problems.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import build_app
from stacks.config import CONFIG_ENV_VAR, CONFIG_FILE, AppConfig, ConfigError, load, parse
from tests.conftest import REFERENCE_CONFIG_FILE, ROOT, Synthesised


# ---------------------------------------------------------------------------------------------
# Any configuration: the user's file parses, and every environment is a stack.
# ---------------------------------------------------------------------------------------------
def test_the_users_configuration_has_one_valid_stack_per_environment(any_config: Synthesised) -> None:
    config = any_config.config
    assert config.environments
    assert {env.stack_name for env in config.environments.values()} == {
        f"ModelServing-{name}" for name in config.environments
    }
    for env in config.environments.values():
        kinds = [env.instance_variants, env.serverless_variants, env.instance_pool]
        assert sum(bool(kind) for kind in kinds) == 1, env.name
        assert all(key in config.models for key in env.model_keys)


def test_the_default_file_is_stacks_environments_toml_unless_serving_config_names_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    assert load().source == CONFIG_FILE
    monkeypatch.setenv(CONFIG_ENV_VAR, str(REFERENCE_CONFIG_FILE))
    assert load().source == REFERENCE_CONFIG_FILE
    monkeypatch.setenv(CONFIG_ENV_VAR, str(ROOT / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing.toml: no such file; create it or point SERVING_CONFIG at one"):
        load()


# ---------------------------------------------------------------------------------------------
# The reference values
# ---------------------------------------------------------------------------------------------
def test_reference_configuration_has_the_three_environments(reference_config: AppConfig) -> None:
    assert list(reference_config.environments) == ["dev", "staging", "prod"]
    dev, staging, prod = (reference_config.environments[n] for n in ("dev", "staging", "prod"))
    assert [v.name for v in dev.serverless_variants] == ["champion"] and not dev.instance_variants
    assert [(v.name, v.instance_type) for v in staging.instance_variants] == [("champion", "ml.m5.large")]
    assert [(v.name, v.initial_weight, v.initial_instance_count) for v in prod.instance_variants] == [
        ("champion", 0.9, 2),
        ("challenger", 0.1, 2),
    ]
    champion = prod.instance_variants[0]
    assert champion.autoscaling is not None and champion.autoscaling.schedules is not None
    assert champion.autoscaling.schedules[0].min_capacity == 4
    assert prod.stack_name == "ModelServing-prod"
    assert prod.account is None and prod.region is None  # environment-agnostic by default


def test_settings_the_file_leaves_out_are_the_constructs_defaults(reference_config: AppConfig) -> None:
    """``None`` in the config, nothing passed: the construct's documented default applies (asserted on the template)."""
    from stacks.serving_endpoint import variant_props

    staging = reference_config.environments["staging"].instance_variants[0]
    assert staging.initial_weight is None and staging.volume_size_gb is None
    assert variant_props(staging) == {"name": "champion", "instance_type": "ml.m5.large", "initial_instance_count": 1}
    prod = reference_config.environments["prod"]
    assert prod.network.max_azs is None and prod.network.cidr is None
    assert (
        prod.instance_variants[0].autoscaling
        and prod.instance_variants[0].autoscaling.scale_in_cooldown_seconds is None
    )


def test_schedules_and_waf_are_the_constructs_value_objects(reference_config: AppConfig) -> None:
    from sagemaker_serving import ScheduledCapacity, WafOptions

    prod = reference_config.environments["prod"]
    autoscaling = prod.instance_variants[0].autoscaling
    assert autoscaling is not None and autoscaling.schedules is not None
    assert all(type(s) is ScheduledCapacity for s in autoscaling.schedules)
    assert autoscaling.schedules[1] == ScheduledCapacity(
        name="weekday-floor-down", schedule="cron(0 20 ? * MON-FRI *)", min_capacity=2, time_zone="Europe/London"
    )
    assert prod.front_door.waf == WafOptions(rate_limit_per_5_minutes=2000)


def test_readme_edits_take_effect(readme_edits_config: AppConfig, reference_config: AppConfig) -> None:
    """The README's ordinary edits, made to a copy of the reference file, are what the config says."""
    config = readme_edits_config
    assert list(config.environments) == ["dev", "staging", "prod", "perf", "minimal"]
    perf, staging = config.environments["perf"], reference_config.environments["staging"]
    assert (perf.instance_variants, perf.network, perf.front_door) == (
        staging.instance_variants,
        staging.network,
        staging.front_door,
    )
    assert config.environments["perf"].tags == {"Environment": "perf"}
    assert [v.initial_weight for v in config.environments["prod"].instance_variants] == [0.95, 0.05]
    staging = config.environments["staging"].instance_variants[0].autoscaling
    assert staging is not None and staging.schedules is not None
    assert [(s.name, s.min_capacity) for s in staging.schedules] == [("weekday-up", 2), ("weekday-down", 1)]


# ---------------------------------------------------------------------------------------------
# The file as a whole
# ---------------------------------------------------------------------------------------------
def test_unknown_environment_is_named_with_the_known_ones(reference_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown; known environments: dev, prod, staging"):
        reference_config.environment("qa")


def test_unknown_environment_from_cdk_context_fails_synth(reference_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown"):
        build_app(reference_config, context={"env": "qa"})


def test_top_level_and_empty_files_are_rejected() -> None:
    with pytest.raises(ConfigError, match="top level: model: is not a known key; did you mean 'models'?"):
        parse({"model": {}, "models": {}, "environments": {}})
    with pytest.raises(ConfigError, match=r"environments: missing; expected a table"):
        parse({"models": {}})
    with pytest.raises(
        ConfigError, match=r"environments: none defined; add at least one \[environments.<name>\] table"
    ):
        parse({"models": {}, "environments": {}})


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "environments.toml"
    path.write_text("[models.champion]\nartifact = \n")
    with pytest.raises(
        ConfigError, match=r"Invalid configuration \(.*environments.toml\):\n  - not valid TOML: .*line 2"
    ):
        load(path)
