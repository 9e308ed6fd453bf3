"""An endpoint config: the production variants of an endpoint and how their storage is encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.compliance import acknowledge_endpoint_config_without_key
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.variants import InstanceVariant, ServerlessVariant, Variant, has_local_storage

if TYPE_CHECKING:  # aws_s3 and aws_sns are imported only by configs with asynchronous inference
    from sagemaker_serving.async_inference import AsyncInference, AsyncInferenceConfig
    from sagemaker_serving.data_capture import BoundDataCapture, DataCapture
    from sagemaker_serving.shadow import ShadowVariant

MAX_VARIANTS = 10


class EndpointConfig(Construct):
    """An ``AWS::SageMaker::EndpointConfig`` with 1 to 10 production variants.

    Either 1 to 10 instance variants or exactly one serverless variant (Serverless Inference does not
    support multiple production variants, so it mixes with nothing). The ML storage volumes of
    instance variants are encrypted with a KMS key (one with rotation is created when none is
    given). Serverless variants and instance types with local NVMe storage (encrypted in hardware by
    SageMaker) take no KMS key: passing one for them is an error, not silently ignored.

    The config has no fixed name, so CloudFormation replaces it whenever a variant or model changes
    and then updates the endpoint in place (blue/green, no downtime).

    With ``async_inference`` (an :class:`~sagemaker_serving.AsyncInferenceConfig`) the endpoint takes only
    asynchronous invocations (``InvokeEndpointAsync``); its bucket, key and topics are created as the
    ``AsyncInference`` child and the variants' models are granted what SageMaker does with their roles.

    With ``data_capture`` (a :class:`~sagemaker_serving.DataCapture`), a sample of the requests and
    answers is written to S3 for retraining (instance variants only; see :mod:`sagemaker_serving.data_capture`).

    With ``shadow_variant`` (:class:`~sagemaker_serving.ShadowVariant`), the one production variant's
    requests are also replicated to a shadow variant whose answers are discarded (a shadow test; see
    :mod:`sagemaker_serving.shadow` for the rules and how to read the comparison). Not both: SageMaker
    excludes asynchronous inference from shadow tests.

    :param variants: 1 to 10 production variants; more can be added with :meth:`add_variant`.
    :param encryption_key: KMS key for the instances' ML storage volumes. Default: a new key
        with rotation when the variants allow a key; none otherwise.
    :param async_inference: serve asynchronous invocations only, with this configuration. Default:
        none (a real-time endpoint).
    :param data_capture: capture requests and/or answers to S3. Default: none.
    :param shadow_variant: a shadow variant next to exactly one production instance variant (not with
        ``async_inference``). Default: none.

    Attributes: ``cfn_endpoint_config``, ``encryption_key`` (``None`` where not allowed),
    ``variants``, ``endpoint_config_name``, ``async_inference`` (an
    :class:`~sagemaker_serving.async_inference.AsyncInference`, or ``None``), ``data_capture`` (a
    :class:`~sagemaker_serving.data_capture.BoundDataCapture` with the bucket, key and write policy, or ``None``),
    ``shadow_variant`` (or ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variants: Sequence[Variant],
        encryption_key: kms.IKey | None = None,
        async_inference: AsyncInferenceConfig | None = None,
        data_capture: DataCapture | None = None,
        shadow_variant: ShadowVariant | None = None,
    ) -> None:
        """Create the endpoint config."""
        super().__init__(scope, construct_id)
        self._variants: list[Variant] = []
        self._given_key = encryption_key
        self._async_config = async_inference
        self._capture = data_capture
        self.shadow_variant = shadow_variant
        _validate(list(variants), encryption_key, async_inference, data_capture, shadow_variant)
        self._variants = list(variants)

        self.encryption_key: kms.IKey | None = None
        if _key_allowed(_with_shadow(self._variants, shadow_variant)):
            self.encryption_key = encryption_key or kms.Key(
                self,
                "Key",
                description=f"Encrypts the ML storage volumes of {self.node.path}",
                enable_key_rotation=True,
            )
        self.async_inference: AsyncInference | None = None
        if async_inference is not None:
            self.async_inference = async_inference.bind(self, [v.model for v in self._variants])
        self.data_capture: BoundDataCapture | None = (
            data_capture.bind(self, self._variants) if data_capture is not None else None
        )
        self.cfn_endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Resource",
            production_variants=self._render_variants(),
            kms_key_id=self.encryption_key.key_arn if self.encryption_key else None,
            async_inference_config=self.async_inference.render() if self.async_inference is not None else None,
            data_capture_config=self.data_capture.property if self.data_capture else None,
        )
        if self.data_capture is not None:  # the models' roles may write before any endpoint captures
            self.cfn_endpoint_config.node.add_dependency(self.data_capture.write_policy)
        if shadow_variant is not None:
            from sagemaker_serving.shadow import NoAsyncWithShadow

            self.cfn_endpoint_config.shadow_production_variants = [shadow_variant.render(self._variants[0])]
            self.node.add_validation(NoAsyncWithShadow(self.cfn_endpoint_config))
        self.endpoint_config_name: str = self.cfn_endpoint_config.attr_endpoint_config_name
        if self.encryption_key is None:  # none allowed for these variants
            acknowledge_endpoint_config_without_key(self.cfn_endpoint_config)

    @property
    def variants(self) -> tuple[Variant, ...]:
        """The production variants, in order."""
        return tuple(self._variants)

    @property
    def is_async(self) -> bool:
        """Whether the endpoint takes asynchronous invocations only (an ``async_inference`` is configured)."""
        return self._async_config is not None

    @property
    def is_serverless(self) -> bool:
        """Whether the variants are serverless."""
        return isinstance(self._variants[0], ServerlessVariant)

    def variant(self, name: str) -> Variant:
        """The variant called ``name``; ``KeyError`` listing the names there are otherwise."""
        for v in self._variants:
            if v.name == name:
                return v
        raise KeyError(f"no variant {name!r}; variants are {[v.name for v in self._variants]}")

    def add_variant(self, variant: Variant) -> None:
        """Add a production variant; the whole set is validated again first."""
        candidate = [*self._variants, variant]
        _validate(candidate, self._given_key, self._async_config, self._capture, self.shadow_variant)
        if _key_allowed(_with_shadow(candidate, self.shadow_variant)) != (self.encryption_key is not None):
            raise_if_problems(
                "Invalid production variants",
                [
                    f"variants[{len(candidate) - 1}].instance_type: "
                    f"{getattr(variant, 'instance_type', 'serverless')!r} "
                    "changes whether the volumes can be KMS-encrypted; pass all variants at construction"
                ],
            )
        self._variants = candidate
        if self.async_inference is not None:
            self.async_inference.allow_model(variant.model)
        self.cfn_endpoint_config.production_variants = list(self._render_variants())
        if self.data_capture is not None:
            self.data_capture.grant_write(variant.model)

    def _render_variants(self) -> list[Any]:
        rendered = []
        for v in self._variants:
            if isinstance(v, ServerlessVariant):
                rendered.append(
                    sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                        variant_name=v.name,
                        model_name=v.model.model_name,
                        initial_variant_weight=v.initial_weight,
                        serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                            memory_size_in_mb=v.memory_size_mb,
                            max_concurrency=v.max_concurrency,
                            provisioned_concurrency=v.provisioned_concurrency,
                        ),
                    )
                )
            else:
                rendered.append(
                    sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                        variant_name=v.name,
                        model_name=v.model.model_name,
                        instance_type=v.instance_type,
                        initial_instance_count=v.initial_instance_count,
                        initial_variant_weight=v.initial_weight,
                        volume_size_in_gb=v.volume_size_gb,
                        model_data_download_timeout_in_seconds=v.model_data_download_timeout_seconds,
                        container_startup_health_check_timeout_in_seconds=v.container_startup_timeout_seconds,
                        routing_config=v.routing.bind() if v.routing is not None else None,
                    )
                )
        return rendered


