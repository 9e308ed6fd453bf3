"""Model: image sources, model data, environment and the least-privilege execution role."""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_serving import ContainerImage, Model, ModelData, ValidationError
from sagemaker_serving.model_data import _deterministic_tarball

S3_URL = "s3://my-models/iris/model.tar.gz"


def _policy_statements(template: Template) -> list[dict]:
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_model_from_s3_and_image_uri(stack: cdk.Stack) -> None:
    Model(
        stack,
        "Model",
        image=ContainerImage.from_image_uri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/iris:1.0"),
        model_data=ModelData.from_s3_url(S3_URL),
        environment={"SAGEMAKER_PROGRAM": "inference.py"},
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": {
                "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/iris:1.0",
                "ModelDataUrl": S3_URL,
                "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
            },
            "ModelName": Match.absent(),
        },
    )
    statements = _policy_statements(template)
    by_action = {json.dumps(s["Action"]): s for s in statements}
    s3 = by_action['"s3:GetObject"']
    assert s3["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-models/iris/model.tar.gz"]]
    }
    pull = by_action['["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]']
    assert pull["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:123456789012:repository/iris"]]
    }


def test_role_is_least_privilege(stack: cdk.Stack) -> None:
    Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url(S3_URL))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Principal": {"Service": "sagemaker.amazonaws.com"}}]
            },
            "ManagedPolicyArns": Match.absent(),
        },
    )
    rendered = json.dumps(template.to_json())
    assert "FullAccess" not in rendered
    assert ":s3:::*" not in rendered
    for statement in _policy_statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a.endswith(":*") or a == "*" for a in actions), statement
        if statement["Resource"] == "*":
            # Only actions without resource-level permissions, and metrics only under a namespace.
            assert set(actions) <= {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}, statement
            if "cloudwatch:PutMetricData" in actions:
                assert statement["Condition"] == {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}
    # SageMaker checks the role when the model is created: the policy must be attached first.
    (model,) = template.find_resources("AWS::SageMaker::Model").values()
    (policy_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    assert policy_id in model["DependsOn"]


def test_sklearn_image_resolved_per_region_at_deploy_time(stack: cdk.Stack) -> None:
    Model(stack, "Model", image=ContainerImage.sklearn("1.2-1"))
    template = Template.from_stack(stack).to_json()
    mapping = template["Mappings"]["RegistryAccountsSagemakerScikitLearn"]
    assert mapping["us-east-1"] == {"account": "683313688378"}
    assert mapping["eu-west-1"] == {"account": "141502667606"}
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    image = model["Properties"]["PrimaryContainer"]["Image"]
    assert image["Fn::Join"][1][0] == {
        "Fn::FindInMap": ["RegistryAccountsSagemakerScikitLearn", {"Ref": "AWS::Region"}, "account"]
    }
    assert image["Fn::Join"][1][-1] == "/sagemaker-scikit-learn:1.2-1-cpu-py3"


def test_dlc_image_in_a_region_specific_stack_resolves_to_a_literal() -> None:
    stack = cdk.Stack(cdk.App(), "Pinned", env=cdk.Environment(account="123456789012", region="af-south-1"))
    Model(stack, "Model", image=ContainerImage.from_aws_registry("pytorch-inference", "2.3.0-cpu-py311"))
    template = Template.from_stack(stack).to_json()
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    # The account is known at synth time (no FindInMap left); only the URL suffix stays a pseudo parameter.
    assert model["Properties"]["PrimaryContainer"]["Image"] == {
        "Fn::Join": [
            "",
            ["626614931356.dkr.ecr.af-south-1.", {"Ref": "AWS::URLSuffix"}, "/pytorch-inference:2.3.0-cpu-py311"],
        ]
    }


def test_ecr_repository_image_grants_pull_on_that_repository_only(stack: cdk.Stack) -> None:
    repo = ecr.Repository(stack, "Repo")
    Model(stack, "Model", image=ContainerImage.from_ecr_repository(repo, "v7"))
    template = Template.from_stack(stack)
    repo_id = stack.get_logical_id(repo.node.default_child)  # type: ignore[arg-type]
    pull = next(s for s in _policy_statements(template) if "ecr:BatchGetImage" in s["Action"])
    assert pull["Resource"] == {"Fn::GetAtt": [repo_id, "Arn"]}


def test_existing_role_is_used_and_no_role_created(stack: cdk.Stack) -> None:
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = Model(stack, "Model", image=ContainerImage.sklearn(), role=role)
    assert model.role is role
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    role_id = stack.get_logical_id(role.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties("AWS::SageMaker::Model", {"ExecutionRoleArn": {"Fn::GetAtt": [role_id, "Arn"]}})


def test_asset_folder_is_packaged_as_a_reproducible_tarball(tmp_path: Path, stack: cdk.Stack) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "inference.py").write_text("x = 1\n")
    (tmp_path / "weights.json").write_text("{}")
    first, second = _deterministic_tarball(tmp_path), _deterministic_tarball(tmp_path)
    assert first == second and first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        assert sorted(tar.getnames()) == ["code/inference.py", "weights.json"]
        assert {m.mtime for m in tar.getmembers()} == {0}
    (tmp_path / "weights.json").write_text('{"changed": true}')
    assert _deterministic_tarball(tmp_path) != first

    Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_asset(tmp_path))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": {"ModelDataUrl": {"Fn::Sub": Match.string_like_regexp(r"^s3://cdk-.*-assets-.*\.gz$")}}},
    )
    s3 = next(s for s in _policy_statements(template) if s["Action"] == "s3:GetObject")
    assert s3["Resource"]["Fn::Join"][1][-1].endswith(".gz")  # the one object, not the bucket


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: ModelData.from_s3_url("https://bucket/key"), "url: 'https://bucket/key' is not allowed"),
        (
            lambda: ModelData.from_s3_url("s3://bucket"),
            "url: 's3://bucket' has no object key, which is not allowed; expected s3://bucket/<key of a model.tar.gz>",
        ),
        (
            lambda: ModelData.from_s3_url("s3://bucket/"),
            "url: 's3://bucket/' has no object key, which is not allowed; expected s3://bucket/<key of a model.tar.gz>",
        ),
        (
            lambda: ModelData.from_s3_url("s3:/bucket/key"),
            "url: 's3:/bucket/key' is not allowed; expected the scheme 's3://' (lower case, two slashes): "
            "did you mean 's3://bucket/key'?",
        ),
        (
            lambda: ModelData.from_s3_url("S3://bucket/key"),
            "url: 'S3://bucket/key' is not allowed; expected the scheme 's3://' (lower case, two slashes): "
            "did you mean 's3://bucket/key'?",
        ),
        (
            lambda: ModelData.from_s3_url("s3:///key"),
            "url: 's3:///key' has no bucket name, which is not allowed; expected s3://<bucket>/<key of a model.tar.gz>",
        ),
        (
            lambda: ModelData.from_s3_url("s3://bucket/models/"),
            "url: 's3://bucket/models/' ends with '/' (a folder, not an object), which is not allowed",
        ),
        (lambda: ModelData.from_asset("/does/not/exist"), "path: '/does/not/exist' does not exist"),
        (lambda: ContainerImage.from_image_uri("no-slash"), "image_uri: 'no-slash' is not an image URI"),
        (lambda: ContainerImage.from_aws_registry("Bad Repo", "t"), "repository_name: 'Bad Repo' is not a valid"),
        (lambda: ContainerImage.sklearn("1.2 1"), "tag: '1.2 1-cpu-py3' is not a valid image tag"),
    ],
)
def test_bad_sources_are_rejected_with_the_field_and_value(factory, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        factory()
    assert message in str(info.value)


def test_bad_model_props_are_all_reported_at_once(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        Model(
            stack,
            "Model",
            image=ContainerImage.sklearn(),
            environment={"1BAD": "x", "OK": "y" * 1025},
            model_name="not_valid!",
        )
    message = str(info.value)
    assert "Invalid model props: 3 problem(s)" in message
    assert "environment: key '1BAD' is not allowed" in message
    assert "environment['OK']" in message and "≤1024" in message
    assert "model_name: 'not_valid!' is not allowed" in message


def test_models_sharing_an_artifact_share_one_staged_file_asset(tmp_path: Path) -> None:
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "weights.json").write_text('{"w": [1, 2]}')
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Shared")
    data = ModelData.from_asset(folder)
    for name in ("Champion", "Challenger"):
        Model(stack, name, image=ContainerImage.sklearn(), model_data=data)
    assembly = app.synth()

    assert [c.node.id for c in stack.node.children if c.node.id.startswith("ModelData")] == [
        "ModelData" + hashlib.sha256(str(_deterministic_tarball(folder)).encode()).hexdigest()[:12]
    ]
    manifest = json.loads((Path(assembly.directory) / "Shared.assets.json").read_text())
    (asset,) = (f for f in manifest["files"].values() if not f["source"]["path"].endswith(".template.json"))
    assert asset["source"]["packaging"] == "file"
    staged = Path(assembly.directory) / asset["source"]["path"]
    assert staged.read_bytes() == _deterministic_tarball(folder).read_bytes()
    (destination,) = asset["destinations"].values()
    template = assembly.get_stack_by_name("Shared").template
    urls = {r["Properties"]["PrimaryContainer"]["ModelDataUrl"]["Fn::Sub"] for r in _models(template)}
    assert urls == {f"s3://{destination['bucketName']}/{destination['objectKey']}"}


def _models(template: dict) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]


@pytest.mark.parametrize(
    "synthesizer",
    [
        lambda: cdk.DefaultStackSynthesizer(qualifier="custom1"),
        lambda: cdk.CliCredentialsStackSynthesizer(),
        lambda: cdk.LegacyStackSynthesizer(),
    ],
    ids=["default-with-qualifier", "cli-credentials", "legacy"],
)
def test_asset_model_data_works_with_a_synthesizer_made_in_python(
    tmp_path: Path, synthesizer: Callable[[], cdk.IReusableStackSynthesizer]
) -> None:
    (tmp_path / "weights.json").write_text("{}")
    for stack in (
        cdk.Stack(cdk.App(), "OwnSynthesizer", synthesizer=synthesizer()),
        cdk.Stack(cdk.App(default_stack_synthesizer=synthesizer()), "AppDefault"),
    ):
        Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_asset(tmp_path))
        (model,) = _models(Template.from_stack(stack).to_json())
        assert '"s3://' in json.dumps(model["Properties"]["PrimaryContainer"]["ModelDataUrl"])
