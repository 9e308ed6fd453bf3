"""An environment's deployment guardrails: the ``deployment`` table as construct props, and the rollback alarms.

:func:`guardrails_props` turns :class:`~stacks.deployment_config.DeploymentConfig` into the
``Endpoint``'s ``deployment`` (and, with the stack's rollback alarms, a fixed endpoint name);
:data:`construct_keys` maps the construct's problems back to the file's keys.

The rollback alarms are the monitoring's (``ServingMonitoring.rollback_alarms``: per variant,
Invocation5XXErrors and ModelLatency p99, with fixed names built from the stack name); the stack adds
them with ``Endpoint.add_rollback_alarms`` once the monitoring exists. The endpoint lists them by name
and, having a fixed name (the stack's), depends on them, so they exist before SageMaker creates or
updates the endpoint and an update that changes a threshold runs with the new one (docs/rollouts.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from sagemaker_serving import BlueGreenUpdate, DeploymentGuardrails, RollingUpdate
from sagemaker_serving.rollout.guardrails import update_policy_problems
from stacks.deployment_config import DeploymentConfig

if TYPE_CHECKING:
    from stacks.config import EnvironmentConfig

__all__ = ["construct_keys", "guardrails_props", "update_policy_problems"]

#: The rollback alarms' thresholds, until the monitoring construct's per-environment ones replace them.
#: Invocation5XXErrors sends 1 per 5xx answer and 0 otherwise, so its Average is the error rate
#: (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html); 5% of a variant's
#: requests in 2 of 3 minutes is far above a healthy model's and low enough that a failing canary of
#: one instance in four trips it. ModelLatency is in microseconds: a p99 of 1 s is a hundred times the
#: reference model's and well inside the front door's 9 s read timeout.
ERROR_RATE_THRESHOLD = 0.05
MODEL_LATENCY_P99_THRESHOLD_MICROS = 1_000_000
EVALUATION_PERIODS, DATAPOINTS_TO_ALARM = 3, 2


def guardrails_props(env: EnvironmentConfig) -> dict[str, Any]:
    """The ``Endpoint`` props of ``env``'s ``deployment`` table: ``deployment`` and, with the stack's rollback
    alarms, ``endpoint_name`` (the stack's name). Empty without the table."""
    deployment = env.deployment
    if deployment is None:
        return {}
    props: dict[str, Any] = {
        "deployment": DeploymentGuardrails(
            update_policy=_update_policy(deployment), rollback_alarm_names=deployment.rollback_alarm_names
        )
    }
    if deployment.rollback_alarms:
        props["endpoint_name"] = env.stack_name
    return props


def _seconds(value: int | None) -> cdk.Duration | None:
    return None if value is None else cdk.Duration.seconds(value)


def _wait(seconds: int | None) -> dict[str, cdk.Duration]:
    """``wait_interval`` when the file gives one (else the construct's default)."""
    return {} if seconds is None else {"wait_interval": cdk.Duration.seconds(seconds)}


def _update_policy(deployment: DeploymentConfig) -> BlueGreenUpdate | RollingUpdate:
    """The construct's update policy: the settings the file gives, the construct's defaults for the rest."""
    from sagemaker_serving import AllAtOnce, Canary, Linear

    rolling = deployment.rolling
    if rolling is not None:
        return RollingUpdate(
            maximum_batch_size=rolling.maximum_batch_size,
            rollback_maximum_batch_size=rolling.rollback_maximum_batch_size,
            maximum_execution_timeout=_seconds(rolling.maximum_execution_timeout_seconds),
            **_wait(rolling.wait_interval_seconds),
        )
    blue_green = deployment.blue_green
    if blue_green is None:
        return BlueGreenUpdate()
    wait = _wait(blue_green.wait_interval_seconds)
    routing: AllAtOnce | Canary | Linear = AllAtOnce(**wait)
    if blue_green.traffic_routing == "canary" and blue_green.canary_size is not None:
        routing = Canary(size=blue_green.canary_size, **wait)
    elif blue_green.traffic_routing == "linear" and blue_green.linear_step_size is not None:
        routing = Linear(step_size=blue_green.linear_step_size, **wait)
    return BlueGreenUpdate(
        traffic_routing=routing,
        termination_wait=_seconds(blue_green.termination_wait_seconds),
        maximum_execution_timeout=_seconds(blue_green.maximum_execution_timeout_seconds),
    )


def construct_keys(env: EnvironmentConfig) -> Callable[[str], str]:
    """A ``rename`` for ``Problems.at``: the endpoint's guardrail problems in the ``deployment`` table's keys."""
    table = "rolling" if env.deployment is not None and env.deployment.rolling is not None else "blue_green"
    policy = "deployment.update_policy"
    renames = {
        f"{policy}.traffic_routing.size": "deployment.blue_green.canary_size",
        f"{policy}.traffic_routing.step_size": "deployment.blue_green.linear_step_size",
        f"{policy}.traffic_routing.wait_interval": "deployment.blue_green.wait_interval_seconds",
        f"{policy}.termination_wait": "deployment.blue_green.termination_wait_seconds",
        f"{policy}.maximum_execution_timeout": f"deployment.{table}.maximum_execution_timeout_seconds",
        f"{policy}.wait_interval": "deployment.rolling.wait_interval_seconds",
        f"{policy}.maximum_batch_size": "deployment.rolling.maximum_batch_size",
        f"{policy}.rollback_maximum_batch_size": "deployment.rolling.rollback_maximum_batch_size",
        policy: f"deployment.{table}",
        "rollback_alarm_names": "deployment.rollback_alarm_names",
        "rollback alarms": "deployment.rollback_alarm_names (with the stack's 2 rollback alarms per variant)",
        "endpoint_name": "deployment.rollback_alarms (the endpoint is then named after the stack)",
    }
    ordered = sorted(renames.items(), key=lambda kv: -len(kv[0]))

    def rename(problem: str) -> str:
        for construct_key, file_key in ordered:
            if re.match(rf"{re.escape(construct_key)}(?=[:.\[ ])", problem):
                return file_key + problem[len(construct_key) :]
        return problem

    return rename
