"""The alarms of :class:`~sagemaker_serving.monitoring.ServingMonitoring`: one builder per kind of target.

Each alarm is a :class:`NamedAlarm`: an ``aws_cloudwatch.Alarm`` with a fixed, deterministic name whose
``alarm_name`` attribute is that plain string, not a ``Ref``. That is what lets an endpoint's
``DeploymentConfig`` name these alarms for automatic rollback: the alarms depend on the endpoint (their
metrics carry its name), so a ``Ref`` from the endpoint back to an alarm would be a dependency cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from sagemaker_serving._shared import regional_arn
from sagemaker_serving.variants import InstanceVariant, ServerlessVariant, instance_family

if TYPE_CHECKING:
    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.front_door.front_door import FrontDoor
    from sagemaker_serving.monitoring.thresholds import AlarmThresholds
    from sagemaker_serving.variants import Variant

GREATER_OR_EQUAL = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
GREATER = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING
ONE_MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)
#: The mapping key (and name part) of the front door's alarms; no variant may be called this.
FRONT_DOOR = "front-door"
#: Alarm keys of a variant fit for automatic rollback: model failures and model latency.
ROLLBACK_KEYS = ("Invocation5XXErrors", "ModelLatencyP99")
#: vCPUs of an ML instance size, the multiplier of CPUUtilization (summed over vCPUs). ``medium`` has 1, but
#: the burstable ``ml.t*.medium`` sizes have 2.
_VCPUS = {"medium": 1, "large": 2, "xlarge": 4}
_SIZE = re.compile(r"^(\d+)xlarge$")


def vcpus(instance_type: str) -> int:
    """vCPUs of an ``ml.<family>.<size>`` type from its size (``xlarge`` 4, ``2xlarge`` 8, ... ``large`` 2)."""
    size = instance_type.rsplit(".", 1)[-1]
    if size == "medium" and instance_family(instance_type).startswith("t"):
        return 2
    match = _SIZE.match(size)
    return int(match.group(1)) * 4 if match else _VCPUS.get(size, 1)


class NamedAlarm(cloudwatch.Alarm):
    """A CloudWatch alarm with a fixed name; ``alarm_name`` is that name as a plain string, not a ``Ref``.

    Referencing ``alarm_name`` (a ``DeploymentConfig`` rollback alarm) therefore adds no CloudFormation
    dependency on the alarm. ``alarm_arn`` is CloudFormation's (a ``GetAtt``); :attr:`fixed_arn` is the same
    ARN built from the name (``arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>``), for references
    that must not depend on the alarm either.

    Only Python code sees the plain name: aws-cdk-lib's own code keeps its ``Ref`` (which CloudFormation
    resolves to the same name). A property override would be seen by both, but every read from
    aws-cdk-lib's side would then be a jsii callback (3 per alarm, measured).
    """

    def __init__(self, scope: Construct, construct_id: str, *, alarm_name: str, **props: Any) -> None:
        """The props of ``aws_cloudwatch.Alarm``; ``alarm_name`` is required."""
        self._fixed_name = alarm_name
        super().__init__(scope, construct_id, alarm_name=alarm_name, **props)

    def __getattribute__(self, name: str) -> Any:
        """``alarm_name`` is the fixed name; everything else is ``aws_cloudwatch.Alarm``'s."""
        if name == "alarm_name":
            return object.__getattribute__(self, "_fixed_name")
        return super().__getattribute__(name)

    @property
    def fixed_name(self) -> str:
        """The alarm's name as given (what ``alarm_name`` returns in Python)."""
        return self._fixed_name

    @property
    def fixed_arn(self) -> str:
        """The alarm's ARN, from its name and the stack's partition, region and account (no ``GetAtt``)."""
        return regional_arn(self, "cloudwatch", "alarm", self._fixed_name).replace(":alarm/", ":alarm:")


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm to create: its key (``<target>/<name>``), metric, threshold and evaluation."""

    target: str
    name: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 3
    comparison: cloudwatch.ComparisonOperator = GREATER

    @property
    def key(self) -> str:
        """``champion/Invocation5XXErrors``, ``front-door/LatencyP99`` ..."""
        return f"{self.target}/{self.name}"


def variant_alarm_specs(endpoint: Endpoint, variant: Variant, t: AlarmThresholds) -> Iterator[AlarmSpec]:
    """The alarms of one production variant: invocation errors and latencies, then its kind's utilisation."""
    name = variant.name
    yield AlarmSpec(
        name,
        "Invocation5XXErrors",
        endpoint.metric_server_errors(variant_name=name, period=ONE_MINUTE),
        t.server_errors_per_minute,
        f"Variant {name}: the model answered at least {t.server_errors_per_minute} requests a minute with a 5XX "
        "in 2 of 3 minutes (container failures). Fit for automatic rollback.",
        datapoints_to_alarm=2,
        comparison=GREATER_OR_EQUAL,
    )
    yield AlarmSpec(
        name,
        "Invocation4XXErrorRate",
        cloudwatch.MathExpression(
            expression="100 * errors / invocations",
            using_metrics={
                "errors": endpoint.metric_client_errors(variant_name=name, period=FIVE_MINUTES),
                "invocations": endpoint.metric_invocations(variant_name=name, period=FIVE_MINUTES),
            },
            label="4XX rate (%)",
            period=FIVE_MINUTES,
        ),
        t.client_error_rate_percent,
        f"Variant {name}: more than {t.client_error_rate_percent}% of requests answered with a 4XX for 15 minutes "
        "(callers sending what the model does not accept).",
    )
    yield AlarmSpec(
        name,
        "ModelLatencyP99",
        endpoint.metric_model_latency(variant_name=name, period=ONE_MINUTE),
        t.model_latency_p99_ms * 1000,  # ModelLatency is in microseconds
        f"Variant {name}: ModelLatency p99 above {t.model_latency_p99_ms} ms in 3 of 5 minutes. Fit for automatic "
        "rollback.",
        evaluation_periods=5,
    )
    serverless = isinstance(variant, ServerlessVariant)
    overhead_ms = t.serverless_overhead_latency_p99_ms if serverless else t.overhead_latency_p99_ms
    yield AlarmSpec(
        name,
        "OverheadLatencyP99",
        endpoint.metric_overhead_latency(variant_name=name, period=ONE_MINUTE),
        overhead_ms * 1000,
        f"Variant {name}: OverheadLatency p99 (SageMaker's own time{', cold starts included' if serverless else ''})"
        f" above {overhead_ms} ms in 3 of 5 minutes.",
        evaluation_periods=5,
    )
    if isinstance(variant, InstanceVariant):
        yield from _instance_specs(endpoint, variant, t)
    else:
        yield from _serverless_specs(endpoint, variant, t)


