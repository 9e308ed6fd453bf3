"""Alarms, notifications and a dashboard for one endpoint and its front door (one per environment)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.monitoring.alarms import (
    FRONT_DOOR,
    ROLLBACK_KEYS,
    AlarmSpec,
    NamedAlarm,
    front_door_alarm_specs,
    variant_alarm_specs,
)
from sagemaker_serving.monitoring.dashboard import build_dashboard
from sagemaker_serving.monitoring.thresholds import AlarmThresholds

if TYPE_CHECKING:
    from sagemaker_serving.autoscaling import VariantAutoscaling
    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.front_door.front_door import FrontDoor

#: CloudWatch alarm names: 1-255 characters; this prefix leaves room for ``-<variant>-<alarm>``.
_NAME_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class ServingMonitoring(Construct):
    """Alarms on every production variant and the front door, one SNS topic for them, one dashboard.

    **Alarms** (:mod:`sagemaker_serving.monitoring.alarms`; thresholds: :class:`AlarmThresholds`): per
    variant ``Invocation5XXErrors``, ``Invocation4XXErrorRate``, ``ModelLatencyP99``, ``OverheadLatencyP99``;
    instance variants also ``CPUUtilization``, ``MemoryUtilization``, ``DiskUtilization``; serverless variants
    ``ModelSetupTime`` (cold starts), ``ConcurrencyUtilization``, ``MemoryUtilization``. Front door:
    ``5XXErrorRate``, ``LatencyP99`` and, with a Lambda integration, ``FunctionErrors``,
    ``FunctionThrottles``, ``FunctionDuration`` (against the function's timeout). Every alarm sends its
    ALARM and OK transitions to the topic; missing data (no traffic) is not breaching.

    **Names, and rollback.** Each alarm is named ``<alarm_name_prefix>-<variant or front-door>-<alarm>``
    (e.g. ``ModelServing-prod-champion-Invocation5XXErrors``), fixed at synth time and independent of the
    endpoint resource, and is a :class:`NamedAlarm` whose ``alarm_name`` is that plain string. The
    endpoint's ``DeploymentConfig`` can therefore list :attr:`rollback_alarms` (``AutoRollbackConfiguration``
    reads ``alarm_name``) without a CloudFormation cycle: the alarms depend on the endpoint through their
    metrics' ``EndpointName`` dimension, the endpoint only names them. On a first deployment the endpoint is
    created before its alarms; SageMaker reads the alarms only during later updates.

    **Notifications.** One SNS topic (``topic``), encrypted with a KMS key with rotation (``topic_key``) whose
    policy lets CloudWatch use it, TLS-only publishing; ``subscriptions`` are any
    ``aws_sns.ITopicSubscription`` (``aws_sns_subscriptions.EmailSubscription``, ``UrlSubscription``,
    ``SmsSubscription``, ``SqsSubscription``, ``LambdaSubscription`` ...). Or pass your own ``topic``.

    **Dashboard** (:mod:`sagemaker_serving.monitoring.dashboard`): alarm states, traffic and errors per
    variant, latencies, instance counts against the autoscaling limits, front-door health.

    :param endpoint: the endpoint whose variants are watched.
    :param front_door: its front door. Default: none watched.
    :param autoscaling: the variants' autoscaling, for the limits drawn on the dashboard. Default: none.
    :param thresholds: when each alarm fires. Default ``AlarmThresholds()`` (each default justified there).
    :param alarm_name_prefix: the first part of every alarm name, unique per account and region. Default:
        the stack's name (``ModelServing-prod``).
    :param topic: an existing topic for the alarms. Default: a new encrypted topic.
    :param subscriptions: subscriptions added to the topic. Default: none.
    :param dashboard: create the dashboard. Default ``True``.
    :param dashboard_name: its name. Default: ``alarm_name_prefix``.

    Attributes: ``alarms`` (by key: ``"champion/Invocation5XXErrors"``, ``"front-door/LatencyP99"`` ...),
    ``rollback_alarms`` (every variant's ``Invocation5XXErrors`` and ``ModelLatencyP99``),
    :meth:`rollback_alarms_of`, ``topic``, ``topic_key`` (``None`` with your topic), ``dashboard`` (``None``
    when off), ``thresholds``, ``alarm_name_prefix``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        front_door: FrontDoor | None = None,
        autoscaling: Sequence[VariantAutoscaling] = (),
        thresholds: AlarmThresholds | None = None,
        alarm_name_prefix: str | None = None,
        topic: sns.ITopic | None = None,
        subscriptions: Sequence[sns.ITopicSubscription] = (),
        dashboard: bool = True,
        dashboard_name: str | None = None,
    ) -> None:
        """Create the alarms, the topic and the dashboard (see the class docstring)."""
        self.thresholds = thresholds if thresholds is not None else AlarmThresholds()
        self.alarm_name_prefix = alarm_name_prefix or cdk.Stack.of(scope).stack_name
        raise_if_problems(
            "Invalid monitoring props",
            _problems(self.thresholds, self.alarm_name_prefix, endpoint, dashboard_name),
        )
        super().__init__(scope, construct_id)
        self.endpoint = endpoint
        self.front_door = front_door
        self.topic_key: kms.Key | None = None
        self.topic: sns.ITopic = topic if topic is not None else self._topic()
        for subscription in subscriptions:
            self.topic.add_subscription(subscription)
        action = cloudwatch_actions.SnsAction(self.topic)
        specs: list[AlarmSpec] = []
        for variant in endpoint.endpoint_config.variants:
            specs += variant_alarm_specs(endpoint, variant, self.thresholds)
        if front_door is not None:
            specs += front_door_alarm_specs(front_door, self.thresholds)
        self.alarms: Mapping[str, NamedAlarm] = {s.key: self._alarm(s, action) for s in specs}
        self.rollback_alarms: tuple[NamedAlarm, ...] = tuple(
            self.alarms[f"{v.name}/{key}"] for v in endpoint.endpoint_config.variants for key in ROLLBACK_KEYS
        )
        self.dashboard: cloudwatch.Dashboard | None = None
        if dashboard:
            self.dashboard = build_dashboard(
                self,
                dashboard_name=dashboard_name or self.alarm_name_prefix,
                endpoint=endpoint,
                front_door=front_door,
                autoscaling={a.variant_name: a for a in autoscaling},
                alarms=list(self.alarms.values()),
            )

    def rollback_alarms_of(self, variant_name: str) -> tuple[NamedAlarm, ...]:
        """The rollback alarms of one variant (``Invocation5XXErrors``, ``ModelLatencyP99``)."""
        missing = [k for k in ROLLBACK_KEYS if f"{variant_name}/{k}" not in self.alarms]
        if missing:
            raise KeyError(f"no variant {variant_name!r}; variants are {list(self.endpoint.variant_names)}")
        return tuple(self.alarms[f"{variant_name}/{k}"] for k in ROLLBACK_KEYS)

    def _topic(self) -> sns.Topic:
        """A topic encrypted with a key of its own that CloudWatch alarms may use to publish."""
        self.topic_key = kms.Key(
            self,
            "TopicKey",
            description=f"Encrypts the alarm notifications of {self.node.path}",
            enable_key_rotation=True,
        )
        # CloudWatch publishes alarm notifications to an encrypted topic with this key
        # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, encrypted topics).
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # In a key policy, "*" is this key.
            )
        )
        return sns.Topic(
            self,
            "Topic",
            display_name=f"{self.alarm_name_prefix} alarms"[:100],
            master_key=self.topic_key,
            enforce_ssl=True,
        )

    def _alarm(self, spec: AlarmSpec, action: cloudwatch_actions.SnsAction) -> NamedAlarm:
        alarm = NamedAlarm(
            self,
            f"{spec.target}-{spec.name}",
            alarm_name=f"{self.alarm_name_prefix}-{spec.target}-{spec.name}",
            alarm_description=spec.description,
            metric=spec.metric,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            comparison_operator=spec.comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm


def _problems(
    thresholds: AlarmThresholds,
    prefix: str,
    endpoint: Endpoint,
    dashboard_name: str | None,
) -> list[str]:
    problems = (
        thresholds.problems("thresholds")
        if isinstance(thresholds, AlarmThresholds)
        else [f"thresholds: {thresholds!r} is not allowed; expected AlarmThresholds"]
    )
    if not cdk.Token.is_unresolved(prefix) and not _NAME_PREFIX.match(prefix):
        problems.append(
            f"alarm_name_prefix: {prefix!r} is not allowed; expected 1-128 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    if dashboard_name is not None and not _DASHBOARD_NAME.match(dashboard_name):
        problems.append(
            f"dashboard_name: {dashboard_name!r} is not allowed; expected 1-255 letters, digits, '-' or '_'"
        )
    if FRONT_DOOR in endpoint.variant_names:
        problems.append(f"endpoint: a variant named {FRONT_DOOR!r} would share the front door's alarm names; rename it")
    return problems
