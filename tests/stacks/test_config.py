"""The per-environment configuration: strict parsing, every problem named with its environment and key.

Rules are checked on the pinned reference file (tests/fixtures/environments.toml) with one change
each; construct problems are checked through ``build_app``, as ``cdk synth`` meets them.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import app as app_module
from app import build_app
from stacks.config import CONFIG_ENV_VAR, CONFIG_FILE, AppConfig, ConfigError, load, parse
from stacks.regions import REGIONS
from tests.conftest import REFERENCE_CONFIG_FILE, ROOT, Synthesised


@pytest.fixture
def raw() -> dict[str, Any]:
    with open(REFERENCE_CONFIG_FILE, "rb") as fh:
        return tomllib.load(fh)


def _problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        parse(data)
    return info.value.problems


def _build_problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        build_app(parse(data))
    return info.value.problems


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
# Keys and types
# ---------------------------------------------------------------------------------------------
def test_unknown_environment_is_named_with_the_known_ones(reference_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown; known environments: dev, prod, staging"):
        reference_config.environment("qa")


def test_unknown_environment_from_cdk_context_fails_synth(reference_config: AppConfig) -> None:
    with pytest.raises(ConfigError, match="environment 'qa' is unknown"):
        build_app(reference_config, context={"env": "qa"})


def test_misspelt_keys_get_a_suggestion(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    variant = bad["environments"]["prod"]["instance_variants"][1]
    variant["instance_typ"] = variant.pop("instance_type")
    bad["environments"]["staging"]["tagz"] = {}
    bad["environments"]["dev"]["name"] = "development"
    problems = _problems(bad)
    assert (
        "environment 'prod': instance_variants[1].instance_typ: is not a known key; did you mean 'instance_type'?"
        in problems
    )
    assert "environment 'prod': instance_variants[1].instance_type: missing; it is required" in problems
    assert "environment 'staging': tagz: is not a known key; did you mean 'tags'?" in problems
    assert "environment 'dev': name: is not a known key; the table's name is the environment's" in problems


def test_wrong_types_and_references_are_all_reported(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    prod = bad["environments"]["prod"]
    prod["instance_variants"][0]["initial_instance_count"] = "two"
    prod["instance_variants"][1]["model"] = "champino"
    prod["instance_variants"][0]["autoscaling"]["schedules"][0]["min_capacity"] = 4.5
    bad["environments"]["dev"]["account"] = "12345"
    bad["environments"]["staging"]["serverless_variants"] = [{"name": "x", "model": "champion"}]
    message = "\n".join(_problems(bad))
    for expected in [
        "environment 'prod': instance_variants[0].initial_instance_count: 'two' is not allowed; expected int",
        "environment 'prod': instance_variants[0].autoscaling.schedules[0].min_capacity: 4.5 is not allowed; expected int",
        "environment 'dev': account: '12345' is not allowed; expected a 12-digit account ID",
        "environment 'staging': set exactly one of instance_variants or serverless_variants",
    ]:
        assert expected in message, expected
    bad["environments"]["prod"]["instance_variants"][0]["initial_instance_count"] = 2
    bad["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][0]["min_capacity"] = 4
    assert (
        "environment 'prod': instance_variants[1].model: 'champino' is not a model; did you mean 'champion'? "
        "known models: challenger, champion" in _problems(bad)
    )


def test_nothing_is_coerced(raw: dict[str, Any]) -> None:
    """ "2" is not an int, true is not 1, a string is not a list, a table is not a string."""
    bad = copy.deepcopy(raw)
    staging = bad["environments"]["staging"]
    staging["instance_variants"][0]["initial_instance_count"] = "2"
    staging["instance_variants"][0]["initial_weight"] = True
    staging["front_door"]["cors_allowed_origins"] = "https://example.com"
    staging["front_door"]["log_retention_days"] = True
    staging["tags"] = {"Environment": 5}
    bad["models"]["champion"]["image"] = {"uri": "x"}
    assert _problems(bad) == (
        "models.champion.image: {'uri': 'x'} is not allowed; expected str",
        "environment 'staging': instance_variants[0].initial_instance_count: '2' is not allowed; expected int",
        "environment 'staging': instance_variants[0].initial_weight: True is not allowed; expected float",
        "environment 'staging': tags.Environment: 5 is not allowed; expected str",
        "environment 'staging': front_door.cors_allowed_origins: 'https://example.com' is not allowed; expected a list",
        "environment 'staging': front_door.log_retention_days: True is not allowed; expected one of 1, 3, 5, 7, 14, "
        "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    )


def test_tables_must_be_tables(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["dev"]["network"] = True
    bad["environments"]["staging"]["instance_variants"] = {"name": "champion"}
    bad["models"]["challenger"] = "s3://bucket/key"
    assert _problems(bad) == (
        "models.challenger: 's3://bucket/key' is not allowed; expected a table",
        "environment 'dev': network: True is not allowed; expected a table",
        "environment 'staging': instance_variants: {'name': 'champion'} is not allowed; expected a list",
    )


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


def test_autoscaling_needs_min_and_max_capacity(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["staging"]["instance_variants"][0]["autoscaling"] = {"target_invocations_per_instance": 50}
    assert _problems(bad) == (
        "environment 'staging': instance_variants[0].autoscaling.min_capacity: missing; it is required",
        "environment 'staging': instance_variants[0].autoscaling.max_capacity: missing; it is required",
    )


def test_durations_are_numbers_of_seconds_not_below_zero(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["prod"]["instance_variants"][1]["autoscaling"]["scale_in_cooldown_seconds"] = -5
    bad["environments"]["prod"]["front_door"]["sagemaker_read_timeout_seconds"] = "9s"
    assert _problems(bad) == (
        "environment 'prod': instance_variants[1].autoscaling.scale_in_cooldown_seconds: -5 is not allowed; "
        "expected a duration in seconds (a number ≥ 0)",
        "environment 'prod': front_door.sagemaker_read_timeout_seconds: '9s' is not allowed; "
        "expected a duration in seconds (a number ≥ 0)",
    )


# ---------------------------------------------------------------------------------------------
# Rules of the file: choices, forms, references, combinations
# ---------------------------------------------------------------------------------------------
def test_a_region_must_be_a_real_region(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["staging"]["region"] = "eu-west-1a"
    bad["environments"]["prod"]["region"] = "mars-north-1"
    assert _problems(bad) == (
        "environment 'staging': region: 'eu-west-1a' is not a known AWS region; did you mean 'eu-west-1'? "
        "stacks/regions.py lists them",
        "environment 'prod': region: 'mars-north-1' is not a known AWS region; did you mean 'eu-north-1'? "
        "stacks/regions.py lists them",
    )
    assert {"us-east-1", "eu-west-1", "ap-east-2", "cn-northwest-1", "us-gov-west-1"} <= REGIONS


def test_image_spec_forms(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["models"]["champion"]["image"] = "dlc:pytorch-inference"
    bad["models"]["challenger"]["image"] = "sklearn:"
    assert _problems(bad) == (
        "models.champion.image: 'dlc:pytorch-inference' is not allowed; expected dlc:<repository>:<tag>",
        "models.challenger.image: 'sklearn:' is not allowed; expected sklearn:<framework version>",
    )


def test_serverless_variants_refuse_a_vpc_and_isolation(raw: dict[str, Any]) -> None:
    """ServerlessVariant's rule (SageMaker Serverless Inference supports neither), with the file's variant key."""
    bad = copy.deepcopy(raw)
    bad["environments"] = {"dev": bad["environments"]["dev"]}
    bad["environments"]["dev"]["network"] = {"vpc": True}
    bad["models"]["champion"]["network_isolation"] = True
    assert _build_problems(bad) == (
        "environment 'dev': serverless_variants[0] ('champion').model: runs in a VPC, which serverless variants "
        "do not support; use an instance variant",
        "environment 'dev': serverless_variants[0] ('champion').model: has network isolation, which serverless "
        "variants do not support; use an instance variant",
    )


def _config(env: dict[str, Any], isolated_model: bool = False) -> dict[str, Any]:
    return {
        "models": {"m": {"artifact": "s3://b/m.tar.gz", "image": "sklearn:1.2-1", "network_isolation": isolated_model}},
        "environments": {"e": env},
    }


def test_network_config_defaults_and_parses() -> None:
    serverless = {"serverless_variants": [{"name": "a", "model": "m"}]}
    env = parse(_config(serverless)).environments["e"]
    assert (env.network.vpc, env.network.network_isolation, env.network.max_azs, env.network.cidr) == (
        False,
        False,
        None,  # ServingNetwork's default
        None,
    )
    instances = {
        "instance_variants": [{"name": "a", "model": "m", "instance_type": "ml.m5.large"}],
        "network": {"vpc": True, "max_azs": 3, "cidr": "10.1.0.0/16"},
    }
    env = parse(_config(instances)).environments["e"]
    assert env.network.vpc and env.network.network_isolation and env.network.max_azs == 3
    assert env.network.cidr == "10.1.0.0/16"
    with pytest.raises(ConfigError, match=r"network.isolation: is not a known key; did you mean 'network_isolation'\?"):
        parse(_config({"serverless_variants": [{"name": "a", "model": "m"}], "network": {"isolation": True}}))


def test_network_isolation_is_on_for_instance_variants_unless_turned_off(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["staging"]["network"] = {"vpc": False}
    data["environments"]["prod"]["network"] = {"network_isolation": False}
    config = parse(data)
    assert [config.environments[n].network.network_isolation for n in ("dev", "staging", "prod")] == [
        False,
        True,
        False,
    ]


def test_lambda_only_front_door_settings_are_refused_with_the_direct_integration(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["environments"]["prod"]["front_door"]["integration"] = "direct"  # prod sets memory_size_mb = 512
    bad["environments"]["prod"]["front_door"]["sagemaker_read_timeout_seconds"] = 9.0  # the default, still refused
    assert _problems(bad) == (
        "environment 'prod': front_door.sagemaker_read_timeout_seconds: 9.0 is not allowed with integration = "
        "'direct' (it configures the Lambda function, which the direct integration does not have)",
        "environment 'prod': front_door.memory_size_mb: 512 is not allowed with integration = 'direct' "
        "(it configures the Lambda function, which the direct integration does not have)",
    )


# ---------------------------------------------------------------------------------------------
# Construct problems, reported with the file's keys, every environment at once
# ---------------------------------------------------------------------------------------------
def test_construct_problems_of_every_environment_are_reported_together(raw: dict[str, Any]) -> None:
    """Range rules live in the constructs; the app builds every environment and reports them all."""
    bad = copy.deepcopy(raw)
    prod = bad["environments"]["prod"]
    prod["instance_variants"][0]["instance_type"] = "ml.m5.huge"
    prod["instance_variants"][1]["initial_weight"] = 0
    bad["environments"]["dev"]["serverless_variants"][0]["memory_size_mb"] = 1500
    bad["environments"]["staging"]["front_door"]["throttling_burst_limit"] = -1
    problems = _build_problems(bad)
    assert problems == (
        "environment 'dev': serverless_variants[0] ('champion').memory_size_mb: 1500 is not allowed; "
        "must be one of 1024, 2048, 3072, 4096, 5120, 6144",
        "environment 'staging': front_door.throttling_burst_limit: -1 is not allowed; must be an integer from 0 to "
        "5000",
        "environment 'prod': instance_variants[0] ('champion').instance_type: 'ml.m5.huge' is not allowed; "
        "expected a SageMaker real-time hosting instance type (ProductionVariantInstanceType) such as 'ml.m5.large' "
        "(ml.m5 sizes: large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge)",
        "environment 'prod': instance_variants[1] ('challenger').initial_weight: 0.0 is not allowed; must be > 0",
    )


def test_autoscaling_problems_name_the_variants_key(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    autoscaling = bad["environments"]["prod"]["instance_variants"][1]["autoscaling"]
    autoscaling["min_capacity"] = 3
    bad["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][1]["min_capacity"] = 0
    assert _build_problems(bad) == (
        "environment 'prod': instance_variants[0].autoscaling.schedules[1].min_capacity: 0 is not allowed; must be an "
        "integer from 1 to 1000 (a SageMaker variant keeps at least one instance)",
        "environment 'prod': instance_variants[1].autoscaling.min_capacity/max_capacity: 3..4 must include the "
        "variant's initial_instance_count 2 (min_capacity <= initial_instance_count <= max_capacity)",
    )


def test_model_problems_name_the_models_keys_and_the_spec_as_written(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    bad["models"]["champion"]["artifact"] = "reference_model/missing"
    bad["models"]["challenger"]["image"] = "dlc:Not A Repo:1.0"
    bad["environments"]["staging"]["network"]["max_azs"] = 9
    assert _build_problems(bad) == (
        "environment 'dev': models.champion.artifact: 'reference_model/missing' does not exist; expected a folder "
        "or a .tar.gz (relative to stacks/)",
        "environment 'staging': network.max_azs: 9 is not allowed; must be an integer from 1 to 6",
        "environment 'prod': models.champion.artifact: 'reference_model/missing' does not exist; expected a folder "
        "or a .tar.gz (relative to stacks/)",
        "environment 'prod': models.challenger.image: 'dlc:Not A Repo:1.0': repository_name: 'Not A Repo' is not a "
        "valid ECR repository name",
    )


def test_a_region_without_an_image_or_a_powertools_layer_is_named(raw: dict[str, Any]) -> None:
    """Instead of jsii's "Mapping doesn't contain top-level key": which table lacks the region, and what to do."""
    bad = copy.deepcopy(raw)
    bad["environments"] = {"dev": bad["environments"]["dev"], "staging": bad["environments"]["staging"]}
    bad["environments"]["dev"]["region"] = "ap-east-2"  # no scikit-learn image, no Powertools layer listed
    bad["environments"]["staging"]["region"] = "cn-northwest-1"  # an image, but no Powertools layer
    assert _build_problems(bad) == (
        "environment 'dev': models.champion.image: 'sklearn:1.2-1' is not published in region 'ap-east-2' (not in "
        "sagemaker_serving.container_image.SKLEARN_REGISTRY_ACCOUNTS); use a full image URI in that region instead",
        "environment 'staging': front_door.powertools_layer_arn: None is not allowed in region 'cn-northwest-1'; "
        "Powertools documents no layer there: pass the ARN of a Powertools v3 python3.12/arm64 layer you can use "
        "in that region",
    )


