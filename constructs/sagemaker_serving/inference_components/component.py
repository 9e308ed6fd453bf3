"""One model on a shared endpoint: an ``AWS::SageMaker::InferenceComponent``.

An inference component (https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html,
CloudFormation: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-inferencecomponent.html)
deploys one model to an endpoint whose variant is an instance pool, with the CPU cores, memory and
accelerators each copy reserves and the number of copies. Callers name it on every request
(``InvokeEndpoint``'s ``InferenceComponentName``); each component scales its own copies
(:class:`~sagemaker_serving.ComponentAutoscaling`), down to zero.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Unpack

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.inference_components.capacity import (
    ComputeRequirements,
    Demand,
    copy_fit_problems,
    pool_capacity_problems,
)
from sagemaker_serving.inference_components.deployment import ComponentRollingUpdate
from sagemaker_serving.inference_components.endpoint_config import ComponentEndpointConfig
from sagemaker_serving.inference_components.source import ComponentModel
from sagemaker_serving.metrics import MetricOptions, build_metric

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from sagemaker_serving.endpoint import Endpoint
    from sagemaker_serving.endpoint_config import EndpointConfig
    from sagemaker_serving.inference_components.autoscaling import ComponentAutoscaling, ComponentAutoscalingOptions
    from sagemaker_serving.model import ModelBase

#: ``InferenceComponentName`` (and the names callers use): 1-63 alphanumerics or hyphens.
COMPONENT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_COPIES = 1000


class InferenceComponent(cdk.Resource):
    """A model hosted on an endpoint's instance pool, with its copies and each copy's resources.

    ``name`` is how callers reach it (the front door's ``POST /models/{name}/invocations``); the
    physical ``InferenceComponentName`` is ``component_name``, or a name made from the construct path
    (unique per stack, stable while the construct ID stays). It is created with ``copy_count`` copies,
    so the deployment fails when the model does not start (scale to zero comes after, from
    :meth:`autoscale`). The first request after the component has scaled to zero fails while a copy
    starts (see :class:`~sagemaker_serving.ComponentAutoscaling`).

    Checked when built, every problem at once: the endpoint hosts components (a
    :class:`ComponentEndpointConfig`), names are valid and unique on the endpoint, the requirements meet
    the API's minimums, one copy fits one instance of the pool's type, and the copies of all the endpoint's
    components fit in the pool's most instances (:mod:`~sagemaker_serving.inference_components.capacity`).

    :param endpoint: an :class:`~sagemaker_serving.Endpoint` served from a :class:`ComponentEndpointConfig`.
    :param name: how callers name the component (1-63 alphanumerics or hyphens, unique on the endpoint).
    :param model: what it runs: a :class:`~sagemaker_serving.Model` (or an import), or a
        :class:`ComponentModel` (``from_model`` / ``from_container``).
    :param compute: what one copy reserves on an instance.
    :param copy_count: copies to create (at least 1). Default 1.
    :param component_name: a fixed ``InferenceComponentName``. Default: made from the construct path.
    :param model_data_download_timeout_seconds: time to download the model (60-3600). Default: SageMaker's.
    :param container_startup_timeout_seconds: time to pass the health check (60-3600). Default: SageMaker's.
    :param rolling_update: how updates roll out (:class:`ComponentRollingUpdate`). Default: SageMaker's.

    Attributes: ``cfn_inference_component``, ``name``, ``inference_component_name``,
    ``inference_component_arn``, ``endpoint``, ``model`` (the :class:`ComponentModel`), ``compute``,
    ``copy_count``, ``rolling_update``, ``autoscaling`` (``None`` until :meth:`autoscale`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: Endpoint,
        name: str,
        model: ModelBase | ComponentModel,
        compute: ComputeRequirements,
        copy_count: int = 1,
        component_name: str | None = None,
        model_data_download_timeout_seconds: int | None = None,
        container_startup_timeout_seconds: int | None = None,
        rolling_update: ComponentRollingUpdate | None = None,
    ) -> None:
        """Create the component on ``endpoint``."""
        source = model if isinstance(model, ComponentModel) else ComponentModel.from_model(model)
        problems = _problems(
            endpoint,
            name,
            source,
            compute,
            copy_count,
            component_name,
            (model_data_download_timeout_seconds, container_startup_timeout_seconds),
            rolling_update,
        )
        raise_if_problems(f"Invalid inference component {name!r}", problems)
        super().__init__(scope, construct_id)
        config = endpoint.endpoint_config
        assert isinstance(config, ComponentEndpointConfig)
        self.endpoint = endpoint
        self.name = name
        self.model = source
        self.compute = compute
        self.copy_count = copy_count
        self.rolling_update = rolling_update
        self.autoscaling: ComponentAutoscaling | None = None
        self.inference_component_name: str = component_name or cdk.Names.unique_resource_name(
            self, max_length=63, separator="-", allowed_special_characters="-"
        )
        self.cfn_inference_component = self._resource(
            config, (model_data_download_timeout_seconds, container_startup_timeout_seconds)
        )
        # Ref of AWS::SageMaker::InferenceComponent is its ARN.
        self.inference_component_arn: str = self.cfn_inference_component.ref
        endpoint._add_inference_component(self)

    def _resource(
        self, config: ComponentEndpointConfig, timeouts: tuple[int | None, int | None]
    ) -> sagemaker.CfnInferenceComponent:
        """Bind the model (its statements join the endpoint's execution role), then create the resource."""
        bound = self.model.bind(self)
        for statement in bound.statements:
            config.add_to_role_policy(statement)
        return sagemaker.CfnInferenceComponent(
            self,
            "Resource",
            endpoint_name=self.endpoint.endpoint_name,
            variant_name=config.pool.name,
            inference_component_name=self.inference_component_name,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=bound.model_name,
                container=bound.container,
                compute_resource_requirements=self.compute.render(),
                startup_parameters=_startup(*timeouts),
            ),
            # CopyCount is written at creation (and on each change of this value): see the class docstring.
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=self.copy_count
            ),
            deployment_config=self.rolling_update.bind() if self.rolling_update is not None else None,
        )

    @property
    def peak_copies(self) -> int:
        """The most copies this component may run: its autoscaling's ``max_copies``, else ``copy_count``."""
        return max(self.copy_count, self.autoscaling.max_copies) if self.autoscaling is not None else self.copy_count

    def autoscale(self, **options: Unpack[ComponentAutoscalingOptions]) -> ComponentAutoscaling:
        """Scale this component's copy count (a :class:`~sagemaker_serving.ComponentAutoscaling`).

        Takes :class:`~sagemaker_serving.inference_components.autoscaling.ComponentAutoscalingOptions`:
        ``min_copies`` (0 for scale to zero) and ``max_copies`` (required), then optional ``metric``,
        ``scale_in_cooldown``, ``scale_out_cooldown``, ``wake_cooldown`` and ``schedules``.
        """
        from sagemaker_serving.inference_components.autoscaling import ComponentAutoscaling

        return ComponentAutoscaling(self, "Autoscaling", component=self, **options)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:InvokeEndpoint`` on this component and its endpoint only (both
        resources authorise a call that names the component)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint"],
            resource_arns=[self.endpoint.endpoint_arn, self.inference_component_arn],
        )

    def grant_describe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``sagemaker:DescribeInferenceComponent`` on this component only."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribeInferenceComponent"],
            resource_arns=[self.inference_component_arn],
        )

    # --- metrics (AWS/SageMaker, dimension InferenceComponentName) -------------------------------------

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A CloudWatch metric of this component (``Sum`` per minute by default)."""
        dimensions = {"InferenceComponentName": self.inference_component_name}
        return build_metric("AWS/SageMaker", metric_name, dimensions, options)

    def metric_invocations(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests sent to this component (Sum)."""
        return self.metric("Invocations", **options)

    def metric_model_latency(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time the model took to answer, in microseconds (p99 by default)."""
        options.setdefault("statistic", "p99")
        return self.metric("ModelLatency", **options)

    def metric_no_capacity_invocation_failures(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests that failed because the component had no copy (scaled to zero; Sum): what wakes it."""
        return self.metric("NoCapacityInvocationFailures", **options)


def _startup(
    download: int | None, startup: int | None
) -> sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty | None:
    if download is None and startup is None:
        return None
    return sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
        model_data_download_timeout_in_seconds=download,
        container_startup_health_check_timeout_in_seconds=startup,
    )


