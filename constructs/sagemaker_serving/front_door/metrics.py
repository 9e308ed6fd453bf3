"""Typed options of the front door's ``metric_*`` methods."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cloudwatch


class MetricOptions(TypedDict, total=False):
    """The keyword arguments of ``aws_cloudwatch.MetricOptions``, which every ``FrontDoor.metric_*`` takes
    (as aws-cdk's own ``metric*`` methods do): ``period`` (default 5 minutes), ``statistic``, ``label``,
    ``color``, ``unit``, ``dimensions_map`` (replaces the ``ApiName``/``Stage`` dimensions), ``account``,
    ``region``, ``stack_account``, ``stack_region``, ``id``, ``visible``."""

    account: str
    color: str
    dimensions_map: dict[str, str]
    id: str
    label: str
    period: cdk.Duration
    region: str
    stack_account: str
    stack_region: str
    statistic: str
    unit: cloudwatch.Unit
    visible: bool
