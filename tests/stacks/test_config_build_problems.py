"""Construct problems of the configuration, reported with the file's keys, every environment at once.

Checked through ``build_app``, as ``cdk synth`` meets them, on the pinned reference file with a few changes;
and ``python app.py`` prints them without a traceback and exits with status 1.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import app as app_module
from stacks.config import CONFIG_ENV_VAR
from tests.conftest import REFERENCE_CONFIG_FILE, ROOT
from tests.support.config_problems import build_problems as _build_problems


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
    """Also, as this run starts the app's own jsii kernel: every Node process of the kernel (launcher and
    kernel) sees ``NODE_OPTIONS`` with both the user's option (a ``--require`` probe that records what it saw)
    and the app's young-generation limit (``app.kernel_node_options``)."""
    seen = tmp_path / "node_options.txt"
    probe = tmp_path / "probe.js"
    probe.write_text(
        f"require('fs').appendFileSync({json.dumps(str(seen))}, "
        "JSON.stringify([process.env.NODE_OPTIONS, process.argv[1] || '']) + '\\n');\n"
    )
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
            "NODE_OPTIONS": f"--require={probe}",
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
    records = [json.loads(line) for line in seen.read_text().splitlines()]
    assert sorted(Path(script).name for _, script in records) == ["jsii-runtime.js", "program.js"]
    assert {options for options, _ in records} == {f"--require={probe} --max-semi-space-size=4"}


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