def _name_problems(
    endpoint: Endpoint, config: EndpointConfig | ComponentEndpointConfig | None, name: str, component_name: str | None
) -> list[str]:
    """The rules ``name`` and ``component_name`` break: their form, and their uniqueness on the endpoint."""
    problems: list[str] = []
    if not isinstance(name, str) or not COMPONENT_NAME.match(name):
        problems.append(f"name: {name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
    if (
        component_name is not None
        and not cdk.Token.is_unresolved(component_name)
        and not COMPONENT_NAME.match(component_name)
    ):
        problems.append(f"component_name: {component_name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
    if isinstance(config, ComponentEndpointConfig):
        for other in endpoint.inference_components:
            if other.name == name:
                problems.append(f"name: {name!r} is already used on this endpoint; names must be unique")
            if component_name is not None and other.inference_component_name == component_name:
                problems.append(f"component_name: {component_name!r} is already used on this endpoint")
    return problems


def _problems(
    endpoint: Endpoint,
    name: str,
    source: ComponentModel,
    compute: ComputeRequirements,
    copy_count: int,
    component_name: str | None,
    timeouts: tuple[int | None, int | None],
    rolling_update: ComponentRollingUpdate | None,
) -> list[str]:
    """Every rule the component breaks (nothing is created before they are all known)."""
    from sagemaker_serving.endpoint import Endpoint

    problems: list[str] = []
    config = endpoint.endpoint_config if isinstance(endpoint, Endpoint) else None
    if not isinstance(config, ComponentEndpointConfig):
        problems.append(
            f"endpoint: {endpoint!r} is not allowed; inference components need an Endpoint served from a "
            "ComponentEndpointConfig (an instance pool with no model and an execution role)"
        )
    problems += _name_problems(endpoint, config, name, component_name)
    problems += source.problems("model")
    if not isinstance(compute, ComputeRequirements):
        problems.append(f"compute: {compute!r} is not allowed; expected ComputeRequirements")
        return problems
    problems += compute.problems("compute")
    if isinstance(copy_count, bool) or not isinstance(copy_count, int) or not 1 <= copy_count <= MAX_COPIES:
        problems.append(
            f"copy_count: {copy_count!r} is not allowed; must be an integer from 1 to {MAX_COPIES} (a component is "
            "created with its copies running, so a model that does not start fails the deployment; scale to zero "
            "with autoscale(min_copies=0))"
        )
    labels = ("model_data_download_timeout_seconds", "container_startup_timeout_seconds")
    for label, value in zip(labels, timeouts, strict=True):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 60 <= value <= 3600):
            problems.append(f"{label}: {value!r} is not allowed; must be an integer from 60 to 3600")
    if rolling_update is not None:
        if isinstance(rolling_update, ComponentRollingUpdate):
            problems += rolling_update.problems("rolling_update", copy_count)
        else:
            problems.append(f"rolling_update: {rolling_update!r} is not allowed; expected a ComponentRollingUpdate")
    if problems or not isinstance(config, ComponentEndpointConfig):
        return problems
    pool = config.pool
    problems += copy_fit_problems("compute", compute, pool.instance_type)
    if not problems:
        demands = [Demand(f"{c.name!r}", c.compute, c.peak_copies) for c in endpoint.inference_components]
        demands.append(Demand(f"{name!r}", compute, copy_count))
        problems += pool_capacity_problems("copy_count", pool, demands)
    return problems
