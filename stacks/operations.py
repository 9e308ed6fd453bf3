"""The environment's operations settings as construct props: data capture and monitoring.

Kept out of :mod:`stacks.serving_stack` and :mod:`stacks.serving_endpoint`, which call these two
functions; each passes on only what the file sets (the constructs' documented defaults for the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from stacks.serving_endpoint import given

if TYPE_CHECKING:
    from aws_cdk import aws_sns as sns
    from constructs import Construct

    from sagemaker_serving import DataCapture, Endpoint, FrontDoor, ServingMonitoring
    from stacks.config import DataCaptureConfig, MonitoringConfig, SubscriptionConfig

#: ``DataCapture`` problems → the ``data_capture`` table's keys (the bucket's settings sit in the same table).
DATA_CAPTURE_KEYS = {"data_capture.destination.": "data_capture."}
_BUCKET_KEYS = ("retention_days", "transition_after_days", "destroy_on_delete")


def data_capture(config: DataCaptureConfig | None) -> DataCapture | None:
    """The ``DataCapture`` of the ``data_capture`` table (a new ``CaptureBucket``), or ``None`` without one."""
    if config is None:
        return None
    from sagemaker_serving import CaptureBucket, DataCapture

    settings = given(config, leave_out=_BUCKET_KEYS)
    for key in ("json_content_types", "csv_content_types"):
        if key in settings:
            settings[key] = tuple(settings[key])
    bucket = CaptureBucket(**{k: getattr(config, k) for k in _BUCKET_KEYS if getattr(config, k) is not None})
    return DataCapture(destination=bucket, **settings)


def monitoring(
    scope: Construct,
    config: MonitoringConfig,
    *,
    endpoint: Endpoint,
    front_door: FrontDoor | None,
    autoscaling: Sequence[object],
) -> ServingMonitoring | None:
    """``ServingMonitoring`` of the endpoint and front door as the ``monitoring`` table says (on by default).

    The dashboard draws the instance limits of the variants' ``VariantAutoscaling``; other kinds of
    autoscaling (backlog, provisioned concurrency) are not drawn there.
    """
    if not config.enabled:
        return None
    from sagemaker_serving import ServingMonitoring, VariantAutoscaling

    return ServingMonitoring(
        scope,
        "Monitoring",
        endpoint=endpoint,
        front_door=front_door,
        autoscaling=[a for a in autoscaling if isinstance(a, VariantAutoscaling)],
        thresholds=config.thresholds,
        subscriptions=[*_emails(config.notification_emails), *(_subscription(scope, s) for s in config.subscriptions)],
        dashboard=config.dashboard,
    )


def _emails(addresses: tuple[str, ...]) -> list[sns.ITopicSubscription]:
    if not addresses:
        return []
    from aws_cdk import aws_sns_subscriptions as subscriptions

    return [subscriptions.EmailSubscription(a) for a in addresses]


def _subscription(scope: Construct, config: SubscriptionConfig) -> sns.ITopicSubscription:
    """The ``aws_sns_subscriptions`` object of one ``subscriptions`` entry (the config checked its form)."""
    from aws_cdk import aws_sns_subscriptions as subscriptions

    protocol, endpoint = config.protocol, config.endpoint
    if protocol in ("email", "email-json"):
        return subscriptions.EmailSubscription(endpoint, json=protocol == "email-json")
    if protocol in ("https", "http"):
        from aws_cdk import aws_sns as sns

        kind = sns.SubscriptionProtocol.HTTPS if protocol == "https" else sns.SubscriptionProtocol.HTTP
        return subscriptions.UrlSubscription(endpoint, protocol=kind)
    if protocol == "sms":
        return subscriptions.SmsSubscription(endpoint)
    name = endpoint.rsplit(":", 1)[-1]
    if protocol == "sqs":
        from aws_cdk import aws_sqs as sqs

        return subscriptions.SqsSubscription(sqs.Queue.from_queue_arn(scope, f"AlarmQueue{name}", endpoint))
    from aws_cdk import aws_lambda as lambda_

    function = lambda_.Function.from_function_arn(scope, f"AlarmFunction{name}", endpoint)
    return subscriptions.LambdaSubscription(function)
