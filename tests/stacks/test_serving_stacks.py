"""Every environment's stack: snapshots, per-environment intent, cfn-lint, and zero-downtime updates.

Snapshots and per-environment values are of the pinned reference configuration
(tests/fixtures/environments.toml), so they never change when a user edits stacks/environments.toml;
``any_config`` tests hold for every configuration. After a change to the library that changes the
reference templates on purpose: ``make test SNAPSHOT_UPDATE=1``.
"""

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
from stacks.config import AppConfig, EnvironmentConfig
from stacks.serving_stack import ServingStack
from tests.conftest import Synthesised
from tests.support.templates import normalise

#: The reference environments (tests/fixtures/environments.toml).
REFERENCE_ENVIRONMENTS = ["dev", "staging", "prod"]


@pytest.mark.parametrize("env", REFERENCE_ENVIRONMENTS)
def test_snapshot(env: str, reference_templates: dict[str, Template], snapshot: SnapshotAssertion) -> None:
    assert normalise(reference_templates[env].to_json()) == snapshot


def test_one_stack_per_environment_named_consistently(any_config: Synthesised) -> None:
    environments = any_config.config.environments
    root = any_config.app
    assert {c.node.id for c in root.node.children if isinstance(c, cdk.Stack)} == {
        f"ModelServing-{name}" for name in environments
    }
    for name, stack in any_config.stacks.items():
        env = environments[name]
        assert stack.stack_name == f"ModelServing-{name}"
        assert cdk.Token.is_unresolved(stack.region) is (env.region is None), name
        assert cdk.Token.is_unresolved(stack.account) is (env.account is None), name


def test_reference_stacks_are_environment_agnostic(reference_stacks: dict[str, ServingStack]) -> None:
    assert list(reference_stacks) == REFERENCE_ENVIRONMENTS
    for stack in reference_stacks.values():
        assert cdk.Token.is_unresolved(stack.region) and cdk.Token.is_unresolved(stack.account)


def test_every_variant_is_deployed_as_configured(any_config: Synthesised) -> None:
    """Names, order and kinds of variants; the values the file sets, and no others."""
    for name, template in any_config.templates.items():
        env = any_config.config.environments[name]
        (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
        variants = config["Properties"]["ProductionVariants"]
        if env.instance_pool is not None:
            _check_pool(env, variants, template)
            continue
        configured = (*env.instance_variants, *env.serverless_variants)
        assert [v["VariantName"] for v in variants] == [v.name for v in configured], name
        for deployed, v in zip(variants, configured, strict=True):
            assert ("ServerlessConfig" in deployed) is bool(env.serverless_variants), name
            if v.initial_weight is not None:
                assert deployed["InitialVariantWeight"] == v.initial_weight, name
        autoscaled = {(v.name, "DesiredInstanceCount") for v in env.instance_variants if v.autoscaling is not None}
        autoscaled |= {
            (v.name, "DesiredProvisionedConcurrency") for v in env.serverless_variants if v.autoscaling is not None
        }
        targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
        assert {
            (_target_variant(t), t["Properties"]["ScalableDimension"].removeprefix("sagemaker:variant:"))
            for t in targets
        } == autoscaled


def _target_variant(target: dict[str, Any]) -> str:
    """The variant of a scalable target: ``endpoint/<name>/variant/<variant>``, the name literal when fixed."""
    resource_id = target["Properties"]["ResourceId"]
    last = resource_id if isinstance(resource_id, str) else resource_id["Fn::Join"][1][-1]
    return str(last).split("/")[-1]


def _check_pool(env: EnvironmentConfig, variants: list[dict[str, Any]], template: Template) -> None:
    """An instance pool: one variant with no model, one inference component per entry, the autoscaled ones' targets."""
    assert env.instance_pool is not None
    (pool,) = variants
    assert "ModelName" not in pool and pool["InstanceType"] == env.instance_pool.instance_type, env.name
    components = template.find_resources("AWS::SageMaker::InferenceComponent").values()
    assert len(components) == len(env.inference_components), env.name
    assert all(c["Properties"]["VariantName"] == pool["VariantName"] for c in components), env.name
    targets = template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert all(
        t["Properties"]["ScalableDimension"] == "sagemaker:inference-component:DesiredCopyCount" for t in targets
    )
    assert len(targets) == sum(c.autoscaling is not None for c in env.inference_components), env.name


def test_dev_is_one_serverless_variant(reference_templates: dict[str, Template]) -> None:
    template = reference_templates["dev"]
    template.resource_count_is("AWS::SageMaker::Model", 1)
    # Serverless: no volume key for the endpoint config; the keys encrypt the front door's log groups and the
    # monitoring's alarm topic (no data capture: serverless variants cannot capture).
    assert sorted(k[:-8] for k in template.find_resources("AWS::KMS::Key")) == ["FrontDoorLogKey", "MonitoringTopicKey"]
    template.resource_count_is("AWS::S3::Bucket", 0)
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


def test_staging_is_one_encrypted_instance_variant(reference_templates: dict[str, Template]) -> None:
    template = reference_templates["staging"]
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


def test_prod_is_an_ab_test_spread_over_azs_with_autoscaling(reference_templates: dict[str, Template]) -> None:
    template = reference_templates["prod"]
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
    by_variant = {_target_variant(t): t for t in targets.values()}
    champion = by_variant["champion"]["Properties"]
    assert (champion["MinCapacity"], champion["MaxCapacity"]) == (2, 8)
    assert [a["ScheduledActionName"] for a in champion["ScheduledActions"]] == [
        "weekday-floor-up",
        "weekday-floor-down",
    ]
    assert champion["ScheduledActions"][0]["ScalableTargetAction"] == {"MinCapacity": 4}
    assert "ScheduledActions" not in by_variant["challenger"]["Properties"]
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)


