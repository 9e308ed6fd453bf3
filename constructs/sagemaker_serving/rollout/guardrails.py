"""Deployment guardrails of an endpoint: its update policy and the alarms that roll an update back.

``Endpoint(deployment=DeploymentGuardrails(...))`` renders ``AWS::SageMaker::Endpoint``
``DeploymentConfig`` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-deploymentconfig.html;
guide: https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html). What SageMaker requires
across an update, and what silently falls back to all at once: docs/rollouts.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk
import jsii
from constructs import IValidation

from sagemaker_serving.rollout.fleet import Fleet
from sagemaker_serving.rollout.policies import BlueGreenUpdate, RollingUpdate, UpdatePolicy

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_sagemaker as sagemaker

    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.endpoint_config import EndpointConfig
    from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig

#: ``AutoRollbackConfig`` ``Alarms``: 1 to 10 (CloudFormation
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-autorollbackconfig.html).
MAX_ROLLBACK_ALARMS = 10
#: ``Alarm`` ``AlarmName``: 1-255 characters, pattern ``^(?!\s*$).+`` (not blank).
_ALARM_NAME = re.compile(r"^(?!\s*$).{1,255}$", re.S)


@dataclass(frozen=True, kw_only=True)
class DeploymentGuardrails:
    """How updates of the endpoint roll out, and which CloudWatch alarms roll them back.

    SageMaker watches the rollback alarms during each baking period; if one goes to ``ALARM``, all
    traffic returns to the old fleet (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html).
    The endpoint grants ``cloudwatch:DescribeAlarms`` on exactly these alarms to its models' execution
    roles ("Ensure that your IAM execution role has permission to perform the cloudwatch:DescribeAlarms
    action on the auto-rollback alarms you specify", same page). Alarms built from the endpoint's own
    metrics are added after it exists with :meth:`Endpoint.add_rollback_alarms`.

    Guardrails govern updates only (a new endpoint config): the first creation has nothing to roll
    back to. The new config must keep the variant names; Marketplace containers and Inf1 instances
    fall back to all at once with no baking period (docs/rollouts.md).
    """

    #: :class:`BlueGreenUpdate` (default: all at once, 5 minutes of baking) or :class:`RollingUpdate`.
    update_policy: UpdatePolicy = field(default_factory=BlueGreenUpdate)
    #: Alarms that roll an update back; each needs a fixed name (``alarm_name=``). Default: none.
    rollback_alarms: Sequence[cloudwatch.IAlarm] = ()
    #: Names of further alarms (existing in the account and region). Default: none.
    rollback_alarm_names: Sequence[str] = ()

    def problems(self, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken by the update policy for these variants (``deployment.update_policy...``)."""
        policy, where = self.update_policy, "deployment.update_policy"
        if not isinstance(policy, (BlueGreenUpdate, RollingUpdate)):
            return [
                f"{where}: {policy!r} is not allowed; give exactly one update policy: a BlueGreenUpdate or "
                "a RollingUpdate"
            ]
        return policy.problems(where, fleets)

    def bind(self, alarm_names: Sequence[str]) -> sagemaker.CfnEndpoint.DeploymentConfigProperty:
        """The ``DeploymentConfig`` property, rolling back on ``alarm_names`` (none: no auto-rollback)."""
        from aws_cdk import aws_sagemaker as sagemaker

        rollback = None
        if alarm_names:
            rollback = sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=n) for n in alarm_names]
            )
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            auto_rollback_configuration=rollback, **self.update_policy.bind()
        )


def fixed_alarm_name(alarm: cloudwatch.IAlarm) -> str | None:
    """The alarm's name when it is known at synth time (an explicit ``alarm_name`` or an import), else ``None``.

    ``Alarm.alarm_name`` is a ``Ref`` to the alarm even when the name is fixed; the endpoint names the
    alarm instead, so that it does not depend on an alarm whose metric depends on the endpoint.
    """
    name = alarm.alarm_name
    if not cdk.Token.is_unresolved(name):
        return name
    child = alarm.node.default_child
    given = getattr(child, "alarm_name", None)
    return given if isinstance(given, str) and not cdk.Token.is_unresolved(given) else None


def alarm_problems(alarms: Sequence[cloudwatch.IAlarm], names: Sequence[str], already: Sequence[str]) -> list[str]:
    """Rules of the rollback alarms: fixed, valid, distinct names, at most ten in all (with ``already``)."""
    problems = []
    seen = list(already)
    for i, alarm in enumerate(alarms):
        name = fixed_alarm_name(alarm)
        if name is None:
            problems.append(
                f"rollback_alarms[{i}]: alarm {alarm.node.path!r} has no fixed name; give it one (alarm_name=...) "
                "so the endpoint can name it without depending on it"
            )
            continue
        seen.append(name)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not _ALARM_NAME.match(name):
            problems.append(f"rollback_alarm_names[{i}]: {name!r} is not allowed; expected 1-255 characters, not blank")
            continue
        seen.append(name)
    twice = sorted({n for n in seen if seen.count(n) > 1})
    if twice:
        problems.append(f"rollback alarms: {twice} given more than once; name each alarm once")
    if len(set(seen)) > MAX_ROLLBACK_ALARMS:
        problems.append(
            f"rollback alarms: {len(set(seen))} alarms is not allowed; SageMaker takes 1 to {MAX_ROLLBACK_ALARMS}"
        )
    return problems


def fleets_of(
    config: EndpointConfig | ComponentEndpointConfig, capacity_ranges: dict[str, tuple[int, int]] | None = None
) -> list[Fleet]:
    """Each variant of ``config`` as an update sees it (none for an instance pool, whose variant has no model);
    ``capacity_ranges``: autoscaled variants' (floor, ceiling)."""
    from sagemaker_serving.variants import InstanceVariant

    fleets = []
    for v in config.variants:
        if not isinstance(v, InstanceVariant):
            fleets.append(Fleet(v.name, serverless=True, fewest=0, most=0))
            continue
        count = v.initial_instance_count if isinstance(v.initial_instance_count, int) else 1
        fewest, most = (capacity_ranges or {}).get(v.name, (count, count))
        fleets.append(Fleet(v.name, fewest=fewest, most=most, instance_type=v.instance_type))
    return fleets


def inf1_variants(fleets: Iterable[Fleet]) -> list[str]:
    """Variants on Inf1 instances, for which SageMaker ignores guardrails (all at once, no baking)."""
    return [f.variant_name for f in fleets if (f.instance_type or "").startswith("ml.inf1.")]


def update_policy_problems(endpoint: Endpoint) -> list[str]:
    """The rules ``endpoint``'s update policy breaks now: against autoscaling floors and ceilings (configured
    after the endpoint) and variants added since it was built. Empty without guardrails."""
    from sagemaker_serving.autoscaling import VariantAutoscaling

    if endpoint.deployment is None:
        return []
    ranges = {c.variant_name: c.capacity_range for c in endpoint.node.children if isinstance(c, VariantAutoscaling)}
    return endpoint.deployment.problems(fleets_of(endpoint.endpoint_config, ranges))


@jsii.implements(IValidation)
class GuardrailsValidation:
    """Checks the update policy again at synth (:func:`update_policy_problems`)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    def validate(self) -> list[str]:
        """Every problem, as lines of the synth error."""
        return [f"Invalid deployment guardrails: {p}" for p in update_policy_problems(self._endpoint)]
