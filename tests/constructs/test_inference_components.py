"""Inference components: the instance pool's endpoint config, the components, their grants and every rule."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    Batch,
    ComponentEndpointConfig,
    ComponentModel,
    ComponentRollingUpdate,
    ComputeRequirements,
    ContainerImage,
    DeploymentGuardrails,
    Endpoint,
    EndpointConfig,
    InferenceComponent,
    InstancePool,
    InstanceVariant,
    Model,
    ModelData,
    RequestRouting,
    ValidationError,
)
from sagemaker_serving.instance_specs import INSTANCE_SPECS, instance_spec

ONE_CPU = ComputeRequirements(cpu_cores=1, min_memory_mb=1024)


def _endpoint(stack: cdk.Stack, **pool: object) -> Endpoint:
    pool = {"instance_type": "ml.m5.xlarge", **pool}
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(**pool))  # type: ignore[arg-type]
    return Endpoint(stack, "Endpoint", endpoint_config=config)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))


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


def test_rolling_update_with_rollback_alarms(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    alarm = cloudwatch.Alarm.from_alarm_arn(
        stack, "Latency", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-p99"
    )
    InferenceComponent(
        stack,
        "Fraud",
        endpoint=endpoint,
        name="fraud",
        model=model,
        compute=ONE_CPU,
        copy_count=2,
        rolling_update=ComponentRollingUpdate(
            maximum_batch=Batch.copies(1),
            wait_interval=cdk.Duration.minutes(10),
            maximum_execution_timeout=cdk.Duration.hours(1),
            rollback_maximum_batch=Batch.percent(100),
            rollback_alarms=[alarm],
        ),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "DeploymentConfig": {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 600,
                    "MaximumExecutionTimeoutInSeconds": 3600,
                    "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "fraud-p99"}]},
            }
        },
    )


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


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------
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


def test_one_copy_must_fit_on_one_instance(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "Big",
            endpoint=_endpoint(stack),
            name="big",
            model=model,
            compute=ComputeRequirements(cpu_cores=8, min_memory_mb=20_000, max_memory_mb=40_000, accelerators=1),
        )
    assert info.value.problems == (
        "compute.cpu_cores: 8 CPU cores per copy is not allowed on ml.m5.xlarge, which has 4 vCPUs (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.min_memory_mb: 20000 MB of memory per copy is not allowed on ml.m5.xlarge, which has 16384 MiB (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.accelerators: 1 accelerators per copy is not allowed on ml.m5.xlarge, which has 0 GPUs (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.max_memory_mb: 40000 MB is not allowed on ml.m5.xlarge, which has 16384 MiB (EC2 specifications, checked 2026-11-30)",
    )


def test_all_copies_must_fit_in_the_most_instances(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, initial_instance_count=1, min_instance_count=1, max_instance_count=2)
    InferenceComponent(
        stack,
        "A",
        endpoint=endpoint,
        name="a",
        model=model,
        compute=ComputeRequirements(cpu_cores=2, min_memory_mb=1024),
        copy_count=2,
    )
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "B",
            endpoint=endpoint,
            name="b",
            model=model,
            compute=ComputeRequirements(cpu_cores=3, min_memory_mb=1024),
            copy_count=2,
        )
    assert info.value.problems == (
        "copy_count: 2 × 2 ('a') + 2 × 3 ('b') = 10 CPU cores is not allowed; 2 × ml.m5.xlarge (max_instance_count 2) offers 8 vCPUs: lower the copy counts or requirements, or raise the pool's max_instance_count",
    )
    # Without managed scaling the bound is the initial count.
    other = cdk.Stack(cdk.App(), "Other")
    fixed = _endpoint(other, initial_instance_count=1)
    model_b = Model(other, "M", image=ContainerImage.sklearn())
    with pytest.raises(
        ValidationError,
        match=r"need 2 instances \(1 per ml.m5.xlarge\), which is not allowed; the pool has at most 1 × ml.m5.xlarge \(initial_instance_count 1\)",
    ):
        InferenceComponent(
            other,
            "C",
            endpoint=fixed,
            name="c",
            model=model_b,
            compute=ComputeRequirements(cpu_cores=3, min_memory_mb=1024),
            copy_count=2,
        )


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


def test_a_pool_is_real_time_and_takes_no_deployment_guardrails(stack: cdk.Stack) -> None:
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(instance_type="ml.m5.xlarge"))
    assert (config.is_async, config.async_inference) == (False, None)  # what the front door and autoscaling read
    with pytest.raises(ValidationError) as info:
        Endpoint(stack, "Endpoint", endpoint_config=config, deployment=DeploymentGuardrails())
    assert info.value.problems == (
        "deployment: not allowed with a ComponentEndpointConfig; deployment guardrails update production variants: "
        "give each InferenceComponent a rolling_update (ComponentRollingUpdate) instead",
    )


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


def test_rolling_update_batch_relative_to_copies(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "A",
            endpoint=_endpoint(stack),
            name="a",
            model=model,
            compute=ComputeRequirements(cpu_cores=0.5, min_memory_mb=256),
            copy_count=3,
            rolling_update=ComponentRollingUpdate(
                maximum_batch=Batch.copies(2),
                rollback_maximum_batch=Batch.percent(0),
                maximum_execution_timeout=cdk.Duration.minutes(5),
                rollback_alarms=[cloudwatch.Alarm.from_alarm_name(stack, f"A{i}", f"a{i}") for i in range(11)],
            ),
        )
    assert info.value.problems == (
        "rolling_update.maximum_batch: 2 of 3 copies (67%) is not allowed; a batch must be 5 % to 50 % of the copy count: raise copy_count or use Batch.percent()",
        "rolling_update.rollback_maximum_batch: 0 is not allowed; must be an integer ≥ 1",
        "rolling_update.maximum_execution_timeout: 300 s is not allowed; must be whole seconds from 600 to 28800",
        "rolling_update.rollback_alarms: 11 alarms is not allowed; at most 10",
    )


def test_instance_spec_table() -> None:
    assert instance_spec("ml.g5.12xlarge") is not None
    assert instance_spec("ml.g5.12xlarge") == INSTANCE_SPECS["ml.g5.12xlarge"]
    spec = INSTANCE_SPECS["ml.g5.12xlarge"]
    assert (spec.vcpus, spec.memory_mib, spec.accelerators) == (48, 192 * 1024, 4)
    assert (INSTANCE_SPECS["ml.c5.9xlarge"].vcpus, INSTANCE_SPECS["ml.c5.9xlarge"].memory_mib) == (36, 72 * 1024)
    assert INSTANCE_SPECS["ml.r7i.48xlarge"].memory_mib == 1536 * 1024
    assert instance_spec("ml.inf2.xlarge") is None  # not in the table: not checked


def test_every_tabled_type_is_a_hosting_type() -> None:
    from sagemaker_serving.instance_types import HOSTING_INSTANCE_TYPES

    assert set(INSTANCE_SPECS) <= set(HOSTING_INSTANCE_TYPES)


def test_unknown_instance_types_are_not_checked(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, instance_type="ml.inf2.xlarge", routing=RequestRouting.random())
    InferenceComponent(
        stack,
        "A",
        endpoint=endpoint,
        name="a",
        model=model,
        compute=ComputeRequirements(min_memory_mb=1024, accelerators=4),
        copy_count=50,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"RoutingConfig": {"RoutingStrategy": "RANDOM"}})]},
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
