"""Shadow variants (ShadowProductionVariants) and request routing (RoutingConfig) on EndpointConfig."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    AsyncInferenceConfig,
    ContainerImage,
    EndpointConfig,
    InstanceVariant,
    Model,
    RequestRouting,
    ServerlessVariant,
    ShadowVariant,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn())


@pytest.fixture
def candidate(stack: cdk.Stack) -> Model:
    return Model(stack, "Candidate", image=ContainerImage.sklearn("1.4-2"))


def test_shadow_variant_is_rendered_with_its_sampling_as_weight(
    stack: cdk.Stack, model: Model, candidate: Model
) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[
            InstanceVariant(
                name="champion",
                model=model,
                instance_type="ml.m5.large",
                initial_instance_count=2,
                routing=RequestRouting.least_outstanding_requests(),
            )
        ],
        shadow_variant=ShadowVariant(
            variant=InstanceVariant(name="candidate", model=candidate, instance_type="ml.m5.xlarge"),
            sampling_percentage=20,
        ),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "KmsKeyId": Match.any_value(),
            "ProductionVariants": [
                Match.object_like(
                    {
                        "VariantName": "champion",
                        "InitialVariantWeight": 1,
                        "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                    }
                )
            ],
            "ShadowProductionVariants": [
                {
                    "VariantName": "candidate",
                    "ModelName": {"Fn::GetAtt": [stack.get_logical_id(candidate.cfn_model), "ModelName"]},
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                    "InitialVariantWeight": 0.2,
                }
            ],
        },
    )
    assert config.shadow_variant is not None and config.shadow_variant.name == "candidate"


def test_no_shadow_no_routing_renders_nothing_new(stack: cdk.Stack, model: Model) -> None:
    EndpointConfig(stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")])
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ShadowProductionVariants": Match.absent(),
            "ProductionVariants": [Match.object_like({"RoutingConfig": Match.absent()})],
        },
    )


def test_a_shadow_with_local_storage_removes_the_key(stack: cdk.Stack, model: Model, candidate: Model) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
        shadow_variant=ShadowVariant(variant=InstanceVariant(name="b", model=candidate, instance_type="ml.g5.xlarge")),
    )
    assert config.encryption_key is None
    with pytest.raises(ValidationError, match=r"encryption_key: a key is not allowed"):
        EndpointConfig(
            stack,
            "Keyed",
            variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
            shadow_variant=ShadowVariant(
                variant=InstanceVariant(name="b", model=candidate, instance_type="ml.g5.xlarge")
            ),
            encryption_key=kms.Key(stack, "K"),
        )


def test_shadow_rules_all_at_once(stack: cdk.Stack, model: Model, candidate: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[
                InstanceVariant(name="a", model=model, instance_type="ml.inf1.xlarge"),
                InstanceVariant(name="b", model=model, instance_type="ml.m5.large"),
            ],
            shadow_variant=ShadowVariant(
                variant=InstanceVariant(name="a", model=candidate, instance_type="ml.m5.large", initial_weight=0.5),
                sampling_percentage=0,
            ),
        )
    assert info.value.problems == (
        "shadow_variant.variant.initial_weight: 0.5 is not allowed; leave it at 1 and set sampling_percentage (the shadow's share of the production variant's requests)",
        "shadow_variant.sampling_percentage: 0 is not allowed; must be an integer from 1 to 100",
        "variants: 2 production variants ['a', 'b'] are not allowed with a shadow variant; an endpoint config with ShadowProductionVariants has exactly one production variant",
        "shadow_variant.variant.name: 'a' is already the production variant's; names must differ",
        "variants[0].instance_type: 'ml.inf1.xlarge' is not allowed with a shadow variant; SageMaker excludes endpoints on Inf1 (Inferentia) instances from shadow tests: use ml.inf2 or another family",
    )


def test_serverless_is_excluded_from_shadow_tests(stack: cdk.Stack, model: Model, candidate: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[ServerlessVariant(name="a", model=model)],
            shadow_variant=ShadowVariant(variant=ServerlessVariant(name="b", model=candidate)),  # type: ignore[arg-type]
        )
    assert info.value.problems == (
        "shadow_variant.variant: serverless variant 'b' is not allowed; SageMaker excludes serverless inference from shadow tests: use an InstanceVariant",
        "variants[0] ('a'): serverless is not allowed with a shadow variant; SageMaker excludes serverless inference from shadow tests",
    )


def test_adding_a_second_production_variant_to_a_shadowed_config_is_refused(
    stack: cdk.Stack, model: Model, candidate: Model
) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
        shadow_variant=ShadowVariant(variant=InstanceVariant(name="b", model=candidate, instance_type="ml.m5.large")),
    )
    with pytest.raises(
        ValidationError, match=r"variants: 2 production variants \['a', 'c'\] are not allowed with a shadow variant"
    ):
        config.add_variant(InstanceVariant(name="c", model=model, instance_type="ml.m5.large"))


def test_async_inference_with_a_shadow_fails_the_synth(model: Model, candidate: Model, stack: cdk.Stack) -> None:
    from aws_cdk import aws_sagemaker as sagemaker

    config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
        shadow_variant=ShadowVariant(variant=InstanceVariant(name="b", model=candidate, instance_type="ml.m5.large")),
    )
    Template.from_stack(stack)  # valid so far
    config.cfn_endpoint_config.async_inference_config = sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
        output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(s3_output_path="s3://b/out")
    )
    with pytest.raises(
        RuntimeError,
        match=r"shadow_variant: not allowed with an AsyncInferenceConfig; SageMaker excludes asynchronous inference",
    ):
        cdk.App.of(stack).synth(force=True)  # type: ignore[union-attr]


def test_async_inference_and_a_shadow_given_together_are_refused_when_built(
    stack: cdk.Stack, model: Model, candidate: Model
) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
            shadow_variant=ShadowVariant(
                variant=InstanceVariant(name="b", model=candidate, instance_type="ml.m5.large")
            ),
            async_inference=AsyncInferenceConfig(),
        )
    assert info.value.problems == (
        "shadow_variant: not allowed with async_inference; SageMaker excludes asynchronous inference from shadow "
        "tests (https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-exclusions.html)",
    )


def test_routing_must_be_a_routing_object(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large", routing="RANDOM")],  # type: ignore[arg-type]
        )
    assert info.value.problems == (
        "variants[0] ('a').routing: 'RANDOM' is not allowed; expected RequestRouting.least_outstanding_requests() or RequestRouting.random()",
    )
    EndpointConfig(
        stack,
        "Random",
        variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large", routing=RequestRouting.random())],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"RoutingConfig": {"RoutingStrategy": "RANDOM"}})]},
    )
