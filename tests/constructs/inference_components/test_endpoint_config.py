"""The instance pool's endpoint config (ComponentEndpointConfig): no model, an execution role, the pool's
scaling and routing, its storage key, and every rule of the pool (and of an EndpointConfig's shadow_variant)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ComponentEndpointConfig,
    DeploymentGuardrails,
    Endpoint,
    EndpointConfig,
    InstancePool,
    InstanceVariant,
    Model,
    ValidationError,
)
from tests.constructs.inference_components.support import pool_endpoint as _endpoint


def test_pool_config_has_no_model_and_always_an_execution_role(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, initial_instance_count=1, min_instance_count=0, max_instance_count=3)
    config = endpoint.endpoint_config
    assert isinstance(config, ComponentEndpointConfig)
    template = Template.from_stack(stack)
    role_id = stack.get_logical_id(config.execution_role.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ExecutionRoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
            "KmsKeyId": Match.any_value(),
            "ProductionVariants": [
                {
                    "VariantName": "pool",
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                    "ModelName": Match.absent(),
                    "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 3},
                    "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})]
            }
        },
    )
    # The role's permissions are attached before SageMaker sees the config.
    config_resource = next(iter(template.find_resources("AWS::SageMaker::EndpointConfig").values()))
    assert stack.get_logical_id(config.execution_policy.node.default_child) in config_resource["DependsOn"]  # type: ignore[union-attr]
    assert endpoint.variant_names == () and config.variant_names == ("pool",) and not config.is_serverless


def test_a_given_execution_role_is_used_and_no_role_is_created(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Given", "arn:aws:iam::123456789012:role/pool")
    ComponentEndpointConfig(stack, "Config", pool=InstancePool(instance_type="ml.m5.xlarge"), execution_role=role)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ExecutionRoleArn": "arn:aws:iam::123456789012:role/pool",
            "ProductionVariants": [Match.object_like({"ManagedInstanceScaling": Match.absent()})],
        },
    )


def test_local_storage_pool_has_no_key_and_refuses_one(stack: cdk.Stack) -> None:
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(instance_type="ml.g5.12xlarge"))
    assert config.encryption_key is None
    Template.from_stack(stack).has_resource_properties("AWS::SageMaker::EndpointConfig", {"KmsKeyId": Match.absent()})
    from aws_cdk import aws_kms as kms

    key = kms.Key(stack, "K")
    with pytest.raises(
        ValidationError, match=r"encryption_key: a key is not allowed for instance type 'ml.g5.12xlarge'"
    ):
        ComponentEndpointConfig(stack, "Other", pool=InstancePool(instance_type="ml.g5.12xlarge"), encryption_key=key)


def test_pool_rules_all_at_once(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        ComponentEndpointConfig(
            stack,
            "Config",
            pool=InstancePool(
                name="bad name",
                instance_type="ml.t2.medium",
                initial_instance_count=2,
                min_instance_count=3,
                max_instance_count=1,
                routing="RANDOM",  # type: ignore[arg-type]
            ),
        )
    assert info.value.problems == (
        "pool.name: 'bad name' is not allowed; expected 1-63 alphanumerics or hyphens",
        "pool.routing: 'RANDOM' is not allowed; expected RequestRouting.least_outstanding_requests() or RequestRouting.random()",
        "pool.min_instance_count: 3 is not allowed; must be an integer from 0 to 2 (at most initial_instance_count=2)",
        "pool.max_instance_count: 1 is not allowed; must be an integer from 2 to 1000 (at least initial_instance_count=2)",
        "pool.instance_type: 'ml.t2.medium' is burstable; SageMaker does not scale ml.t* instances: use a non-burstable type with managed instance scaling",
    )


def test_pool_needs_both_scaling_bounds(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"pool.min_instance_count: given without max_instance_count"):
        ComponentEndpointConfig(stack, "C", pool=InstancePool(instance_type="ml.m5.xlarge", min_instance_count=0))
    with pytest.raises(ValidationError, match=r"pool: 'ml.m5.xlarge' is not allowed; expected an InstancePool"):
        ComponentEndpointConfig(stack, "D", pool="ml.m5.xlarge")  # type: ignore[arg-type]


def test_a_pool_is_real_time_and_takes_no_deployment_guardrails(stack: cdk.Stack) -> None:
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(instance_type="ml.m5.xlarge"))
    assert (config.is_async, config.async_inference) == (False, None)  # what the front door and autoscaling read
    with pytest.raises(ValidationError) as info:
        Endpoint(stack, "Endpoint", endpoint_config=config, deployment=DeploymentGuardrails())
    assert info.value.problems == (
        "deployment: not allowed with a ComponentEndpointConfig; deployment guardrails update production variants: "
        "give each InferenceComponent a rolling_update (ComponentRollingUpdate) instead",
    )


def test_a_shadow_that_is_not_a_shadow_variant_is_named(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
            shadow_variant=InstanceVariant(name="b", model=model, instance_type="ml.m5.large"),  # type: ignore[arg-type]
        )
    (problem,) = info.value.problems
    assert problem.startswith("shadow_variant: InstanceVariant(name='b', ")
    assert problem.endswith(" is not allowed; expected a ShadowVariant")
