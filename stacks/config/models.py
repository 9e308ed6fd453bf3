"""Models and the endpoint's variants: the ``[models]`` tables, instance and serverless variants, their
autoscaling and the shadow variant, and the rules of the file about them.

``None`` means "the construct's default" (see :mod:`stacks.config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stacks.config.errors import _unknown_model
from stacks.config.values import Routing, Seconds

if TYPE_CHECKING:
    from sagemaker_serving import ScheduledCapacity
    from stacks.config.environment import EnvironmentConfig
else:
    from stacks.config.values import ScheduledCapacity


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """A model: its artifact and container image."""

    #: ``s3://bucket/key`` or a folder relative to ``stacks/`` packaged as an asset.
    artifact: str
    #: ``sklearn:<framework version>``, ``dlc:<repository>:<tag>`` or a full image URI.
    image: str
    #: Container environment variables.
    environment: dict[str, str] = field(default_factory=dict)
    #: Forbid this model's container any network access wherever it is served.
    network_isolation: bool = False


@dataclass(frozen=True, kw_only=True)
class AutoscalingConfig:
    """Autoscaling of one instance variant (``sagemaker_serving.VariantAutoscaling``; with ``async_inference``,
    ``sagemaker_serving.BacklogAutoscaling``, whose ``min_capacity`` may be 0)."""

    min_capacity: int
    max_capacity: int
    #: Real-time endpoints only.
    target_invocations_per_instance: int | None = None
    #: Real-time endpoints only.
    target_cpu_utilization: float | None = None
    #: Asynchronous endpoints only: queued requests per instance to track. Default: the construct's (5).
    target_backlog_per_instance: float | None = None
    scale_in_cooldown_seconds: Seconds | None = None
    scale_out_cooldown_seconds: Seconds | None = None
    schedules: tuple[ScheduledCapacity, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class InstanceVariantConfig:
    """An instance production variant (``sagemaker_serving.InstanceVariant``)."""

    name: str
    #: A key of ``[models]``.
    model: str
    instance_type: str
    initial_instance_count: int | None = None
    initial_weight: float | None = None
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    autoscaling: AutoscalingConfig | None = None
    #: How requests are spread over the variant's instances. Default: SageMaker's (random).
    routing: Routing | None = None


@dataclass(frozen=True, kw_only=True)
class ProvisionedConcurrencyAutoscalingConfig:
    """Autoscaling of a serverless variant's provisioned concurrency
    (``sagemaker_serving.ProvisionedConcurrencyAutoscaling``)."""

    min_capacity: int
    max_capacity: int
    target_utilization: float | None = None
    scale_in_cooldown_seconds: Seconds | None = None
    scale_out_cooldown_seconds: Seconds | None = None
    schedules: tuple[ScheduledCapacity, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ServerlessVariantConfig:
    """A serverless production variant (``sagemaker_serving.ServerlessVariant``)."""

    name: str
    #: A key of ``[models]``.
    model: str
    memory_size_mb: int | None = None
    max_concurrency: int | None = None
    provisioned_concurrency: int | None = None
    initial_weight: float | None = None
    #: Autoscaling of ``provisioned_concurrency`` (which must be set). Default: none.
    autoscaling: ProvisionedConcurrencyAutoscalingConfig | None = None


#: AutoscalingConfig keys of real-time endpoints only, and of asynchronous endpoints only.
REAL_TIME_AUTOSCALING_KEYS = ("target_invocations_per_instance", "target_cpu_utilization")
ASYNC_AUTOSCALING_KEYS = ("target_backlog_per_instance",)


@dataclass(frozen=True, kw_only=True)
class ShadowVariantConfig:
    """A shadow variant next to the one instance variant (``sagemaker_serving.ShadowVariant``): it gets a copy
    of a share of the requests, and its answers are discarded (docs/inference_components.md, "Shadow tests")."""

    name: str
    #: A key of ``[models]``.
    model: str
    instance_type: str
    initial_instance_count: int | None = None
    #: Percentage of the production variant's requests replicated to the shadow (1-100). Default: the construct's (100).
    sampling_percentage: int | None = None
    routing: Routing | None = None


def _model_problems(key: str, model: ModelConfig) -> list[str]:
    kind, _, rest = model.image.partition(":")
    if kind == "sklearn" and not rest:
        return [f"models.{key}.image: {model.image!r} is not allowed; expected sklearn:<framework version>"]
    if kind == "dlc" and (rest.count(":") != 1 or "" in rest.split(":")):
        return [f"models.{key}.image: {model.image!r} is not allowed; expected dlc:<repository>:<tag>"]
    return []


def _variant_model_problems(env: EnvironmentConfig, model_keys: set[str]) -> list[str]:
    """Each variant's model is a model of the file."""
    kind = env.variants_key
    variants: tuple[InstanceVariantConfig | ServerlessVariantConfig, ...] = (
        *env.instance_variants,
        *env.serverless_variants,
    )
    return [
        _unknown_model(f"{kind}[{i}]", v.model, model_keys) for i, v in enumerate(variants) if v.model not in model_keys
    ]


def _autoscaling_kind_problems(env: EnvironmentConfig) -> list[str]:
    """An ``autoscaling`` table configures ``VariantAutoscaling`` or, with ``async_inference``,
    ``BacklogAutoscaling``: a key of the other kind could not be passed on, so it is refused here."""
    problems = []
    is_async = env.async_inference is not None
    wrong = ASYNC_AUTOSCALING_KEYS if not is_async else REAL_TIME_AUTOSCALING_KEYS
    for i, v in enumerate(env.instance_variants):
        for key in wrong:
            value = getattr(v.autoscaling, key, None) if v.autoscaling is not None else None
            if value is None:
                continue
            if is_async:
                why = (
                    "not allowed with async_inference: SageMaker publishes no invocation metrics for an "
                    "asynchronous endpoint; it scales on target_backlog_per_instance"
                )
            else:
                why = "only allowed with async_inference (the backlog of asynchronous requests)"
            problems.append(f"instance_variants[{i}].autoscaling.{key}: {value!r} is {why}")
    return problems
