"""Strict parsing of the configuration: every problem named with its environment and key.

Rules are checked on the pinned reference file (tests/fixtures/environments.toml, the ``raw`` fixture)
with one change each.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stacks.config import ConfigError, parse
from stacks.regions import REGIONS
from tests.support.config_problems import build_problems as _build_problems
from tests.support.config_problems import parse_problems as _problems


# ---------------------------------------------------------------------------------------------
# Keys and types
# ---------------------------------------------------------------------------------------------
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
