"""Typed options of every ``metric_*`` method of this package (``Endpoint``, ``FrontDoor`` ...)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from sagemaker_serving.errors import ValidationError

if TYPE_CHECKING:
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cloudwatch


class MetricOptions(TypedDict, total=False):
    """The options of every metric method: the fields of ``aws_cloudwatch.MetricOptions``, all optional.

    Passed as keyword arguments, e.g. ``endpoint.metric_invocations(variant_name="a",
    period=cdk.Duration.minutes(5), label="Requests")``; type checkers check each name and type.
    """

    #: Account the metric comes from. Default: the stack's account.
    account: str
    #: Colour of the metric in a graph (hex ``#rrggbb``). Default: chosen by the graph.
    color: str
    #: Dimensions added to (or replacing) the method's own (``EndpointName``/``VariantName``,
    #: ``ApiName``/``Stage``). Default: none.
    dimensions_map: Mapping[str, str]
    #: ID of the metric in a math expression. Default: generated.
    id: str
    #: Label in graphs and alarms. Default: the metric name.
    label: str
    #: Aggregation period. Default: each method's own (1 minute for SageMaker endpoint metrics, 5 for API Gateway).
    period: cdk.Duration
    #: Region the metric comes from. Default: the stack's region.
    region: str
    #: Account of the stack the metric is used in. Default: the stack's account.
    stack_account: str
    #: Region of the stack the metric is used in. Default: the stack's region.
    stack_region: str
    #: Statistic (``Sum``, ``Average``, ``p99`` ...). Default: each method's own (``Sum`` unless it says).
    statistic: str
    #: Unit to ask CloudWatch for. Default: all units.
    unit: cloudwatch.Unit
    #: Whether the metric is drawn in a graph. Default: ``True``.
    visible: bool


METRIC_OPTIONS = tuple(MetricOptions.__annotations__)


def check_metric_options(options: Mapping[str, object]) -> None:
    """Refuse option names ``aws_cloudwatch.MetricOptions`` does not have (type checkers do it statically)."""
    problems = []
    for name in options:
        if name not in METRIC_OPTIONS:
            close = difflib.get_close_matches(name, METRIC_OPTIONS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"{name}: is not a metric option; {hint}options are {', '.join(METRIC_OPTIONS)}")
    if problems:
        raise ValidationError("Invalid metric options", problems)


def build_metric(
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    options: MetricOptions,
    *,
    statistic: str = "Sum",
) -> cloudwatch.Metric:
    """The ``aws_cloudwatch.Metric`` of a ``metric_*`` method: ``options`` checked, the method's own ``dimensions``
    first (``options``' ``dimensions_map`` adds to or replaces them), ``statistic`` unless given, and a period of
    one minute unless given (that ``Duration`` is only made then: each costs a jsii call)."""
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cloudwatch

    check_metric_options(options)
    values: dict[str, Any] = {**options, "dimensions_map": {**dimensions, **options.get("dimensions_map", {})}}
    values.setdefault("statistic", statistic)
    if "period" not in values:
        values["period"] = cdk.Duration.minutes(1)
    return cloudwatch.Metric(namespace=namespace, metric_name=metric_name, **values)