def _instance_specs(endpoint: Endpoint, variant: InstanceVariant, t: AlarmThresholds) -> Iterator[AlarmSpec]:
    name = variant.name
    cpus = vcpus(variant.instance_type)
    yield AlarmSpec(
        name,
        "CPUUtilization",
        endpoint.metric_cpu_utilization(variant_name=name, period=FIVE_MINUTES),
        t.cpu_utilization_percent * cpus,
        f"Variant {name}: CPU above {t.cpu_utilization_percent}% of its {cpus} vCPUs ({variant.instance_type}) "
        "for 15 minutes.",
    )
    yield AlarmSpec(
        name,
        "MemoryUtilization",
        endpoint.metric_memory_utilization(variant_name=name, period=FIVE_MINUTES),
        t.memory_utilization_percent,
        f"Variant {name}: memory above {t.memory_utilization_percent}% for 15 minutes.",
    )
    yield AlarmSpec(
        name,
        "DiskUtilization",
        endpoint.metric_disk_utilization(variant_name=name, period=FIVE_MINUTES, statistic="Maximum"),
        t.disk_utilization_percent,
        f"Variant {name}: disk above {t.disk_utilization_percent}% in 2 of 3 five-minute periods (data capture "
        "stops near 75%).",
        datapoints_to_alarm=2,
    )


