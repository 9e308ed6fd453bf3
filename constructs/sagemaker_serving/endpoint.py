"""A SageMaker endpoint: grants, metrics and imports for existing endpoints."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Unpack

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.endpoint_config import EndpointConfig
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.metrics import MetricOptions, check_metric_options

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from sagemaker_serving.autoscaling import AutoscalingOptions, VariantAutoscaling
    from sagemaker_serving.inference_components.component import InferenceComponent
    from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig

_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class EndpointBase(cdk.Resource):
    """What every endpoint offers, created here or imported: grants and CloudWatch metrics.

    Every metric method takes the keyword options of :class:`MetricOptions` (those of
    ``aws_cloudwatch.MetricOptions``) and is one metric of one production variant.
    """

    endpoint_name: str
    endpoint_arn: str

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:InvokeEndpoint`` on this endpoint only."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn]
        )

    def grant_describe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:DescribeEndpoint`` on this endpoint only (health checks)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:DescribeEndpoint"], resource_arns=[self.endpoint_arn]
        )

    def metric(
        self,
        metric_name: str,
        *,
        variant_name: str,
        namespace: str = "AWS/SageMaker",
        **options: Unpack[MetricOptions],
    ) -> cloudwatch.Metric:
        """A CloudWatch metric of one production variant of this endpoint (``Sum`` per minute by default)."""
        from aws_cdk import aws_cloudwatch as cloudwatch

        check_metric_options(options)
        dimensions = {"EndpointName": self.endpoint_name, "VariantName": variant_name}
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={**dimensions, **options.get("dimensions_map", {})},
            statistic=options.get("statistic", "Sum"),
            period=options.get("period", cdk.Duration.minutes(1)),
            account=options.get("account"),
            color=options.get("color"),
            id=options.get("id"),
            label=options.get("label"),
            region=options.get("region"),
            stack_account=options.get("stack_account"),
            stack_region=options.get("stack_region"),
            unit=options.get("unit"),
            visible=options.get("visible"),
        )

    def metric_invocations(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests sent to the variant (Sum)."""
        return self.metric("Invocations", variant_name=variant_name, **options)

    def metric_invocations_per_instance(
        self, *, variant_name: str, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Requests per instance (Sum): the usual autoscaling signal."""
        return self.metric("InvocationsPerInstance", variant_name=variant_name, **options)

    def metric_client_errors(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests the model answered with a 4xx (Sum)."""
        return self.metric("Invocation4XXErrors", variant_name=variant_name, **options)

    def metric_server_errors(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests the model answered with a 5xx (Sum)."""
        return self.metric("Invocation5XXErrors", variant_name=variant_name, **options)

    def metric_model_latency(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time the model took to answer, in microseconds (p99 by default)."""
        options.setdefault("statistic", "p99")
        return self.metric("ModelLatency", variant_name=variant_name, **options)

    def metric_overhead_latency(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time SageMaker added around the model, in microseconds (p99 by default)."""
        options.setdefault("statistic", "p99")
        return self.metric("OverheadLatency", variant_name=variant_name, **options)

    def metric_cpu_utilization(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Average CPU utilisation of the variant's instances (percent, summed over cores; Average)."""
        options.setdefault("statistic", "Average")
        return self.metric("CPUUtilization", variant_name=variant_name, namespace="/aws/sagemaker/Endpoints", **options)


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
    endpoint config and model must stay unnamed.

    Served from a :class:`~sagemaker_serving.ComponentEndpointConfig`, the endpoint hosts
    :class:`~sagemaker_serving.InferenceComponent` objects (``inference_components``); its grants then
    cover every component, including those added after the grant.

    Attributes: ``cfn_endpoint``, ``endpoint_config``, ``endpoint_name``, ``endpoint_arn``,
    ``inference_components``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_config: EndpointConfig | ComponentEndpointConfig,
        endpoint_name: str | None = None,
    ) -> None:
        """Create the endpoint.

        :param endpoint_config: the production variants to serve, or the instance pool of inference
            components.
        :param endpoint_name: a fixed physical name. Default: generated by CloudFormation.
        """
        super().__init__(scope, construct_id)
        named = endpoint_name is not None and not cdk.Token.is_unresolved(endpoint_name)
        if named and not _ENDPOINT_NAME.match(endpoint_name or ""):
            raise_if_problems(
                "Invalid endpoint props",
                [f"endpoint_name: {endpoint_name!r} is not allowed; expected 1-63 alphanumerics or hyphens"],
            )
        self.endpoint_config = endpoint_config
        self._autoscaled_variants: set[str] = set()
        self._inference_components: list[InferenceComponent] = []
        # Grantees of grant_invoke / grant_describe: a component added later is granted to them too.
        self._component_grantees: dict[str, list[iam.IGrantable]] = {"invoke": [], "describe": []}
        self.cfn_endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_config_name=endpoint_config.endpoint_config_name,
            endpoint_name=endpoint_name,
        )
        self.endpoint_name = self.cfn_endpoint.attr_endpoint_name
        self.endpoint_arn = self.cfn_endpoint.ref  # Ref of AWS::SageMaker::Endpoint is its ARN.

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

        construct_id = "Autoscaling" + "".join(p.capitalize() for p in re.split(r"[^a-zA-Z0-9]", variant_name))
        return VariantAutoscaling(self, construct_id, endpoint=self, variant_name=variant_name, **options)

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
