"""SageMaker endpoints of a template: endpoint configs, variants, autoscaling, components, rollout.

Properties read (CloudFormation resource reference):
``AWS::SageMaker::EndpointConfig`` ``ProductionVariants`` (``InstanceType``, ``InitialInstanceCount``,
``InitialVariantWeight``, ``ServerlessConfig``, ``ManagedInstanceScaling``) and ``AsyncInferenceConfig``;
``AWS::SageMaker::Endpoint`` ``EndpointConfigName`` and ``DeploymentConfig``;
``AWS::ApplicationAutoScaling::ScalableTarget`` (``ResourceId`` ``endpoint/<name>/variant/<variant>`` or
``inference-component/<name>``, ``MinCapacity``, ``MaxCapacity``, ``ScheduledActions``) and
``AWS::ApplicationAutoScaling::ScalingPolicy`` target tracking;
``AWS::SageMaker::InferenceComponent`` (``EndpointName``, ``VariantName``, ``RuntimeConfig.CopyCount``).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-endpointconfig.html
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from sagemaker_serving.plan.cfn import Resources, integer, joined_text, number, of_type, props, referenced_ids
from sagemaker_serving.plan.model import (
    Autoscaling,
    Endpoint,
    InferenceComponent,
    Rollout,
    ScheduledAction,
    Serverless,
    Variant,
)

_VARIANT_ID = re.compile(r"/variant/([^/]+)$")
_TRACKED_INVOCATIONS = ("SageMakerVariantInvocationsPerInstance", "SageMakerInferenceComponentInvocationsPerCopy")


def read_endpoints(resources: Resources) -> tuple[Endpoint, ...]:
    """Every endpoint of the template (an endpoint config no endpoint deploys counts as one)."""
    configs = of_type(resources, "AWS::SageMaker::EndpointConfig")
    endpoints = of_type(resources, "AWS::SageMaker::Endpoint")
    targets = _scalable_targets(resources)
    found: list[Endpoint] = []
    deployed: set[str] = set()
    for endpoint_id, endpoint in endpoints.items():
        config_id = next((i for i in referenced_ids(props(endpoint).get("EndpointConfigName")) if i in configs), None)
        if config_id is None:
            continue
        deployed.add(config_id)
        found.append(_endpoint(endpoint_id, endpoint, configs[config_id], resources, targets))
    for config_id, config in configs.items():
        if config_id not in deployed:
            found.append(_endpoint(config_id, {}, config, resources, targets))
    return tuple(found)


def _endpoint(
    endpoint_id: str,
    endpoint: Mapping[str, Any],
    config: Mapping[str, Any],
    resources: Resources,
    targets: dict[tuple[str, str], Autoscaling],
) -> Endpoint:
    variants = tuple(
        _variant(v, targets.get((endpoint_id, str(v.get("VariantName")))))
        for v in props(config).get("ProductionVariants", [])
    )
    return Endpoint(
        name=endpoint_id,
        variants=variants,
        asynchronous="AsyncInferenceConfig" in props(config),
        components=_components(endpoint_id, resources, targets),
        rollout=_rollout(props(endpoint).get("DeploymentConfig"), variants),
    )


def _variant(spec: Mapping[str, Any], autoscaling: Autoscaling | None) -> Variant:
    serverless = spec.get("ServerlessConfig")
    managed = spec.get("ManagedInstanceScaling") or {}
    enabled = managed.get("Status", "ENABLED") == "ENABLED" and bool(managed)
    return Variant(
        name=str(spec.get("VariantName")),
        weight=number(spec.get("InitialVariantWeight")) or 1.0,
        instance_type=spec.get("InstanceType") if isinstance(spec.get("InstanceType"), str) else None,
        initial_count=integer(spec.get("InitialInstanceCount")),
        serverless=Serverless(
            memory_mb=integer(serverless.get("MemorySizeInMB")) or 0,
            max_concurrency=integer(serverless.get("MaxConcurrency")) or 0,
            provisioned_concurrency=integer(serverless.get("ProvisionedConcurrency")),
        )
        if isinstance(serverless, Mapping)
        else None,
        autoscaling=autoscaling,
        managed_min=integer(managed.get("MinInstanceCount")) if enabled else None,
        managed_max=integer(managed.get("MaxInstanceCount")) if enabled else None,
    )


def _scalable_targets(resources: Resources) -> dict[tuple[str, str], Autoscaling]:
    """Autoscaling by (endpoint or component logical ID, variant name or ``""`` for a component)."""
    policies = of_type(resources, "AWS::ApplicationAutoScaling::ScalingPolicy")
    found: dict[tuple[str, str], Autoscaling] = {}
    for target_id, target in of_type(resources, "AWS::ApplicationAutoScaling::ScalableTarget").items():
        p = props(target)
        if p.get("ServiceNamespace") != "sagemaker":
            continue
        key = _target_key(p.get("ResourceId"), resources)
        if key is None:
            continue
        invocations, cpu = _tracking(target_id, policies)
        found[key] = Autoscaling(
            min_capacity=integer(p.get("MinCapacity")) or 0,
            max_capacity=integer(p.get("MaxCapacity")) or 0,
            target_invocations=invocations,
            target_cpu=cpu,
            schedules=tuple(_action(a) for a in p.get("ScheduledActions", [])),
        )
    return found


def _target_key(resource_id: Any, resources: Resources) -> tuple[str, str] | None:
    owners = [i for i in referenced_ids(resource_id) if i in resources]
    text = joined_text(resource_id) or ""
    if text.startswith("inference-component/"):
        return (owners[0], "") if owners else None
    match = _VARIANT_ID.search(text)
    if match is None:
        return None
    if owners:
        return owners[0], match.group(1)
    literal_name = text.split("/")[1] if text.count("/") >= 3 else None
    for logical_id, r in of_type(resources, "AWS::SageMaker::Endpoint").items():
        if props(r).get("EndpointName") == literal_name:
            return logical_id, match.group(1)
    return None


def _tracking(target_id: str, policies: Resources) -> tuple[float | None, float | None]:
    invocations = cpu = None
    for policy in policies.values():
        p = props(policy)
        if target_id not in set(referenced_ids(p.get("ScalingTargetId"))):
            continue
        config = p.get("TargetTrackingScalingPolicyConfiguration") or {}
        predefined = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
        customized = (config.get("CustomizedMetricSpecification") or {}).get("MetricName")
        if predefined in _TRACKED_INVOCATIONS:
            invocations = number(config.get("TargetValue"))
        elif customized == "CPUUtilization" or predefined == "SageMakerVariantCPUUtilization":
            cpu = number(config.get("TargetValue"))
    return invocations, cpu


def _action(spec: Mapping[str, Any]) -> ScheduledAction:
    action = spec.get("ScalableTargetAction") or {}
    return ScheduledAction(
        name=str(spec.get("ScheduledActionName")),
        schedule=str(spec.get("Schedule")),
        time_zone=str(spec.get("Timezone") or "UTC"),
        min_capacity=integer(action.get("MinCapacity")),
        max_capacity=integer(action.get("MaxCapacity")),
    )


def _components(
    endpoint_id: str, resources: Resources, targets: dict[tuple[str, str], Autoscaling]
) -> tuple[InferenceComponent, ...]:
    found = []
    for component_id, component in of_type(resources, "AWS::SageMaker::InferenceComponent").items():
        p = props(component)
        if endpoint_id not in set(referenced_ids(p.get("EndpointName"))):
            continue
        compute = (p.get("Specification") or {}).get("ComputeResourceRequirements") or {}
        found.append(
            InferenceComponent(
                name=component_id,
                variant_name=str(p.get("VariantName")),
                copies=integer((p.get("RuntimeConfig") or {}).get("CopyCount")) or 1,
                autoscaling=targets.get((component_id, "")),
                cpu_cores=number(compute.get("NumberOfCpuCoresRequired")),
                memory_mb=integer(compute.get("MinMemoryRequiredInMb")),
                accelerators=number(compute.get("NumberOfAcceleratorDevicesRequired")),
            )
        )
    return tuple(found)


def _rollout(config: Any, variants: tuple[Variant, ...]) -> Rollout | None:
    """``DeploymentConfig``: blue/green (the green fleet is the whole new fleet, provisioned before any
    traffic shifts) or rolling (batches of ``MaximumBatchSize``).
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html"""
    if not isinstance(config, Mapping):
        return None
    fleet = max(1, sum(v.floor for v in variants if v.serverless is None))
    rolling = config.get("RollingUpdatePolicy")
    if isinstance(rolling, Mapping):
        batch = _size(rolling.get("MaximumBatchSize") or {}, fleet)
        return Rollout(
            kind="rolling",
            traffic="BATCHES",
            wait_seconds=integer(rolling.get("WaitIntervalInSeconds")) or 0,
            steps=math.ceil(fleet / batch),
            batch_instances=batch,
        )
    blue_green = config.get("BlueGreenUpdatePolicy")
    if not isinstance(blue_green, Mapping):
        return None
    routing = blue_green.get("TrafficRoutingConfiguration") or {}
    kind = str(routing.get("Type", "ALL_AT_ONCE"))
    step = routing.get("CanarySize") if kind == "CANARY" else routing.get("LinearStepSize")
    steps = {"CANARY": 2, "ALL_AT_ONCE": 1}.get(kind) or math.ceil(fleet / _size(step or {}, fleet))
    return Rollout(
        kind="blue/green",
        traffic=kind,
        wait_seconds=integer(routing.get("WaitIntervalInSeconds")) or 0,
        steps=steps,
        termination_wait_seconds=integer(blue_green.get("TerminationWaitInSeconds")) or 0,
        step_size=f"{step.get('Type')} {step.get('Value')}" if isinstance(step, Mapping) else None,
    )


def _size(spec: Mapping[str, Any], fleet: int) -> int:
    value = integer(spec.get("Value")) or 1
    if spec.get("Type") == "CAPACITY_PERCENT":
        return max(1, math.ceil(fleet * value / 100))
    return value