def test_front_door_problems_name_the_front_door_keys(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"] = {"dev": data["environments"]["dev"]}
    data["environments"]["dev"]["front_door"] = {
        "sagemaker_read_timeout_seconds": 30,
        "allowed_content_types": [],
        "memory_size_mb": 64,
    }
    assert _build_problems(data) == (
        "environment 'dev': front_door.allowed_content_types: () is not allowed; expected a non-empty list",
        "environment 'dev': front_door.sagemaker_max_attempts × (sagemaker_connect_timeout_seconds + "
        "sagemaker_read_timeout_seconds): 2 attempt(s) × (1000 ms connect + 30000 ms read) + back-off = 62200 ms "
        "is not allowed; must be ≤ 27000 ms (integration.timeout minus 2000 ms for the handler)",
        "environment 'dev': front_door.memory_size_mb: 64 is not allowed; must be an integer from 128 to 10240",
    )


# ---------------------------------------------------------------------------------------------
# `python app.py` / `cdk synth`: the message, no traceback, exit status 1
# ---------------------------------------------------------------------------------------------
def test_app_prints_construct_problems_without_a_traceback(raw: dict[str, Any], tmp_path: Path) -> None:
    text = REFERENCE_CONFIG_FILE.read_text()
    text = text.replace("max_concurrency = 5", "max_concurrency = 500").replace(
        "initial_weight = 0.1", "initial_weight = 0"
    )
    path = tmp_path / "environments.toml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            **os.environ,
            CONFIG_ENV_VAR: str(path),
            "CDK_OUTDIR": str(tmp_path / "cdk.out"),
            # as `make` runs it: the venv's Node first, no end-of-life banner from jsii
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'constructs'}",  # this checkout's package, as make sets it
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "direct cause" not in result.stderr
    assert result.stderr.splitlines() == [
        f"Invalid configuration ({path}):",
        "  - environment 'dev': serverless_variants[0] ('champion').max_concurrency: 500 is not allowed; must be an "
        "integer from 1 to 200",
        "  - environment 'prod': instance_variants[1] ('challenger').initial_weight: 0.0 is not allowed; must be > 0",
    ]
    assert not list((tmp_path / "cdk.out").glob("*.template.json"))


def test_app_main_prints_file_problems_and_returns_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "environments.toml"
    path.write_text(REFERENCE_CONFIG_FILE.read_text() + '\n[environments.qa]\nregion = "eu-west-1a"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    assert app_module.main() == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"Invalid configuration ({path}):",
        "  - environment 'qa': set exactly one of instance_variants or serverless_variants",
        "  - environment 'qa': region: 'eu-west-1a' is not a known AWS region; did you mean 'eu-west-1'? "
        "stacks/regions.py lists them",
    ]
