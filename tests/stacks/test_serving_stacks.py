"""Every environment's stack: snapshots, per-environment intent, cfn-lint, and zero-downtime updates."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint_file
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from syrupy.assertion import SnapshotAssertion

from app import build_app
from stacks.config import AppConfig
from tests.support.templates import normalise

ENVIRONMENTS = ["dev", "staging", "prod"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_snapshot(env: str, env_templates: dict[str, Template], snapshot: SnapshotAssertion) -> None:
    assert normalise(env_templates[env].to_json()) == snapshot


def test_one_stack_per_environment_named_consistently(env_stacks: dict[str, cdk.Stack]) -> None:
    assert {env: stack.stack_name for env, stack in env_stacks.items()} == {
        "dev": "ModelServing-dev",
        "staging": "ModelServing-staging",
        "prod": "ModelServing-prod",
    }
    for stack in env_stacks.values():
        assert cdk.Token.is_unresolved(stack.region) and cdk.Token.is_unresolved(stack.account)


def test_dev_is_one_serverless_variant(env_templates: dict[str, Template]) -> None:
    template = env_templates["dev"]
    template.resource_count_is("AWS::SageMaker::Model", 1)
    # Serverless: no volume key for the endpoint config; the one key encrypts the front door's log groups.
    (key_id,) = template.find_resources("AWS::KMS::Key")
    assert key_id.startswith("FrontDoorLogKey")
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    assert "KmsKeyId" not in config["Properties"]
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                {"VariantName": "champion", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}
            ]
        },
    )


def test_staging_is_one_encrypted_instance_variant(env_templates: dict[str, Template]) -> None:
    template = env_templates["staging"]
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "KmsKeyId": Match.any_value(),
            "ProductionVariants": [
                {"VariantName": "champion", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
            ],
        },
    )


def test_prod_is_an_ab_test_spread_over_azs_with_autoscaling(env_templates: dict[str, Template]) -> None:
    template = env_templates["prod"]
    template.resource_count_is("AWS::SageMaker::Model", 2)
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    variants = config["Properties"]["ProductionVariants"]
    assert [(v["VariantName"], v["InitialVariantWeight"], v["InitialInstanceCount"]) for v in variants] == [
        ("champion", 0.9, 2),
        ("challenger", 0.1, 2),
    ]
    assert all(v["InitialInstanceCount"] >= 2 for v in variants)  # SageMaker spreads 2+ instances over AZs
    assert variants[0]["ModelName"] != variants[1]["ModelName"]
    targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    by_variant = {t["Properties"]["ResourceId"]["Fn::Join"][1][-1]: t for t in targets.values()}
    champion = by_variant["/variant/champion"]["Properties"]
    assert (champion["MinCapacity"], champion["MaxCapacity"]) == (2, 8)
    assert [a["ScheduledActionName"] for a in champion["ScheduledActions"]] == [
        "weekday-floor-up",
        "weekday-floor-down",
    ]
    assert champion["ScheduledActions"][0]["ScalableTargetAction"] == {"MinCapacity": 4}
    assert "ScheduledActions" not in by_variant["/variant/challenger"]["Properties"]
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)


def test_every_stack_exposes_its_endpoint(env_templates: dict[str, Template]) -> None:
    for template in env_templates.values():
        outputs = template.to_json()["Outputs"]
        assert {"EndpointName", "EndpointArn"} <= set(outputs)


def test_reference_model_is_a_packaged_asset(env_templates: dict[str, Template], assembly_dir: Path) -> None:
    for env, template in env_templates.items():
        for model in template.find_resources("AWS::SageMaker::Model").values():
            container = model["Properties"]["PrimaryContainer"]
            assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py", env
            assert container["ModelDataUrl"]["Fn::Sub"].startswith("s3://cdk-hnb659fds-assets-"), env
    tarballs = list(assembly_dir.glob("asset.*.gz"))
    assert len(tarballs) == 1  # one artifact serves both A/B candidates


def test_cfn_lint_reports_no_error(env_stacks: dict[str, cdk.Stack], assembly_dir: Path) -> None:
    templates = sorted(assembly_dir.glob("ModelServing-*.template.json"))
    assert len(templates) == len(env_stacks)
    matches = []
    for path in templates:
        found = lint_file(path, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
        matches += [
            m for m in found if m.rule.id.startswith("E") or (m.rule.id.startswith("W") and m.rule.id != "W3005")
        ]
    assert [f"{m.filename}: {m.rule.id} {m.message}" for m in matches] == []


def _replace_model(config: AppConfig, **changes: Any) -> AppConfig:
    champion = dataclasses.replace(config.models["champion"], **changes)
    return dataclasses.replace(config, models={**config.models, "champion": champion})


@pytest.mark.parametrize(
    "change",
    [
        {"image": "sklearn:1.4-2"},
        {"environment": {"SAGEMAKER_PROGRAM": "inference.py", "MODEL_WEIGHTS": "challenger.json"}},
    ],
    ids=["image", "model-data-settings"],
)
def test_changing_the_model_replaces_the_config_and_updates_the_endpoint_in_place(
    app_config: AppConfig, env_templates: dict[str, Template], tmp_path: Path, change: dict[str, Any]
) -> None:
    before = env_templates["prod"].to_json()["Resources"]
    app = build_app(_replace_model(app_config, **change), outdir=str(tmp_path))
    after = Template.from_stack(app.node.find_child("ModelServing-prod")).to_json()["Resources"]  # type: ignore[arg-type]

    def by_type(resources: dict[str, Any], type_name: str) -> dict[str, Any]:
        return {k: v for k, v in resources.items() if v["Type"] == type_name}

    # Same logical IDs everywhere: CloudFormation updates, it does not delete and recreate the stack's endpoint.
    assert by_type(before, "AWS::SageMaker::Endpoint").keys() == by_type(after, "AWS::SageMaker::Endpoint").keys()
    model_id = next(k for k in by_type(before, "AWS::SageMaker::Model") if k.startswith("ModelChampion"))
    assert before[model_id]["Properties"]["PrimaryContainer"] != after[model_id]["Properties"]["PrimaryContainer"]

    # Why that is zero-downtime, from the CloudFormation resource schemas (createOnly = replacement):
    def create_only(type_name: str) -> set[str]:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_name).schema
        return {p.removeprefix("/properties/") for p in schema["createOnlyProperties"]}

    # 1. the changed container replaces the model; unnamed, it gets a new name;
    assert "PrimaryContainer" in create_only("AWS::SageMaker::Model")
    assert "ModelName" not in after[model_id]["Properties"]
    # 2. the config refers to the model's generated name, so it is replaced too, also unnamed;
    (config_id, config), *_ = by_type(after, "AWS::SageMaker::EndpointConfig").items()
    assert "ProductionVariants" in create_only("AWS::SageMaker::EndpointConfig")
    assert {"Fn::GetAtt": [model_id, "ModelName"]} in [
        v["ModelName"] for v in config["Properties"]["ProductionVariants"]
    ]
    assert "EndpointConfigName" not in config["Properties"]
    # 3. the endpoint only sees a new EndpointConfigName, which it takes with an in-place (blue/green) update.
    (endpoint,) = by_type(after, "AWS::SageMaker::Endpoint").values()
    assert endpoint["Properties"]["EndpointConfigName"] == {"Fn::GetAtt": [config_id, "EndpointConfigName"]}
    assert "EndpointConfigName" not in create_only("AWS::SageMaker::Endpoint")
    assert "EndpointName" not in endpoint["Properties"]


def test_construct_import_still_resolves_to_the_library() -> None:
    import constructs
    from constructs import Construct

    assert Construct.__module__.startswith("constructs")
    # The PyPI package (with its jsii bindings), not the repository's constructs/ folder.
    assert importlib.util.find_spec("constructs._jsii") is not None
    assert Path(constructs.__file__).parent.parent.name == "site-packages"
    assert not (Path(__file__).resolve().parents[2] / "constructs" / "__init__.py").exists()


def test_snapshot_normalisation_blanks_only_asset_hashes() -> None:
    template = {"a": "s3://bucket/" + "ab" * 32 + ".gz", "b": "not-a-hash-" + "c" * 10}
    assert normalise(template) == {"a": "s3://bucket/<asset-hash>.gz", "b": "not-a-hash-" + "c" * 10}
    assert json.dumps(normalise(template))
