"""EndpointConfig: variant rendering, KMS encryption rules and every validation rule."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ContainerImage,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))


def _model_ref(stack: cdk.Stack, model: Model) -> dict:
    return {"Fn::GetAtt": [stack.get_logical_id(model.cfn_model), "ModelName"]}


def test_instance_variants_render_with_kms_key(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[
            InstanceVariant(
                name="a",
                model=model,
                instance_type="ml.m5.large",
                initial_instance_count=2,
                initial_weight=0.9,
                volume_size_gb=30,
                model_data_download_timeout_seconds=600,
                container_startup_timeout_seconds=300,
            ),
            InstanceVariant(name="b", model=model, instance_type="ml.c5.xlarge", initial_weight=0.1),
        ],
    )
    template = Template.from_stack(stack)
    key_id = stack.get_logical_id(config.encryption_key.node.default_child)  # type: ignore[union-attr]
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "EndpointConfigName": Match.absent(),
            "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            "ProductionVariants": [
                {
                    "VariantName": "a",
                    "ModelName": _model_ref(stack, model),
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 2,
                    "InitialVariantWeight": 0.9,
                    "VolumeSizeInGB": 30,
                    "ModelDataDownloadTimeoutInSeconds": 600,
                    "ContainerStartupHealthCheckTimeoutInSeconds": 300,
                },
                {
                    "VariantName": "b",
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 1,
                    "InitialVariantWeight": 0.1,
                    "VolumeSizeInGB": Match.absent(),
                    "ModelName": _model_ref(stack, model),
                },
            ],
        },
    )


def test_given_key_is_used_and_no_key_created(stack: cdk.Stack, model: Model) -> None:
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
        encryption_key=key,
    )
    assert config.encryption_key is key
    Template.from_stack(stack).resource_count_is("AWS::KMS::Key", 1)


def test_serverless_variant_has_no_kms_key(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[
            ServerlessVariant(name="s", model=model, memory_size_mb=3072, max_concurrency=20, provisioned_concurrency=2)
        ],
    )
    assert config.encryption_key is None and config.is_serverless
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "KmsKeyId": Match.absent(),
            "ProductionVariants": [
                {
                    "VariantName": "s",
                    "InitialVariantWeight": 1,
                    "InstanceType": Match.absent(),
                    "InitialInstanceCount": Match.absent(),
                    "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 20, "ProvisionedConcurrency": 2},
                }
            ],
        },
    )


@pytest.mark.parametrize("instance_type", ["ml.g4dn.xlarge", "ml.m5d.large", "ml.g5.2xlarge", "ml.p4d.24xlarge"])
def test_local_storage_instances_get_no_key(stack: cdk.Stack, model: Model, instance_type: str) -> None:
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type=instance_type)]
    )
    assert config.encryption_key is None
    Template.from_stack(stack).has_resource_properties("AWS::SageMaker::EndpointConfig", {"KmsKeyId": Match.absent()})


def test_key_for_serverless_is_an_error_not_silently_dropped(stack: cdk.Stack, model: Model) -> None:
    key = kms.Key(stack, "Mine")
    with pytest.raises(ValidationError, match="encryption_key: a key is not allowed for serverless variants"):
        EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="s", model=model)], encryption_key=key)


def test_variant_added_later_is_rendered_and_validated(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")]
    )
    config.add_variant(InstanceVariant(name="b", model=model, instance_type="ml.m5.large", initial_weight=0.5))
    with pytest.raises(ValidationError, match=r"variants\[2\].name: 'a' is already used by variants\[0\]"):
        config.add_variant(InstanceVariant(name="a", model=model, instance_type="ml.m5.large"))
    with pytest.raises(ValidationError, match=r"variants: mixes ServerlessVariant \['s'\] with InstanceVariant"):
        config.add_variant(ServerlessVariant(name="s", model=model))
    variants = Template.from_stack(stack).find_resources("AWS::SageMaker::EndpointConfig")
    (resource,) = variants.values()
    assert [v["VariantName"] for v in resource["Properties"]["ProductionVariants"]] == ["a", "b"]
    assert config.variant("b").initial_weight == 0.5
    with pytest.raises(KeyError, match="no variant 'zzz'; variants are \\['a', 'b'\\]"):
        config.variant("zzz")


def test_every_problem_is_reported_at_once(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[
                InstanceVariant(
                    name="bad_name",
                    model=model,
                    instance_type="m5.large",
                    initial_instance_count=0,
                    initial_weight=0,
                    volume_size_gb=513,
                    model_data_download_timeout_seconds=59,
                    container_startup_timeout_seconds=3601,
                ),
                InstanceVariant(name="ok", model=model, instance_type="ml.m5.larg", initial_weight=-1),
                InstanceVariant(name="ok", model=model, instance_type="ml.m5.large"),
            ],
        )
    message = str(info.value)
    assert message.startswith("Invalid production variants: 10 problem(s)")
    for expected in [
        "variants[0] ('bad_name').name: 'bad_name' is not allowed; expected 1-63 alphanumerics or hyphens",
        "variants[0] ('bad_name').instance_type: 'm5.large' is not allowed; expected a SageMaker real-time hosting "
        "instance type (ProductionVariantInstanceType) such as 'ml.m5.large'; did you mean 'ml.m5.large'?",
        "variants[0] ('bad_name').initial_instance_count: 0 is not allowed; must be an integer from 1 to 1000",
        "variants[0] ('bad_name').initial_weight: 0 is not allowed; must be > 0",
        "variants[0] ('bad_name').volume_size_gb: 513 is not allowed; must be an integer from 1 to 512",
        "variants[0] ('bad_name').model_data_download_timeout_seconds: 59 is not allowed; must be an integer from 60 to 3600",
        "variants[0] ('bad_name').container_startup_timeout_seconds: 3601 is not allowed",
        "variants[1] ('ok').instance_type: 'ml.m5.larg' is not allowed",
        "variants[1] ('ok').initial_weight: -1 is not allowed; must be > 0",
        "variants[2].name: 'ok' is already used by variants[1]; names must be unique",
    ]:
        assert expected in message


@pytest.mark.parametrize(
    ("variant_kwargs", "message"),
    [
        (
            {"memory_size_mb": 1000},
            "memory_size_mb: 1000 is not allowed; must be one of 1024, 2048, 3072, 4096, 5120, 6144",
        ),
        ({"memory_size_mb": 7168}, "memory_size_mb: 7168 is not allowed"),
        ({"max_concurrency": 0}, "max_concurrency: 0 is not allowed; must be an integer from 1 to 200"),
        ({"max_concurrency": 201}, "max_concurrency: 201 is not allowed"),
        (
            {"max_concurrency": 5, "provisioned_concurrency": 6},
            "provisioned_concurrency: 6 is not allowed; must be an integer from 1 to 5 (at most max_concurrency=5)",
        ),
        ({"provisioned_concurrency": 0}, "provisioned_concurrency: 0 is not allowed"),
    ],
)
def test_serverless_ranges(stack: cdk.Stack, model: Model, variant_kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="s", model=model, **variant_kwargs)])
    assert message in str(info.value)


def test_variant_count_limits(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError, match="variants: 0 given is not allowed; expected 1 to 10"):
        EndpointConfig(stack, "None", variants=[])
    eleven = [InstanceVariant(name=f"v{i}", model=model, instance_type="ml.m5.large") for i in range(11)]
    with pytest.raises(ValidationError, match="variants: 11 given is not allowed; expected 1 to 10"):
        EndpointConfig(stack, "Eleven", variants=eleven)
    EndpointConfig(stack, "Ten", variants=eleven[:10])  # the upper bound itself is fine


def test_mixing_kinds_is_rejected(stack: cdk.Stack, model: Model) -> None:
    # Serverless Inference does not support multiple production variants, so a serverless variant
    # mixes with nothing (docs: serverless-endpoints.html, "Feature exclusions").
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[
                InstanceVariant(name="a", model=model, instance_type="ml.m5.large"),
                ServerlessVariant(name="s", model=model),
            ],
        )
    assert (
        "variants: mixes ServerlessVariant ['s'] with InstanceVariant ['a'], which is not allowed; an endpoint "
        "config with a ServerlessVariant has exactly one variant (Serverless Inference does not support multiple "
        "production variants)" in str(info.value)
    )


def test_at_most_one_serverless_variant(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Two",
            variants=[ServerlessVariant(name="a", model=model), ServerlessVariant(name="b", model=model)],
        )
    assert (
        "variants: 2 ServerlessVariants ['a', 'b'] is not allowed; an endpoint config with a ServerlessVariant "
        "has exactly one variant" in str(info.value)
    )
    config = EndpointConfig(stack, "One", variants=[ServerlessVariant(name="a", model=model)])
    with pytest.raises(ValidationError, match=r"variants: 2 ServerlessVariants \['a', 'b'\] is not allowed"):
        config.add_variant(ServerlessVariant(name="b", model=model))
    with pytest.raises(ValidationError, match=r"variants: mixes ServerlessVariant \['a'\] with InstanceVariant"):
        config.add_variant(InstanceVariant(name="b", model=model, instance_type="ml.m5.large"))
    assert [v.name for v in config.variants] == ["a"]


def test_instance_type_must_be_a_real_hosting_type_with_a_hint(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[
                InstanceVariant(name="a", model=model, instance_type="ml.m5.3xlarge"),
                InstanceVariant(name="b", model=model, instance_type="ml.p4.24xlarge"),
                InstanceVariant(
                    name="c", model=model, instance_type="ml.t3.medium"
                ),  # a notebook type, not a hosting one
            ],
        )
    message = str(info.value)
    assert message.startswith("Invalid production variants: 3 problem(s)")
    for expected in [
        "variants[0] ('a').instance_type: 'ml.m5.3xlarge' is not allowed; expected a SageMaker real-time hosting "
        "instance type (ProductionVariantInstanceType) such as 'ml.m5.large'; did you mean 'ml.m5.xlarge' or "
        "'ml.m5.4xlarge'? (ml.m5 sizes: large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge)",
        "variants[1] ('b').instance_type: 'ml.p4.24xlarge' is not allowed; expected a SageMaker real-time hosting "
        "instance type (ProductionVariantInstanceType) such as 'ml.m5.large'; did you mean 'ml.p4d.24xlarge' or "
        "'ml.p4de.24xlarge'?",
        "variants[2] ('c').instance_type: 'ml.t3.medium' is not allowed",
    ]:
        assert expected in message


def test_every_hosting_instance_type_is_accepted() -> None:
    from sagemaker_serving.instance_types import HOSTING_INSTANCE_TYPES
    from sagemaker_serving.variants import instance_type_problems

    assert [t for t in HOSTING_INSTANCE_TYPES if instance_type_problems("instance_type", t)] == []
    assert {"ml.m5.large", "ml.t2.medium", "ml.g5.xlarge", "ml.inf2.xlarge"} <= set(HOSTING_INSTANCE_TYPES)
