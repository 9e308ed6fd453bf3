"""A shadow variant: a candidate that gets a copy of production traffic and whose answers nobody sees.

``ShadowProductionVariants`` of ``CreateEndpointConfig``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html): "If you use
this field, you can only specify one variant for ``ProductionVariants`` and one variant for
``ShadowProductionVariants``." The production variant answers every request; SageMaker replicates a
share of the requests to the shadow variant and discards its answers
(https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html).

Refused where SageMaker refuses shadow tests ("Exclusions",
https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-exclusions.html): serverless inference,
asynchronous inference, Marketplace containers, multi-container endpoints, multi-model endpoints,
Inf1 (Inferentia) instances and Elastic Inference. This package's models are single-container and
never multi-model or Marketplace model packages, and its variants have no Elastic Inference
accelerator, so the rules checked here are: no serverless variant (production or shadow), no
``ml.inf1.*`` instance type, and no ``AsyncInferenceConfig`` on the same endpoint config (checked when
the app is synthesised, since it may be set after the config is built).

**Sampling.** The share of requests the shadow receives is its ``InitialVariantWeight`` relative to the
production variant's: AWS's own example (https://docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html)
gives both weight 1, every request replicated. ``sampling_percentage`` is rendered as the shadow's
weight = production weight × percentage / 100. (Shadow *tests* created from the console or with
``CreateInferenceExperiment`` take a ``SamplingPercentage`` and end after at most 30 days; a shadow
variant in the endpoint config stays until the config changes.)

**Reading the comparison.** Both variants publish the usual per-variant metrics in ``AWS/SageMaker``
with their own ``VariantName`` (``Invocations``, ``ModelLatency``, ``OverheadLatency``,
``Invocation4XXErrors``, ``Invocation5XXErrors``) and instance metrics in
``/aws/sagemaker/Endpoints``: compare them with ``Endpoint.metric_*(variant_name=...)`` for each of the
two names. To compare the answers themselves, turn on data capture: each captured record names the
variant that produced it. Promote the shadow by making it the production variant of the next config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jsii
from constructs import IValidation

from sagemaker_serving.variants import InstanceVariant, ServerlessVariant, Variant, instance_family

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

#: Instance families shadow tests exclude (Inf1, the first Inferentia generation).
EXCLUDED_FAMILIES = frozenset({"inf1"})


@dataclass(frozen=True, kw_only=True)
class ShadowVariant:
    """The shadow variant of an endpoint config with one production variant (``EndpointConfig(shadow_variant=)``).

    Example: ``ShadowVariant(variant=InstanceVariant(name="candidate", model=candidate,
    instance_type="ml.m5.large"), sampling_percentage=20)``.
    """

    #: The shadow's model, instance type and instance count. Its ``initial_weight`` stays at its
    #: default: the share of traffic is ``sampling_percentage``.
    variant: InstanceVariant
    #: Percentage of the production variant's requests replicated to the shadow (1-100). Default 100.
    sampling_percentage: int = 100

    @property
    def name(self) -> str:
        """The shadow variant's name."""
        return self.variant.name

    def render(self, production: Variant) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        """The shadow's entry of ``ShadowProductionVariants``, weighted against ``production``."""
        from aws_cdk import aws_sagemaker as sagemaker

        v = self.variant
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=v.name,
            model_name=v.model.model_name,
            instance_type=v.instance_type,
            initial_instance_count=v.initial_instance_count,
            initial_variant_weight=production.initial_weight * self.sampling_percentage / 100,
            volume_size_in_gb=v.volume_size_gb,
            model_data_download_timeout_in_seconds=v.model_data_download_timeout_seconds,
            container_startup_health_check_timeout_in_seconds=v.container_startup_timeout_seconds,
            routing_config=v.routing.bind() if v.routing is not None else None,
        )


def shadow_problems(variants: Sequence[Variant], shadow: object, where: str = "shadow_variant") -> list[str]:
    """Every rule a shadow variant breaks next to the production ``variants``, prefixed with ``where``."""
    if not isinstance(shadow, ShadowVariant):
        return [f"{where}: {shadow!r} is not allowed; expected a ShadowVariant"]
    problems: list[str] = []
    v = shadow.variant
    if isinstance(v, ServerlessVariant):
        problems.append(
            f"{where}.variant: serverless variant {v.name!r} is not allowed; SageMaker excludes serverless "
            "inference from shadow tests: use an InstanceVariant"
        )
    elif not isinstance(v, InstanceVariant):
        problems.append(f"{where}.variant: {v!r} is not allowed; expected an InstanceVariant")
    else:
        problems += v.problems(f"{where}.variant ({v.name!r})")
        if v.initial_weight != 1.0:
            problems.append(
                f"{where}.variant.initial_weight: {v.initial_weight!r} is not allowed; leave it at 1 and set "
                "sampling_percentage (the shadow's share of the production variant's requests)"
            )
    pct = shadow.sampling_percentage
    if isinstance(pct, bool) or not isinstance(pct, int) or not 1 <= pct <= 100:
        problems.append(f"{where}.sampling_percentage: {pct!r} is not allowed; must be an integer from 1 to 100")
    if len(variants) != 1:
        names = [getattr(p, "name", p) for p in variants]
        problems.append(
            f"variants: {len(variants)} production variants {names!r} are not allowed with a shadow variant; "
            "an endpoint config with ShadowProductionVariants has exactly one production variant"
        )
    for i, p in enumerate(variants):
        if isinstance(p, ServerlessVariant):
            problems.append(
                f"variants[{i}] ({p.name!r}): serverless is not allowed with a shadow variant; SageMaker excludes "
                "serverless inference from shadow tests"
            )
        if getattr(p, "name", None) == v.name:
            problems.append(f"{where}.variant.name: {v.name!r} is already the production variant's; names must differ")
    for label, variant in ((f"{where}.variant", v), *((f"variants[{i}]", p) for i, p in enumerate(variants))):
        family = instance_family(getattr(variant, "instance_type", ""))
        if family in EXCLUDED_FAMILIES:
            problems.append(
                f"{label}.instance_type: {variant.instance_type!r} is not allowed with a shadow variant; SageMaker "  # type: ignore[union-attr]
                "excludes endpoints on Inf1 (Inferentia) instances from shadow tests: use ml.inf2 or another family"
            )
    return problems


@jsii.implements(IValidation)
class NoAsyncWithShadow:
    """Refuses, at synth, an ``AsyncInferenceConfig`` on an endpoint config that has a shadow variant.

    Asynchronous inference is one of the shadow-test exclusions; it may be set on the config after it
    is built, so the check runs when the app is synthesised.
    """

    def __init__(self, cfn_endpoint_config: sagemaker.CfnEndpointConfig) -> None:
        self._config = cfn_endpoint_config

    def validate(self) -> list[str]:
        """The problem, if the config has both."""
        if self._config.async_inference_config is None or self._config.shadow_production_variants is None:
            return []
        return [
            "shadow_variant: not allowed with an AsyncInferenceConfig; SageMaker excludes asynchronous inference "
            "from shadow tests (https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-exclusions.html)"
        ]
