"""The serving part of an environment whose models are inference components on one instance pool.

:func:`stacks.serving_endpoint.compose_endpoint` builds the models, then hands over here when the
environment has an ``instance_pool``: the pool's endpoint config, the endpoint, one
``InferenceComponent`` per ``[[inference_components]]`` entry and their autoscaling (added after every
component, so the pool check sees all of them). Only the settings the file gives are passed; a
construct's problems are reported with the file's key paths
(``inference_components[1].cpu_cores``, ``instance_pool.max_instance_count``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving import (
    Batch,
    ComponentEndpointConfig,
    ComponentRollingUpdate,
    ComputeRequirements,
    CopyScalingMetric,
    Endpoint,
    InferenceComponent,
    InstancePool,
)
from stacks.config import ComponentAutoscalingConfig, EnvironmentConfig, InferenceComponentConfig, RollingUpdateConfig
from stacks.guardrails import construct_keys, guardrails_props
from stacks.serving_endpoint import EndpointParts, Problems, given, prefixed, routing

if TYPE_CHECKING:
    from sagemaker_serving import ComponentAutoscaling, Model

#: ``InferenceComponent`` props (and parts of messages) → the keys of an ``inference_components`` entry.
COMPONENT_KEYS = {"compute.": ""}
#: ``ComponentAutoscaling`` props → the keys of its ``autoscaling`` table (the others are prefixed ``autoscaling.``).
AUTOSCALING_KEYS = {
    "scale_in_cooldown": "autoscaling.scale_in_cooldown_seconds",
    "scale_out_cooldown": "autoscaling.scale_out_cooldown_seconds",
    "wake_cooldown": "autoscaling.wake_cooldown_seconds",
}


def compose_components(
    scope: Construct,
    config: EnvironmentConfig,
    models: dict[str, Model],
    *,
    problems: Problems,
    raise_problems: bool,
) -> EndpointParts:
    """Add the pool's endpoint config, the endpoint, the components and their autoscaling to ``scope``."""
    pool_config = config.instance_pool
    assert pool_config is not None, "compose_endpoint hands over only environments with an instance_pool"
    pool_props = given(pool_config, leave_out=("routing",))
    if pool_config.routing is not None:
        pool_props["routing"] = routing(pool_config.routing)
    with problems.at(prefixed("instance_pool.", {"pool.": ""})):
        endpoint_config = ComponentEndpointConfig(scope, "EndpointConfig", pool=InstancePool(**pool_props))
    problems.check()
    with problems.at(construct_keys(config)):  # the construct refuses a deployment table here
        endpoint = Endpoint(scope, "Endpoint", endpoint_config=endpoint_config, **guardrails_props(config))
    problems.check()
    components: dict[str, InferenceComponent] = {}
    for i, c in enumerate(config.inference_components):
        with problems.at(prefixed(f"inference_components[{i}].", {**COMPONENT_KEYS, **_rolling_update_keys(c)})):
            components[c.name] = InferenceComponent(
                scope,
                "Component" + c.name.title().replace("-", ""),
                endpoint=endpoint,
                model=models[c.model],
                **component_props(scope, c),
            )
    problems.check()
    autoscaling: list[ComponentAutoscaling] = []
    for i, c in enumerate(config.inference_components):
        if c.autoscaling is not None:
            renames = {**AUTOSCALING_KEYS, "metric": f"autoscaling.{_metric_key(c.autoscaling)}"}
            with problems.at(prefixed(f"inference_components[{i}].", renames, others="autoscaling.")):
                autoscaling.append(components[c.name].autoscale(**component_autoscaling_props(c.autoscaling)))
    if raise_problems:
        problems.check()
    return EndpointParts(
        models, endpoint_config, endpoint, [], inference_components=components, component_autoscaling=autoscaling
    )