def _serverless_problems(variants: Sequence[Variant]) -> list[str]:
    """A config with a serverless variant has that one variant only.

    Serverless Inference does not support multiple production variants (its "Feature exclusions":
    https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions),
    so neither two serverless variants nor a serverless variant beside instance variants is allowed.
    """
    serverless = [v.name for v in variants if isinstance(v, ServerlessVariant)]
    if not serverless or len(variants) == 1:
        return []
    instances = [v.name for v in variants if isinstance(v, InstanceVariant)]
    if instances:
        given = f"mixes ServerlessVariant {serverless!r} with InstanceVariant {instances!r}, which"
    else:
        given = f"{len(serverless)} ServerlessVariants {serverless!r}"
    return [
        f"variants: {given} is not allowed; an endpoint config with a ServerlessVariant has exactly one "
        "variant (Serverless Inference does not support multiple production variants)"
    ]


def _key_allowed(variants: Sequence[Variant]) -> bool:
    return all(isinstance(v, InstanceVariant) and not has_local_storage(v.instance_type) for v in variants)


def _with_shadow(variants: Sequence[Variant], shadow: ShadowVariant | None) -> list[Variant]:
    """The variants whose volumes the config's key would encrypt: the production ones and the shadow."""
    variant = getattr(shadow, "variant", None)  # None, or not yet validated
    return [*variants, variant] if isinstance(variant, (InstanceVariant, ServerlessVariant)) else list(variants)


