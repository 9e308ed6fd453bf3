"""Operations of an environment: the ``monitoring`` and ``data_capture`` tables, and the rules of the file
about them and the ``deployment`` table (``DeploymentConfig``, in ``stacks/deployment_config.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from stacks.deployment_config import deployment_problems

if TYPE_CHECKING:
    from sagemaker_serving import AlarmThresholds
    from stacks.config.environment import EnvironmentConfig
else:
    from stacks.config.values import AlarmThresholds


@dataclass(frozen=True, kw_only=True)
class SubscriptionConfig:
    """One subscription to the environment's alarm topic (``aws_sns_subscriptions``)."""

    #: ``email``, ``email-json``, ``https``, ``http``, ``sms``, ``sqs`` (a queue ARN) or ``lambda`` (a function ARN).
    protocol: Literal["email", "email-json", "https", "http", "sms", "sqs", "lambda"]
    #: The address, URL, phone number (E.164) or ARN.
    endpoint: str


@dataclass(frozen=True, kw_only=True)
class MonitoringConfig:
    """Alarms, their SNS topic and a dashboard (``sagemaker_serving.ServingMonitoring``). On by default."""

    #: Create the monitoring. Default on: about $2-3 a month of alarms for prod (docs/monitoring.md).
    enabled: bool = True
    #: Email addresses subscribed to the alarm topic (each confirms by email).
    notification_emails: tuple[str, ...] = ()
    #: Other subscriptions: ``{ protocol = "https", endpoint = "https://..." }``.
    subscriptions: tuple[SubscriptionConfig, ...] = ()
    #: Alarm thresholds: a ``sagemaker_serving.AlarmThresholds`` (its defaults for the keys left out).
    thresholds: AlarmThresholds | None = None
    #: Create the CloudWatch dashboard (3 dashboards per account are free, then $3 a month each).
    dashboard: bool = True


@dataclass(frozen=True, kw_only=True)
class DataCaptureConfig:
    """Capture of requests and answers for retraining (``sagemaker_serving.DataCapture`` into a new
    ``CaptureBucket``). Instance variants only. A key left out takes the construct's default."""

    sampling_percentage: int | None = None
    capture_request: bool | None = None
    capture_response: bool | None = None
    json_content_types: tuple[str, ...] | None = None
    csv_content_types: tuple[str, ...] | None = None
    #: Key prefix in the bucket. Default ``data-capture/<stack>/EndpointConfig``.
    prefix: str | None = None
    #: Days captured objects are kept. Default: the construct's (365).
    retention_days: int | None = None
    #: Days before objects move to Standard-IA (at least 30). Default: the construct's (30).
    transition_after_days: int | None = None
    #: Empty and delete the capture buckets with the stack: for development environments only.
    destroy_on_delete: bool | None = None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUBSCRIPTION_ENDPOINTS = {
    "email": (_EMAIL, "an email address"),
    "email-json": (_EMAIL, "an email address"),
    "https": (re.compile(r"^https://\S+$"), "an https:// URL"),
    "http": (re.compile(r"^http://\S+$"), "an http:// URL"),
    "sms": (re.compile(r"^\+[1-9]\d{1,14}$"), "a phone number in E.164 form (+14155550100)"),
    "sqs": (re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$"), "an SQS queue ARN"),
    "lambda": (
        re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"),
        "a Lambda function ARN",
    ),
}


def _monitoring_problems(monitoring: MonitoringConfig) -> list[str]:
    """Each subscription endpoint has its protocol's form (SNS would only refuse it at deploy time)."""
    problems = [
        f"monitoring.notification_emails[{i}]: {email!r} is not allowed; expected an email address"
        for i, email in enumerate(monitoring.notification_emails)
        if not _EMAIL.match(email)
    ]
    for i, sub in enumerate(monitoring.subscriptions):
        pattern, expected = _SUBSCRIPTION_ENDPOINTS[sub.protocol]
        if not pattern.match(sub.endpoint):
            problems.append(
                f"monitoring.subscriptions[{i}].endpoint: {sub.endpoint!r} is not allowed with protocol "
                f"{sub.protocol!r}; expected {expected}"
            )
    return problems


def _deployment_problems(env: EnvironmentConfig) -> list[str]:
    """The ``deployment`` table's own rules, and its rollback alarms, which are the monitoring's."""
    problems = list(deployment_problems(env.deployment))
    if env.deployment is not None and env.deployment.rollback_alarms and not env.monitoring.enabled:
        problems.append(
            "deployment.rollback_alarms: true is not allowed with monitoring.enabled = false; the rollback alarms "
            "are the monitoring's per-variant Invocation5XXErrors and ModelLatencyP99 alarms: turn monitoring on, "
            "or set rollback_alarms = false (rollback_alarm_names may still name alarms that exist)"
        )
    return problems
