"""InferenceComponent: from a model or its own container, its grants and metrics, and its rules by message."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    Batch,
    ComponentEndpointConfig,
    ComponentModel,
    ComponentRollingUpdate,
    ComputeRequirements,
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InferenceComponent,
    InstancePool,
    InstanceVariant,
    Model,
    ModelData,
    ValidationError,
)
from tests.constructs.inference_components.support import ONE_CPU
from tests.constructs.inference_components.support import pool_endpoint as _endpoint


def test_component_from_a_model(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    component = InferenceComponent(
        stack,
        "Fraud",
        endpoint=endpoint,
        name="fraud",
        model=model,
        compute=ComputeRequirements(cpu_cores=1.5, min_memory_mb=2048, max_memory_mb=4096),
        copy_count=2,
        model_data_download_timeout_seconds=600,
        container_startup_timeout_seconds=300,
    )
    template = Template.from_stack(stack)
    endpoint_id = stack.get_logical_id(endpoint.cfn_endpoint)
    template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "EndpointName": {"Fn::GetAtt": [endpoint_id, "EndpointName"]},
            "VariantName": "pool",
            "InferenceComponentName": component.inference_component_name,
            "RuntimeConfig": {"CopyCount": 2},
            "Specification": {
                "ModelName": {"Fn::GetAtt": [stack.get_logical_id(model.cfn_model), "ModelName"]},
                "Container": Match.absent(),
                "ComputeResourceRequirements": {
                    "NumberOfCpuCoresRequired": 1.5,
                    "MinMemoryRequiredInMb": 2048,
                    "MaxMemoryRequiredInMb": 4096,
                    "NumberOfAcceleratorDevicesRequired": Match.absent(),
                },
                "StartupParameters": {
                    "ModelDataDownloadTimeoutInSeconds": 600,
                    "ContainerStartupHealthCheckTimeoutInSeconds": 300,
                },
            },
            "DeploymentConfig": Match.absent(),
        },
    )
    # A stable, valid physical name made from the construct path; the ARN is the resource's Ref.
    assert component.inference_component_name.startswith("TestStack-Fraud-")
    assert len(component.inference_component_name) <= 63
    assert stack.resolve(component.inference_component_arn) == {
        "Ref": stack.get_logical_id(component.cfn_inference_component)
    }
    assert endpoint.inference_components == (component,)


def test_component_with_its_own_container_grants_the_execution_role(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    InferenceComponent(
        stack,
        "Churn",
        endpoint=endpoint,
        name="churn",
        model=ComponentModel.from_container(
            ContainerImage.from_image_uri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:7"),
            model_data=ModelData.from_s3_url("s3://models/churn/model.tar.gz"),
            environment={"MODEL": "churn"},
        ),
        compute=ONE_CPU,
        component_name="churn-v7",
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "InferenceComponentName": "churn-v7",
            "Specification": {
                "ModelName": Match.absent(),
                "Container": {
                    "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:7",
                    "ArtifactUrl": "s3://models/churn/model.tar.gz",
                    "Environment": {"MODEL": "churn"},
                },
                "ComputeResourceRequirements": {"NumberOfCpuCoresRequired": 1, "MinMemoryRequiredInMb": 1024},
            },
        },
    )
    statements = next(iter(template.find_resources("AWS::IAM::ManagedPolicy").values()))["Properties"][
        "PolicyDocument"
    ]["Statement"]
    resources = [s["Resource"] for s in statements]
    ecr = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:123456789012:repository/churn"]]}
    assert ecr in resources
    assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::models/churn/model.tar.gz"]]} in resources


def test_grants_cover_the_endpoint_and_every_component_even_added_later(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    first = InferenceComponent(stack, "A", endpoint=endpoint, name="a", model=model, compute=ONE_CPU)
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_invoke(caller)
    endpoint.grant_describe(caller)
    second = InferenceComponent(stack, "B", endpoint=endpoint, name="b", model=model, compute=ONE_CPU)
    document = stack.resolve(caller.node.find_child("DefaultPolicy").document)  # type: ignore[attr-defined]
    allowed: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            allowed.setdefault(action, set()).update(str(r) for r in resources)

    def ref(c: InferenceComponent) -> str:
        return str({"Ref": stack.get_logical_id(c.cfn_inference_component)})

    endpoint_ref = str({"Ref": stack.get_logical_id(endpoint.cfn_endpoint)})
    assert allowed == {
        "sagemaker:InvokeEndpoint": {endpoint_ref, ref(first), ref(second)},
        "sagemaker:DescribeEndpoint": {endpoint_ref},
        "sagemaker:DescribeInferenceComponent": {ref(first), ref(second)},
    }


def test_component_metrics_carry_its_name(stack: cdk.Stack, model: Model) -> None:
    component = InferenceComponent(stack, "A", endpoint=_endpoint(stack), name="a", model=model, compute=ONE_CPU)
    metric = component.metric_no_capacity_invocation_failures()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/SageMaker",
        "NoCapacityInvocationFailures",
        "Sum",
    )
    assert metric.dimensions == {"InferenceComponentName": component.inference_component_name}
    assert component.metric_model_latency().statistic == "p99"


def test_component_rules_all_at_once(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "Bad",
            endpoint=endpoint,
            name="no spaces",
            model=model,
            compute=ComputeRequirements(cpu_cores=0.1, min_memory_mb=64, max_memory_mb=100, accelerators=0),
            copy_count=0,
            component_name="-bad",
            model_data_download_timeout_seconds=30,
            rolling_update=ComponentRollingUpdate(maximum_batch=Batch.percent(60), wait_interval=cdk.Duration.hours(2)),
        )
    assert info.value.problems == (
        "name: 'no spaces' is not allowed; expected 1-63 alphanumerics or hyphens",
        "component_name: '-bad' is not allowed; expected 1-63 alphanumerics or hyphens",
        "compute.min_memory_mb: 64 is not allowed; must be an integer ≥ 128",
        "compute.max_memory_mb: 100 is not allowed; must be an integer ≥ 128 (min_memory_mb)",
        "compute.cpu_cores: 0.1 is not allowed; must be a number ≥ 0.25",
        "compute.accelerators: 0 is not allowed; must be an integer ≥ 1",
        "copy_count: 0 is not allowed; must be an integer from 1 to 1000 (a component is created with its copies running, so a model that does not start fails the deployment; scale to zero with autoscale(min_copies=0))",
        "model_data_download_timeout_seconds: 30 is not allowed; must be an integer from 60 to 3600",
        "rolling_update.maximum_batch: 60 % is not allowed; must be from 5 to 50 %",
        "rolling_update.wait_interval: 7200 s is not allowed; must be whole seconds from 0 to 3600",
    )
    assert endpoint.inference_components == ()  # nothing was added


def test_names_are_unique_on_the_endpoint(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    InferenceComponent(stack, "A", endpoint=endpoint, name="a", model=model, compute=ONE_CPU, component_name="shared")
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack, "B", endpoint=endpoint, name="a", model=model, compute=ONE_CPU, component_name="shared"
        )
    assert info.value.problems == (
        "name: 'a' is already used on this endpoint; names must be unique",
        "component_name: 'shared' is already used on this endpoint",
    )


def test_components_need_a_pool_endpoint(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    with pytest.raises(
        ValidationError,
        match=r"endpoint: .* is not allowed; inference components need an Endpoint served from a ComponentEndpointConfig",
    ):
        InferenceComponent(stack, "A", endpoint=endpoint, name="a", model=model, compute=ONE_CPU)


def test_own_container_environment_limit(stack: cdk.Stack) -> None:
    source = ComponentModel.from_container(
        ContainerImage.sklearn(), environment={f"V{i}": "x" for i in range(17)} | {"1bad": "x"}
    )
    with pytest.raises(ValidationError) as info:
        InferenceComponent(stack, "A", endpoint=_endpoint(stack), name="a", model=source, compute=ONE_CPU)
    assert info.value.problems == (
        "model.environment: key '1bad' is not allowed; expected [a-zA-Z_][a-zA-Z0-9_]*",
        "model.environment: 18 variables is not allowed; an inference component's container takes at most 16",
    )


def test_wrong_kinds_of_values_are_named(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "A",
            endpoint=endpoint,
            name="a",
            model=ComponentModel.from_model("my-model"),  # type: ignore[arg-type]
            compute={"cpu_cores": 1},  # type: ignore[arg-type]
        )
    assert info.value.problems == (
        "model: 'my-model' is not allowed; expected a Model (or Model.from_model_name)",
        "compute: {'cpu_cores': 1} is not allowed; expected ComputeRequirements",
    )
    model = Model(stack, "M", image=ContainerImage.sklearn())
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "B",
            endpoint=endpoint,
            name="b",
            model=model,
            compute=ONE_CPU,
            copy_count=2,
            rolling_update="rolling",  # type: ignore[arg-type]
        )
    assert info.value.problems == ("rolling_update: 'rolling' is not allowed; expected a ComponentRollingUpdate",)
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "C",
            endpoint=endpoint,
            name="c",
            model=model,
            compute=ONE_CPU,
            copy_count=2,
            rolling_update=ComponentRollingUpdate(maximum_batch=50),  # type: ignore[arg-type]
        )
    assert info.value.problems == (
        "rolling_update.maximum_batch: 50 is not allowed; expected Batch.copies(n) or Batch.percent(p)",
    )
    with pytest.raises(ValidationError) as info:
        ComponentEndpointConfig(stack, "Volume", pool=InstancePool(instance_type="ml.m5.xlarge", volume_size_gb=0))
    assert info.value.problems == ("pool.volume_size_gb: 0 is not allowed; must be an integer from 1 to 512",)