def _validate(
    variants: list[Variant],
    encryption_key: kms.IKey | None,
    async_inference: AsyncInferenceConfig | None,
    data_capture: DataCapture | None,
    shadow: ShadowVariant | None = None,
) -> None:
    problems: list[str] = []
    if not 1 <= len(variants) <= MAX_VARIANTS:
        problems.append(f"variants: {len(variants)} given is not allowed; expected 1 to {MAX_VARIANTS}")
    seen: dict[str, int] = {}
    for i, v in enumerate(variants):
        if not isinstance(v, (InstanceVariant, ServerlessVariant)):
            problems.append(f"variants[{i}]: {v!r} is not allowed; expected InstanceVariant or ServerlessVariant")
            continue
        problems += v.problems(f"variants[{i}] ({v.name!r})")
        if v.name in seen:
            problems.append(
                f"variants[{i}].name: {v.name!r} is already used by variants[{seen[v.name]}]; names must be unique"
            )
        seen.setdefault(v.name, i)
    kinds = {type(v).__name__ for v in variants if isinstance(v, (InstanceVariant, ServerlessVariant))}
    problems += _serverless_problems(variants)
    if shadow is not None:
        from sagemaker_serving.shadow import shadow_problems

        problems += shadow_problems(variants, shadow)
    key_variants = _with_shadow(variants, shadow)
    if encryption_key is not None and variants and len(kinds) == 1 and not _key_allowed(key_variants):
        problems.append(
            "encryption_key: a key is not allowed for serverless variants or instance types with local "
            f"storage ({', '.join(getattr(v, 'instance_type', 'serverless') for v in variants)}); "
            "SageMaker encrypts those volumes itself"
        )
    if async_inference is not None and shadow is not None:
        problems.append(
            "shadow_variant: not allowed with async_inference; SageMaker excludes asynchronous inference from "
            "shadow tests (https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-exclusions.html)"
        )
    if async_inference is not None:
        from sagemaker_serving.async_inference import AsyncInferenceConfig

        if isinstance(async_inference, AsyncInferenceConfig):
            problems += async_inference.problems(variants)
        else:
            problems.append(f"async_inference: {async_inference!r} is not allowed; expected an AsyncInferenceConfig")
    if data_capture is not None:
        problems += data_capture.problems("data_capture", variants)
    raise_if_problems("Invalid production variants", problems)
