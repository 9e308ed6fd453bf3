"""The CloudWatch dashboard of :class:`~sagemaker_serving.monitoring.ServingMonitoring`: one per environment.

Rows: the alarms' states; per variant, traffic and errors, latencies, then instances against the
autoscaling limits (instance variants) or cold starts and concurrency (serverless); the front door's
requests, errors and latency, and its function. SageMaker publishes no instance-count metric, so the
instance graph shows ``Invocations / InvocationsPerInstance`` (SageMaker divides each request by the
variant's instance count), defined only while the variant has traffic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from sagemaker_serving._shared import regional_arn
from sagemaker_serving.variants import InstanceVariant

if TYPE_CHECKING:
    from sagemaker_serving.autoscaling import VariantAutoscaling
    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.front_door.front_door import FrontDoor
    from sagemaker_serving.monitoring.alarms import NamedAlarm
    from sagemaker_serving.variants import Variant

WIDTH = 24
GRAPH = {"width": 8, "height": 6}
PERIOD = cdk.Duration.minutes(5)


def build_dashboard(
    scope: Construct,
    *,
    dashboard_name: str | None,
    endpoint: Endpoint,
    front_door: FrontDoor | None,
    autoscaling: Mapping[str, VariantAutoscaling],
    alarms: Sequence[NamedAlarm],
) -> cloudwatch.Dashboard:
    """The dashboard, its rows added in order. The alarm widget names the alarms by ARN (built from their
    fixed names), so the dashboard does not depend on them."""
    dashboard = cloudwatch.Dashboard(
        scope, "Dashboard", dashboard_name=dashboard_name, default_interval=cdk.Duration.hours(3)
    )
    # One ARN prefix for all (each jsii call costs ~1 ms); an imported reference per alarm for the widget.
    prefix = regional_arn(scope, "cloudwatch", "alarm", "").replace(":alarm/", ":alarm:")
    references = [
        cloudwatch.Alarm.from_alarm_arn(scope, f"Ref{i}", f"{prefix}{a.fixed_name}") for i, a in enumerate(alarms)
    ]
    dashboard.add_widgets(cloudwatch.AlarmStatusWidget(alarms=references, title="Alarms", width=WIDTH, height=3))
    for variant in endpoint.endpoint_config.variants:
        dashboard.add_widgets(*_variant_row(endpoint, variant, autoscaling.get(variant.name)))
    if front_door is not None:
        dashboard.add_widgets(*_front_door_row(front_door))
    return dashboard


def _graph(title: str, left: list[cloudwatch.IMetric], **extra: object) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=left, **GRAPH, **extra)  # type: ignore[arg-type]


def _variant_row(endpoint: Endpoint, variant: Variant, scaling: VariantAutoscaling | None) -> list[cloudwatch.IWidget]:
    name = variant.name
    traffic = _graph(
        f"{name}: requests and errors",
        [
            endpoint.metric_invocations(variant_name=name, period=PERIOD, label="Invocations"),
            endpoint.metric_client_errors(variant_name=name, period=PERIOD, label="4XX"),
            endpoint.metric_server_errors(variant_name=name, period=PERIOD, label="5XX"),
        ],
    )
    latency = _graph(
        f"{name}: latency (µs)",
        [
            endpoint.metric_model_latency(variant_name=name, period=PERIOD, statistic="p50", label="Model p50"),
            endpoint.metric_model_latency(variant_name=name, period=PERIOD, label="Model p99"),
            endpoint.metric_overhead_latency(variant_name=name, period=PERIOD, label="Overhead p99"),
        ],
    )
    if isinstance(variant, InstanceVariant):
        return [traffic, latency, _instances(endpoint, variant, scaling)]
    return [
        traffic,
        latency,
        _graph(
            f"{name}: cold starts and concurrency",
            [
                endpoint.metric_model_setup_time(
                    variant_name=name, period=PERIOD, statistic="SampleCount", label="Cold starts"
                )
            ],
            right=[
                endpoint.metric_serverless_concurrency_utilization(
                    variant_name=name, period=PERIOD, label="Concurrency / max"
                )
            ],
        ),
    ]


def _instances(
    endpoint: Endpoint, variant: InstanceVariant, scaling: VariantAutoscaling | None
) -> cloudwatch.GraphWidget:
    name = variant.name
    count = cloudwatch.MathExpression(
        expression="invocations / perinstance",
        using_metrics={
            "invocations": endpoint.metric_invocations(variant_name=name, period=PERIOD),
            "perinstance": endpoint.metric_invocations_per_instance(variant_name=name, period=PERIOD),
        },
        label="Instances (Invocations ÷ InvocationsPerInstance)",
        period=PERIOD,
    )
    low, high = (scaling.min_capacity, scaling.max_capacity) if scaling else (variant.initial_instance_count,) * 2
    what = "autoscaling" if scaling else "fixed count"
    return _graph(
        f"{name}: instances ({what} {low}-{high})",
        [count],
        left_annotations=[
            cloudwatch.HorizontalAnnotation(value=low, label=f"min {low}"),
            cloudwatch.HorizontalAnnotation(value=high, label=f"max {high}"),
        ],
        right=[endpoint.metric_cpu_utilization(variant_name=name, period=PERIOD, label="CPU % (all vCPUs)")],
    )


def _front_door_row(front_door: FrontDoor) -> list[cloudwatch.IWidget]:
    widgets: list[cloudwatch.IWidget] = [
        _graph(
            "Front door: requests and errors",
            [
                front_door.metric_count(period=PERIOD, label="Requests"),
                front_door.metric_client_errors(period=PERIOD, label="4XX"),
                front_door.metric_server_errors(period=PERIOD, label="5XX"),
            ],
        ),
        _graph(
            "Front door: latency (ms)",
            [
                front_door.metric_latency(statistic="p50", period=PERIOD, label="p50"),
                front_door.metric_latency(statistic="p99", period=PERIOD, label="p99"),
                front_door.metric_integration_latency(statistic="p99", period=PERIOD, label="Integration p99"),
            ],
        ),
    ]
    function = front_door.function
    if function is not None:
        timeout = function.timeout
        annotations = (
            [cloudwatch.HorizontalAnnotation(value=timeout.to_milliseconds(), label="timeout")] if timeout else None
        )
        widgets.append(
            _graph(
                "Front door: function",
                [
                    front_door.metric_function_errors(period=PERIOD, label="Errors"),
                    front_door.metric_function_throttles(period=PERIOD, label="Throttles"),
                ],
                right=[front_door.metric_function_duration(statistic="p99", period=PERIOD, label="Duration p99 (ms)")],
                right_annotations=annotations,
            )
        )
    return widgets
