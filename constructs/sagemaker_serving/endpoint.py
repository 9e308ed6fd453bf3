"""A SageMaker endpoint: grants, rollback alarms, autoscaling and imports for existing endpoints.

Its CloudWatch metrics are in :mod:`sagemaker_serving.endpoint_metrics` (a mixin of :class:`EndpointBase`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.endpoint_config import EndpointConfig
from sagemaker_serving.endpoint_metrics import BacklogMetricName as BacklogMetricName  # re-exported, was here
from sagemaker_serving.endpoint_metrics import EndpointMetrics
from sagemaker_serving.errors import raise_if_problems

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from sagemaker_serving.autoscaling import AutoscalingOptions, VariantAutoscaling
    from sagemaker_serving.backlog_autoscaling import BacklogAutoscaling, BacklogAutoscalingOptions
    from sagemaker_serving.inference_components.component import InferenceComponent
    from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig
    from sagemaker_serving.provisioned_concurrency import (
        ProvisionedConcurrencyAutoscaling,
        ProvisionedConcurrencyOptions,
    )
    from sagemaker_serving.rollout import DeploymentGuardrails

_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class EndpointBase(cdk.Resource, EndpointMetrics):
    """What every endpoint offers, created here or imported: grants and CloudWatch metrics.

    Every metric method takes the keyword options of :class:`MetricOptions` (those of
    ``aws_cloudwatch.MetricOptions``) and is one metric of one production variant. Invocation metrics are
    in the ``AWS/SageMaker`` namespace, utilisation metrics in ``/aws/sagemaker/Endpoints``
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html; serverless variants
    publish the subset listed at https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-monitoring.html).
    The metric methods are :class:`~sagemaker_serving.endpoint_metrics.EndpointMetrics`' (after
    ``cdk.Resource`` in the bases, so jsii never scans them for overrides).
    """

    endpoint_name: str
    endpoint_arn: str

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:InvokeEndpoint`` on this endpoint only."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn]
        )

    def grant_invoke_async(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:InvokeEndpointAsync`` on this endpoint only (an asynchronous endpoint;
        the caller also needs to store the request body: ``AsyncInference.grant_put_input``)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpointAsync"], resource_arns=[self.endpoint_arn]
        )

    def grant_describe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:DescribeEndpoint`` on this endpoint only (health checks)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:DescribeEndpoint"], resource_arns=[self.endpoint_arn]
        )


def _autoscaling_id(variant_name: str) -> str:
    """``champion-v2`` → ``AutoscalingChampionV2``: one autoscaling per variant, of either kind."""
    return "Autoscaling" + "".join(p.capitalize() for p in re.split(r"[^a-zA-Z0-9]", variant_name))


class _ImportedEndpoint(EndpointBase):
    def __init__(self, scope: Construct, construct_id: str, *, endpoint_name: str, endpoint_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.endpoint_name = endpoint_name
        self.endpoint_arn = endpoint_arn


class Endpoint(EndpointBase):
    """An ``AWS::SageMaker::Endpoint`` serving an :class:`EndpointConfig`.

    By default it has no fixed physical name: when the model or a variant changes, CloudFormation
    creates a new endpoint config and updates this endpoint in place (same logical ID, same
    endpoint, no downtime). Asking for a fixed ``endpoint_name`` keeps that behaviour; only the
    endpoint config and model must stay unnamed. With a fixed name, ``endpoint_name`` is that name
    (not a reference to the resource), so alarms on the endpoint's metrics do not depend on it.

    ``deployment`` (:class:`~sagemaker_serving.rollout.DeploymentGuardrails`) sets how updates roll out
    (blue/green all at once, canary or linear, or rolling) and which alarms roll them back.

    Served from a :class:`~sagemaker_serving.ComponentEndpointConfig`, the endpoint hosts
    :class:`~sagemaker_serving.InferenceComponent` objects (``inference_components``); its grants then
    cover every component, including those added after the grant.

    :param endpoint_config: the production variants to serve, or the instance pool of inference
        components.
    :param endpoint_name: a fixed physical name. Default: generated by CloudFormation.
    :param deployment: deployment guardrails of updates (not with a ``ComponentEndpointConfig``, whose
        components roll out with their own ``rolling_update``). Default: none (SageMaker's blue/green, all
        at once, no baking period, no rollback alarms).

    Attributes: ``cfn_endpoint``, ``endpoint_config``, ``endpoint_name``, ``endpoint_arn``, ``deployment``
    (or ``None``), ``rollback_alarms``, ``rollback_alarm_names``, ``inference_components``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_config: EndpointConfig | ComponentEndpointConfig,
        endpoint_name: str | None = None,
        deployment: DeploymentGuardrails | None = None,
    ) -> None:
        """Create the endpoint."""
        super().__init__(scope, construct_id)
        named = endpoint_name is not None and not cdk.Token.is_unresolved(endpoint_name)
        problems = []
        if named and not _ENDPOINT_NAME.match(endpoint_name or ""):
            problems.append(f"endpoint_name: {endpoint_name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
        if deployment is not None and not isinstance(endpoint_config, EndpointConfig):
            # Guardrails move production variants to a new endpoint config; a pool's models are components,
            # each with its own deployment config (InferenceComponentDeploymentConfig).
            problems.append(
                "deployment: not allowed with a ComponentEndpointConfig; deployment guardrails update production "
                "variants: give each InferenceComponent a rolling_update (ComponentRollingUpdate) instead"
            )
        elif deployment is not None:
            from sagemaker_serving.rollout.guardrails import alarm_problems, fleets_of

            problems += deployment.problems(fleets_of(endpoint_config))
            problems += alarm_problems(deployment.rollback_alarms, deployment.rollback_alarm_names, ())
        raise_if_problems("Invalid endpoint props", problems)
        self.endpoint_config = endpoint_config
        self.deployment = deployment
        self._autoscaled_variants: set[str] = set()
        self._rollback_alarms: list[cloudwatch.IAlarm] = []
        self._inference_components: list[InferenceComponent] = []
        # Grantees of grant_invoke / grant_describe: a component added later is granted to them too.
        self._component_grantees: dict[str, list[iam.IGrantable]] = {"invoke": [], "describe": []}
        self.cfn_endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_config_name=endpoint_config.endpoint_config_name,
            endpoint_name=endpoint_name,
        )
        self.endpoint_name = endpoint_name if named and endpoint_name else self.cfn_endpoint.attr_endpoint_name
        self.endpoint_arn = self.cfn_endpoint.ref  # Ref of AWS::SageMaker::Endpoint is its ARN.
        if deployment is not None:
            self._guard(deployment)

    def _guard(self, deployment: DeploymentGuardrails) -> None:
        from sagemaker_serving.rollout.guardrails import GuardrailsValidation, fleets_of, inf1_variants

        self.cfn_endpoint.deployment_config = deployment.bind(deployment.rollback_alarm_names)
        self.node.add_validation(GuardrailsValidation(self))
        self._grant_describe_alarms(deployment.rollback_alarm_names)
        self.add_rollback_alarms(*deployment.rollback_alarms)
        inf1 = inf1_variants(fleets_of(self.endpoint_config))
        if inf1:
            cdk.Annotations.of(self).add_warning_v2(
                "@sagemaker-serving/endpoint:guardrailsIgnoredOnInf1",
                f"variants {inf1} run on Inf1 instances, for which SageMaker ignores deployment guardrails: "
                "updates shift all traffic at once with no baking period and no alarm rollback",
            )

    @property
    def rollback_alarms(self) -> tuple[cloudwatch.IAlarm, ...]:
        """The alarms given as objects that roll an update back (``deployment`` and :meth:`add_rollback_alarms`)."""
        return tuple(self._rollback_alarms)

    @property
    def rollback_alarm_names(self) -> tuple[str, ...]:
        """Every alarm name the endpoint's ``AutoRollbackConfiguration`` lists, in order."""
        from sagemaker_serving.rollout.guardrails import fixed_alarm_name

        names = [fixed_alarm_name(a) or "" for a in self._rollback_alarms]
        return (*names, *(self.deployment.rollback_alarm_names if self.deployment else ()))

    def add_rollback_alarms(self, *alarms: cloudwatch.IAlarm) -> None:
        """Roll updates back when one of ``alarms`` goes to ``ALARM`` (alarms built from this endpoint's metrics).

        Each alarm needs a fixed name (``alarm_name=``): the endpoint lists it by name. With a fixed
        ``endpoint_name`` the endpoint also depends on the alarms of its stack, so they exist (with their
        current thresholds) before SageMaker creates or updates the endpoint; without one, an alarm on
        the endpoint's metrics is created after it (a synth warning says so). The models' execution
        roles may ``cloudwatch:DescribeAlarms`` on exactly these alarms.
        """
        from sagemaker_serving.rollout.guardrails import alarm_problems, fixed_alarm_name

        deployment = self.deployment
        if deployment is None:
            raise_if_problems(
                "Invalid rollback alarms",
                ["deployment: None is not allowed with rollback alarms; give the endpoint deployment guardrails"],
            )
            return
        new = [a for a in alarms if a not in self._rollback_alarms]
        raise_if_problems("Invalid rollback alarms", alarm_problems(new, (), self.rollback_alarm_names))
        self._rollback_alarms += new
        self.cfn_endpoint.deployment_config = deployment.bind(self.rollback_alarm_names)
        self._grant_describe_alarms([fixed_alarm_name(a) or "" for a in new])
        # Alarms this stack creates (not imports): the endpoint depends on them if that makes no cycle.
        created = [a for a in new if cdk.Stack.of(a) is cdk.Stack.of(self) and a.node.default_child is not None]
        if not cdk.Token.is_unresolved(self.endpoint_name):
            for alarm in created:
                self.cfn_endpoint.node.add_dependency(alarm)
        elif created:
            cdk.Annotations.of(self).add_warning_v2(
                "@sagemaker-serving/endpoint:rollbackAlarmsAfterEndpoint",
                "the endpoint has no fixed endpoint_name, so rollback alarms on its metrics are created after it "
                "and an update that also changes them runs with the old ones: give it a fixed endpoint_name",
            )

    def _grant_describe_alarms(self, names: Sequence[str]) -> None:
        """Let every model of the endpoint read these alarms (``cloudwatch:DescribeAlarms``, resource-level)."""
        if not names:
            return
        stack = cdk.Stack.of(self)
        arns = [
            stack.format_arn(
                service="cloudwatch", resource="alarm", resource_name=n, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
            )
            for n in names
        ]
        models = list(dict.fromkeys(v.model for v in self.endpoint_config.variants))
        for model in models:
            model.add_to_role_policy(iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=arns))

    @property
    def variant_names(self) -> tuple[str, ...]:
        """Names of the production variants this endpoint serves."""
        return tuple(v.name for v in self.endpoint_config.variants)

    @property
    def inference_components(self) -> tuple[InferenceComponent, ...]:
        """The inference components hosted on this endpoint, in the order they were added."""
        return tuple(self._inference_components)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:InvokeEndpoint`` on this endpoint and its inference components only.

        ``InvokeEndpoint`` with an ``InferenceComponentName`` is authorised on the endpoint and on the
        ``inference-component`` resource (Service Authorization Reference, Amazon SageMaker AI:
        https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html);
        components added after this grant are granted to ``grantee`` when they are added.
        """
        self._component_grantees["invoke"].append(grantee)
        arns = [c.inference_component_arn for c in self._inference_components]
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn, *arns]
        )

    def grant_describe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:DescribeEndpoint`` on this endpoint and
        ``sagemaker:DescribeInferenceComponent`` on its components (health checks), nothing else."""
        self._component_grantees["describe"].append(grantee)
        grant = super().grant_describe(grantee)
        for component in self._inference_components:
            component.grant_describe(grantee)
        return grant

    def _add_inference_component(self, component: InferenceComponent) -> None:
        """Register ``component`` (called by :class:`InferenceComponent`) and extend the earlier grants."""
        self._inference_components.append(component)
        for grantee in self._component_grantees["invoke"]:
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[component.inference_component_arn]
            )
        for grantee in self._component_grantees["describe"]:
            component.grant_describe(grantee)

    def autoscale(self, variant_name: str, **options: Unpack[AutoscalingOptions]) -> VariantAutoscaling:
        """Turn on autoscaling for one instance variant (a :class:`VariantAutoscaling`).

        Takes the keyword options of :class:`~sagemaker_serving.autoscaling.AutoscalingOptions`, the
        construct's own: ``min_capacity`` and ``max_capacity`` (required), then optional
        ``target_invocations_per_instance``, ``target_cpu_utilization``, ``scale_in_cooldown``,
        ``scale_out_cooldown`` and ``schedules``.
        """
        from sagemaker_serving.autoscaling import VariantAutoscaling

        return VariantAutoscaling(
            self, _autoscaling_id(variant_name), endpoint=self, variant_name=variant_name, **options
        )

    def autoscale_on_backlog(
        self, variant_name: str, **options: Unpack[BacklogAutoscalingOptions]
    ) -> BacklogAutoscaling:
        """Turn on autoscaling of an asynchronous endpoint's instance variant, down to zero instances (a
        :class:`~sagemaker_serving.BacklogAutoscaling`): ``max_capacity`` (required), then optional
        ``min_capacity`` (default 0), ``target_backlog_per_instance``, ``scale_in_cooldown``,
        ``scale_out_cooldown`` and ``schedules``."""
        from sagemaker_serving.backlog_autoscaling import BacklogAutoscaling

        return BacklogAutoscaling(
            self, _autoscaling_id(variant_name), endpoint=self, variant_name=variant_name, **options
        )

    def autoscale_provisioned_concurrency(
        self, variant_name: str, **options: Unpack[ProvisionedConcurrencyOptions]
    ) -> ProvisionedConcurrencyAutoscaling:
        """Turn on autoscaling of one serverless variant's provisioned concurrency.

        Takes the keyword options of
        :class:`~sagemaker_serving.provisioned_concurrency.ProvisionedConcurrencyOptions`: ``min_capacity``
        and ``max_capacity`` (required), then ``target_utilization``, ``scale_in_cooldown``,
        ``scale_out_cooldown`` and ``schedules``.
        """
        from sagemaker_serving.provisioned_concurrency import ProvisionedConcurrencyAutoscaling

        construct_id = "ProvisionedConcurrency" + "".join(
            p.capitalize() for p in re.split(r"[^a-zA-Z0-9]", variant_name)
        )
        return ProvisionedConcurrencyAutoscaling(
            self, construct_id, endpoint=self, variant_name=variant_name, **options
        )

    @staticmethod
    def from_endpoint_attributes(
        scope: Construct, construct_id: str, *, endpoint_name: str, endpoint_arn: str
    ) -> EndpointBase:
        """Import an existing endpoint by name and ARN."""
        return _ImportedEndpoint(scope, construct_id, endpoint_name=endpoint_name, endpoint_arn=endpoint_arn)

    @staticmethod
    def from_endpoint_name(scope: Construct, construct_id: str, endpoint_name: str) -> EndpointBase:
        """Import an existing endpoint of this stack's account and region by name."""
        resource_name = endpoint_name if cdk.Token.is_unresolved(endpoint_name) else endpoint_name.lower()
        arn = cdk.Stack.of(scope).format_arn(service="sagemaker", resource="endpoint", resource_name=resource_name)
        return Endpoint.from_endpoint_attributes(scope, construct_id, endpoint_name=endpoint_name, endpoint_arn=arn)

    @staticmethod
    def from_endpoint_arn(scope: Construct, construct_id: str, endpoint_arn: str) -> EndpointBase:
        """Import an existing endpoint by ARN (``arn:...:sagemaker:region:account:endpoint/name``)."""
        name = cdk.Arn.split(endpoint_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name
        return Endpoint.from_endpoint_attributes(
            scope, construct_id, endpoint_name=name or endpoint_arn, endpoint_arn=endpoint_arn
        )