def test_every_stack_exposes_its_endpoint(any_config: Synthesised) -> None:
    for template in any_config.templates.values():
        outputs = template.to_json()["Outputs"]
        assert {"EndpointName", "EndpointArn"} <= set(outputs)


def test_reference_model_is_a_packaged_asset(
    reference_templates: dict[str, Template], reference_assembly_dir: Path
) -> None:
    for env, template in reference_templates.items():
        for model in template.find_resources("AWS::SageMaker::Model").values():
            container = model["Properties"]["PrimaryContainer"]
            assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py", env
            assert container["ModelDataUrl"]["Fn::Sub"].startswith("s3://cdk-hnb659fds-assets-"), env
    tarballs = list(reference_assembly_dir.glob("asset.*.gz"))
    assert len(tarballs) == 1  # one artifact serves both A/B candidates


def test_cfn_lint_reports_no_error(any_config: Synthesised) -> None:
    templates = sorted(any_config.assembly_dir.glob("ModelServing-*.template.json"))
    assert len(templates) == len(any_config.stacks)
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
    reference_config: AppConfig, reference_templates: dict[str, Template], tmp_path: Path, change: dict[str, Any]
) -> None:
    before = reference_templates["prod"].to_json()["Resources"]
    prod_only = dataclasses.replace(reference_config, environments={"prod": reference_config.environments["prod"]})
    app = build_app(_replace_model(prod_only, **change), outdir=str(tmp_path))
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
    # Its name (createOnly) is unchanged: prod's is fixed, the stack's, for its deployment guardrails; and so is
    # everything else of it, the guardrails (DeploymentConfig) included: the update runs under them.
    assert "EndpointName" in create_only("AWS::SageMaker::Endpoint")
    (endpoint_id,) = by_type(after, "AWS::SageMaker::Endpoint")
    assert endpoint == before[endpoint_id]
    assert endpoint["Properties"]["EndpointName"] == "ModelServing-prod"
    assert endpoint["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"][
        "Type"
    ] == ("CANARY")


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
