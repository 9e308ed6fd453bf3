"""The per-environment configuration: strict parsing, every problem named with its environment."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from app import build_app
from stacks.config import CONFIG_FILE, AppConfig, ConfigError, parse


@pytest.fixture
def raw() -> dict[str, Any]:
    with open(CONFIG_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_reference_configuration_has_the_three_environments(app_config: AppConfig) -> None:
    assert list(app_config.environments) == ["dev", "staging", "prod"]
    dev, staging, prod = (app_config.environments[n] for n in ("dev", "staging", "prod"))
    assert [v.name for v in dev.serverless_variants] == ["champion"] and not dev.instance_variants
    assert [(v.name, v.instance_type) for v in staging.instance_variants] == [("champion", "ml.m5.large")]
    assert [(v.name, v.initial_weight, v.initial_instance_count) for v in prod.instance_variants] == [
        ("champion", 0.9, 2),
        ("challenger", 0.1, 2),
    ]
    champion = prod.instance_variants[0]
    assert champion.autoscaling is not None and champion.autoscaling.schedules[0].min_capacity == 4
    assert prod.stack_name == "ModelServing-prod"
    assert prod.account is None and prod.region is None  # environment-agnostic by default


def test_unknown_environment_is_named_with_the_known_ones(app_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown; known environments: dev, prod, staging"):
        app_config.environment("qa")


def test_unknown_environment_from_cdk_context_fails_synth(app_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown"):
        build_app(app_config, context={"env": "qa"})


def test_misspelt_keys_get_a_suggestion(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    variant = bad["environments"]["prod"]["instance_variants"][1]
    variant["instance_typ"] = variant.pop("instance_type")
    bad["environments"]["staging"]["tagz"] = {}
    with pytest.raises(ConfigError) as info:
        parse(bad)
    message = str(info.value)
    assert (
        "environment 'prod': instance_variants[1].instance_typ: is not a known key; did you mean 'instance_type'?"
        in message
    )
    assert "environment 'prod': instance_variants[1].instance_type: missing; it is required" in message
    assert "environment 'staging': tagz: is not a known key; did you mean 'tags'?" in message


def test_wrong_types_and_references_are_all_reported(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    prod = bad["environments"]["prod"]
    prod["instance_variants"][0]["initial_instance_count"] = "two"
    prod["instance_variants"][1]["model"] = "champino"
    prod["instance_variants"][0]["autoscaling"]["schedules"][0]["min_capacity"] = 4.5
    bad["environments"]["dev"]["account"] = "12345"
    bad["environments"]["staging"]["serverless_variants"] = [{"name": "x", "model": "champion"}]
    with pytest.raises(ConfigError) as info:
        parse(bad)
    message = str(info.value)
    for expected in [
        "environment 'prod': instance_variants[0].initial_instance_count: 'two' is not allowed; expected int",
        "environment 'prod': instance_variants[0].autoscaling.schedules[0].min_capacity: 4.5 is not allowed; expected int",
        "environment 'dev': account: '12345' is not allowed; expected a 12-digit account ID",
        "environment 'staging': set exactly one of instance_variants or serverless_variants",
    ]:
        assert expected in message, expected
    bad["environments"]["prod"]["instance_variants"][0]["initial_instance_count"] = 2
    bad["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][0]["min_capacity"] = 4
    with pytest.raises(ConfigError) as info:
        parse(bad)
    assert (
        "environment 'prod': instance_variants[1].model: 'champino' is not a model; known models: challenger, champion"
        in str(info.value)
    )


def test_top_level_and_empty_files_are_rejected() -> None:
    with pytest.raises(ConfigError, match="top level: model: is not a known key; did you mean 'models'?"):
        parse({"model": {}, "models": {}, "environments": {}})
    with pytest.raises(ConfigError, match=r"environments: missing; expected a table"):
        parse({"models": {}})


def test_bad_values_fail_synth_naming_the_environment_and_field(raw: dict[str, Any]) -> None:
    """Range rules live in the constructs; the stack adds the environment to their message."""
    bad = copy.deepcopy(raw)
    prod = bad["environments"]["prod"]
    prod["instance_variants"][0]["instance_type"] = "ml.m5.huge"
    prod["instance_variants"][1]["initial_weight"] = 0
    bad["environments"]["dev"]["serverless_variants"][0]["memory_size_mb"] = 1500
    config = parse(bad)
    with pytest.raises(ConfigError) as info:
        build_app(config)
    message = str(info.value)
    # dev is built first and fails first: one clear message for that environment.
    assert (
        "environment 'dev': Invalid production variants: variants[0] ('champion').memory_size_mb: 1500 is not allowed; "
        "must be one of 1024, 2048" in message
    )
    only_prod = parse({**bad, "environments": {"prod": bad["environments"]["prod"]}})
    with pytest.raises(ConfigError) as info:
        build_app(only_prod)
    message = str(info.value)
    assert len(info.value.problems) == 2
    assert (
        "environment 'prod': Invalid production variants: variants[0] ('champion').instance_type: 'ml.m5.huge' "
        "is not allowed" in message
    )
    assert (
        "environment 'prod': Invalid production variants: variants[1] ('challenger').initial_weight: 0.0 is not allowed; "
        "must be > 0" in message
    )


def test_autoscaling_capacity_outside_initial_count_fails_synth(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"] = {"prod": bad["environments"]["prod"]}
    bad["environments"]["prod"]["instance_variants"][1]["autoscaling"]["min_capacity"] = 3
    with pytest.raises(
        ConfigError,
        match=r"environment 'prod': Invalid autoscaling of variant 'challenger': min_capacity/max_capacity: 3..4 must include",
    ):
        build_app(parse(bad))


def test_lambda_only_front_door_settings_are_refused_with_the_direct_integration(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["prod"]["front_door"]["integration"] = "direct"  # prod sets memory_size_mb = 512
    bad["environments"]["prod"]["front_door"]["sagemaker_read_timeout_seconds"] = 5.0
    with pytest.raises(ConfigError) as info:
        parse(bad)
    message = str(info.value)
    assert (
        "environment 'prod': front_door.memory_size_mb: 512 is not allowed with integration = 'direct' "
        "(it configures the Lambda function, which the direct integration does not have)" in message
    )
    assert "environment 'prod': front_door.sagemaker_read_timeout_seconds: 5.0 is not allowed" in message


def test_empty_lists_are_not_replaced_by_defaults(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"] = {"dev": bad["environments"]["dev"]}
    bad["environments"]["dev"]["front_door"]["allowed_content_types"] = []
    with pytest.raises(
        ConfigError,
        match=r"environment 'dev': Invalid front door props: integration.allowed_content_types: \(\) is not allowed; expected a non-empty list",
    ):
        build_app(parse(bad))


def test_scheduled_capacity_zero_is_refused(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"] = {"prod": bad["environments"]["prod"]}
    schedule = bad["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][1]
    schedule["min_capacity"] = 0
    with pytest.raises(
        ConfigError,
        match=r"schedules\[1\].min_capacity: 0 is not allowed; must be an integer from 1 to 1000 \(a SageMaker variant keeps at least one instance\)",
    ):
        build_app(parse(bad))