def component_props(scope: Construct, c: InferenceComponentConfig) -> dict[str, Any]:
    """``InferenceComponent`` props for the settings the file gives (``model`` and ``endpoint`` aside)."""
    compute = ComputeRequirements(
        min_memory_mb=c.min_memory_mb, cpu_cores=c.cpu_cores, max_memory_mb=c.max_memory_mb, accelerators=c.accelerators
    )
    props = given(
        c,
        leave_out=(
            "model",
            "min_memory_mb",
            "cpu_cores",
            "max_memory_mb",
            "accelerators",
            "autoscaling",
            "rolling_update",
        ),
    )
    props["compute"] = compute
    if c.rolling_update is not None:
        props["rolling_update"] = rolling_update(scope, c.name, c.rolling_update)
    return props


def rolling_update(scope: Construct, name: str, r: RollingUpdateConfig) -> ComponentRollingUpdate:
    """The component's ``ComponentRollingUpdate``; its rollback alarms are imported by name."""
    from aws_cdk import aws_cloudwatch as cloudwatch

    props: dict[str, Any] = {}
    if r.maximum_batch_copies is not None or r.maximum_batch_percent is not None:
        props["maximum_batch"] = _batch(r.maximum_batch_copies, r.maximum_batch_percent)
    if r.rollback_maximum_batch_copies is not None or r.rollback_maximum_batch_percent is not None:
        props["rollback_maximum_batch"] = _batch(r.rollback_maximum_batch_copies, r.rollback_maximum_batch_percent)
    if r.wait_interval_seconds is not None:
        props["wait_interval"] = cdk.Duration.seconds(r.wait_interval_seconds)
    if r.maximum_execution_timeout_seconds is not None:
        props["maximum_execution_timeout"] = cdk.Duration.seconds(r.maximum_execution_timeout_seconds)
    prefix = "Component" + name.title().replace("-", "")
    props["rollback_alarms"] = [
        cloudwatch.Alarm.from_alarm_name(scope, f"{prefix}RollbackAlarm{j}", alarm)
        for j, alarm in enumerate(r.rollback_alarms)
    ]
    return ComponentRollingUpdate(**props)


def component_autoscaling_props(a: ComponentAutoscalingConfig) -> dict[str, Any]:
    """``ComponentAutoscaling`` props for the settings the file gives."""
    props: dict[str, Any] = {"min_copies": a.min_copies, "max_copies": a.max_copies}
    if a.target_invocations_per_copy is not None:
        props["metric"] = CopyScalingMetric.invocations_per_copy(a.target_invocations_per_copy)
    elif a.target_concurrent_requests_per_copy is not None:
        props["metric"] = CopyScalingMetric.concurrent_requests_per_copy(a.target_concurrent_requests_per_copy)
    for key in ("scale_in_cooldown", "scale_out_cooldown", "wake_cooldown"):
        seconds = getattr(a, f"{key}_seconds")
        if seconds is not None:
            props[key] = cdk.Duration.seconds(seconds)
    if a.schedules is not None:
        props["schedules"] = list(a.schedules)
    return props


def _batch(copies: int | None, percent: int | None) -> Batch:
    return Batch.copies(copies) if copies is not None else Batch.percent(percent)  # type: ignore[arg-type]


def _metric_key(a: ComponentAutoscalingConfig) -> str:
    if a.target_concurrent_requests_per_copy is not None:
        return "target_concurrent_requests_per_copy"
    return "target_invocations_per_copy"


def _rolling_update_keys(c: InferenceComponentConfig) -> dict[str, str]:
    """``rolling_update.<prop>`` → the file's key (which of ``_copies`` / ``_percent`` it gave)."""
    r = c.rolling_update
    if r is None:
        return {}
    batch = "maximum_batch_copies" if r.maximum_batch_copies is not None else "maximum_batch_percent"
    rollback = "rollback_maximum_batch_" + ("copies" if r.rollback_maximum_batch_copies is not None else "percent")
    return {
        "rolling_update.maximum_batch": f"rolling_update.{batch}",
        "rolling_update.rollback_maximum_batch": f"rolling_update.{rollback}",
        "rolling_update.wait_interval": "rolling_update.wait_interval_seconds",
        "rolling_update.maximum_execution_timeout": "rolling_update.maximum_execution_timeout_seconds",
    }