def _serverless_specs(endpoint: Endpoint, variant: ServerlessVariant, t: AlarmThresholds) -> Iterator[AlarmSpec]:
    name = variant.name
    yield AlarmSpec(
        name,
        "ModelSetupTime",
        endpoint.metric_model_setup_time(variant_name=name, period=FIVE_MINUTES),
        t.model_setup_time_ms * 1000,  # microseconds
        f"Variant {name}: a cold start (ModelSetupTime) took more than {t.model_setup_time_ms} ms.",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    yield AlarmSpec(
        name,
        "ConcurrencyUtilization",
        endpoint.metric_serverless_concurrency_utilization(variant_name=name, period=ONE_MINUTE),
        t.serverless_concurrency_percent / 100,  # the metric is a fraction
        f"Variant {name}: concurrent executions above {t.serverless_concurrency_percent}% of max_concurrency "
        f"({variant.max_concurrency}) in 3 of 5 minutes; at 100% requests are throttled.",
        evaluation_periods=5,
    )
    yield AlarmSpec(
        name,
        "MemoryUtilization",
        endpoint.metric_memory_utilization(variant_name=name, period=FIVE_MINUTES),
        t.memory_utilization_percent,
        f"Variant {name}: memory above {t.memory_utilization_percent}% of {variant.memory_size_mb} MB for 15 minutes.",
    )


def front_door_alarm_specs(front_door: FrontDoor, t: AlarmThresholds) -> Iterator[AlarmSpec]:
    """API Gateway errors and latency, and with a Lambda integration the function's errors, throttles, duration."""
    yield AlarmSpec(
        FRONT_DOOR,
        "5XXErrorRate",
        front_door.metric_server_errors(statistic="Average", period=FIVE_MINUTES),
        t.front_door_server_error_rate_percent / 100,  # Average of 5XXError is the fraction of requests
        f"Front door: more than {t.front_door_server_error_rate_percent}% of requests answered with a 5XX in 2 of "
        "3 five-minute periods.",
        datapoints_to_alarm=2,
    )
    yield AlarmSpec(
        FRONT_DOOR,
        "LatencyP99",
        front_door.metric_latency(statistic="p99", period=FIVE_MINUTES),
        t.front_door_latency_p99_ms,
        f"Front door: API Gateway Latency p99 above {t.front_door_latency_p99_ms} ms for 15 minutes.",
    )
    function = front_door.function
    if function is None:
        return
    yield AlarmSpec(
        FRONT_DOOR,
        "FunctionErrors",
        front_door.metric_function_errors(period=FIVE_MINUTES),
        t.function_errors,
        f"Front door: the function failed at least {t.function_errors} time(s) in 2 of 3 five-minute periods.",
        datapoints_to_alarm=2,
        comparison=GREATER_OR_EQUAL,
    )
    yield AlarmSpec(
        FRONT_DOOR,
        "FunctionThrottles",
        front_door.metric_function_throttles(period=FIVE_MINUTES),
        t.function_throttles,
        f"Front door: Lambda throttled the function at least {t.function_throttles} time(s) in 5 minutes.",
        evaluation_periods=1,
        datapoints_to_alarm=1,
        comparison=GREATER_OR_EQUAL,
    )
    timeout = function.timeout or cdk.Duration.seconds(3)
    timeout_ms = timeout.to_milliseconds()
    yield AlarmSpec(
        FRONT_DOOR,
        "FunctionDuration",
        front_door.metric_function_duration(statistic="p99", period=FIVE_MINUTES),
        timeout_ms * t.function_duration_percent_of_timeout / 100,
        f"Front door: the function's p99 duration above {t.function_duration_percent_of_timeout}% of its "
        f"{timeout_ms} ms timeout in 2 of 3 five-minute periods.",
        datapoints_to_alarm=2,
    )
