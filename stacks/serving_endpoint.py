"""The serving part of an environment: its models, endpoint config, endpoint and autoscaling.

:class:`stacks.serving_stack.ServingStack` adds the network and the front door around it. Kept apart
so that using it loads none of the front door's modules (the synth benchmark measures it alone too).

Only the settings the file gives are passed to the constructs: the others keep the constructs'
documented defaults (:func:`variant_props`). A construct's :class:`~sagemaker_serving.ValidationError`
is reported with the file's key paths (``instance_variants[0].initial_weight``,
``models.champion.artifact``, ``models.x.image: 'dlc:…'``), every problem of the environment that
can be found before a construct needs a failed one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving import (
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    VariantAutoscaling,
)
from sagemaker_serving.container_image import DLC_REGISTRY_ACCOUNTS, SKLEARN_REGISTRY_ACCOUNTS
from sagemaker_serving.routing import RequestRouting
from stacks.config import (
    AutoscalingConfig,
    EnvironmentConfig,
    InstanceVariantConfig,
    ModelConfig,
    ProvisionedConcurrencyAutoscalingConfig,
    ServerlessVariantConfig,
)
from stacks.guardrails import construct_keys, guardrails_props, update_policy_problems
from stacks.problems import Problems as Problems
from stacks.problems import prefixed as prefixed

if TYPE_CHECKING:
    from sagemaker_serving import (
        AsyncInferenceConfig,
        BacklogAutoscaling,
        ComponentAutoscaling,
        ComponentEndpointConfig,
        InferenceComponent,
        ProvisionedConcurrencyAutoscaling,
        ServingNetwork,
        ShadowVariant,
    )
    from stacks.config import AsyncConfig, ShadowVariantConfig

STACKS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class EndpointParts:
    """What :func:`compose_endpoint` builds: the models (by config key), the config, the endpoint, autoscaling,
    and for an ``instance_pool`` the inference components (by name) and their autoscaling."""

    models: dict[str, Model]
    endpoint_config: EndpointConfig | ComponentEndpointConfig
    endpoint: Endpoint
    autoscaling: list[VariantAutoscaling | ProvisionedConcurrencyAutoscaling | BacklogAutoscaling]
    inference_components: dict[str, InferenceComponent] = field(default_factory=dict)
    component_autoscaling: list[ComponentAutoscaling] = field(default_factory=list)


def compose_endpoint(
    scope: Construct,
    config: EnvironmentConfig,
    models: dict[str, ModelConfig],
    *,
    network: ServingNetwork | None = None,
    problems: Problems | None = None,
) -> EndpointParts:
    """Add one environment's models, endpoint config, endpoint and autoscaling to ``scope``.

    The serving part of :class:`ServingStack`, without the front door (the synth benchmark measures it
    alone too). ``network`` puts the models in that VPC. Construct problems are collected in
    ``problems`` (a new one by default) and raised as a :class:`ConfigError` once nothing more can be
    built; problems of the autoscaling are left in ``problems`` for the caller to raise.
    """
    own = problems is None
    problems = problems or Problems()
    built = _models(scope, config, models, network, problems)
    if config.instance_pool is not None:
        from stacks.serving_components import compose_components

        return compose_components(scope, config, built, problems=problems, raise_problems=own)
    endpoint_config = _endpoint_config(scope, config, built, problems)
    with problems.at(construct_keys(config)):
        endpoint = Endpoint(scope, "Endpoint", endpoint_config=endpoint_config, **guardrails_props(config))
    problems.check()
    autoscaling: list[VariantAutoscaling | ProvisionedConcurrencyAutoscaling | BacklogAutoscaling] = [
        *_instance_autoscaling(endpoint, config, problems),
        *_serverless_autoscaling(endpoint, config, problems),
    ]
    if not problems.found:  # the guardrails against the autoscaling floors and ceilings
        problems.found += [construct_keys(config)(p) for p in update_policy_problems(endpoint)]
    if own:
        problems.check()
    return EndpointParts(built, endpoint_config, endpoint, autoscaling)


def _models(
    scope: Construct,
    config: EnvironmentConfig,
    models: dict[str, ModelConfig],
    network: ServingNetwork | None,
    problems: Problems,
) -> dict[str, Model]:
    """A ``Model`` for each model the environment serves (by config key), in the VPC of ``network`` if any.

    Artifacts and images are checked for every model first; a :class:`ConfigError` is raised if any failed.
    """
    used = list(config.model_keys)
    model_data, images = _model_sources(used, models, config.region, problems)
    built: dict[str, Model] = {}
    for key in used:
        with problems.at(prefixed(f"models.{key}.")):
            built[key] = Model(
                scope,
                f"Model{key.title().replace('-', '').replace('_', '')}",
                image=images[key],
                model_data=model_data[models[key].artifact],
                environment=models[key].environment,
                network_isolation=models[key].network_isolation or config.network.network_isolation,
                vpc=network.vpc if network else None,
                vpc_subnets=network.subnet_selection if network else None,
                security_groups=[network.model_security_group] if network else None,
            )
    problems.check()
    return built


def _model_sources(
    used: list[str], models: dict[str, ModelConfig], region: str | None, problems: Problems
) -> tuple[dict[str, ModelData], dict[str, ContainerImage]]:
    """The ``ModelData`` of each artifact (one per artifact, so models sharing an artifact share its archive and
    asset) and the ``ContainerImage`` of each model key; a :class:`ConfigError` with every problem found."""
    model_data: dict[str, ModelData] = {}
    images: dict[str, ContainerImage] = {}
    for key in used:
        artifact, spec = models[key].artifact, models[key].image
        with problems.at(_artifact_problem(key, artifact)):
            if artifact not in model_data:
                model_data[artifact] = _model_data(artifact)
        problems.found += _region_problems(key, spec, region)
        with problems.at(prefixed(f"models.{key}.image: {spec!r}: ")):
            images[key] = _image(spec)
    problems.check()
    return model_data, images


def _endpoint_config(
    scope: Construct, config: EnvironmentConfig, built: dict[str, Model], problems: Problems
) -> EndpointConfig:
    """The ``EndpointConfig`` of the environment's variants (with its async inference, data capture and shadow
    variant); its problems in the file's keys, raised at once."""
    variants: list[InstanceVariant | ServerlessVariant] = [
        InstanceVariant(model=built[v.model], **variant_props(v)) for v in config.instance_variants
    ] + [ServerlessVariant(model=built[v.model], **variant_props(v)) for v in config.serverless_variants]
    kind = config.variants_key
    from stacks.operations import data_capture

    shadow = _shadow_variant(config.shadow_variant, built)

    def rename(problem: str) -> str:
        # variants[0] → the file's table; the shadow's own variant is the shadow_variant table itself.
        problem = re.sub(r"\bvariants(?=[\[:])", kind, problem)
        problem = _async_key(re.sub(r"^shadow_variant\.variant( \('[^']*'\))?", "shadow_variant", problem))
        return problem.replace("data_capture.destination.", "data_capture.")

    with problems.at(rename):
        endpoint_config = EndpointConfig(
            scope,
            "EndpointConfig",
            variants=variants,
            async_inference=_async_inference(config.async_inference),
            data_capture=data_capture(config.data_capture),
            shadow_variant=shadow,
        )
    problems.check()
    return endpoint_config


def given(settings: object, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """The dataclass fields of ``settings`` the file sets (not ``None``), but ``leave_out``."""
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)  # type: ignore[arg-type]
        if f.name not in leave_out and getattr(settings, f.name) is not None
    }


def _instance_autoscaling(
    endpoint: Endpoint, config: EnvironmentConfig, problems: Problems
) -> list[VariantAutoscaling | BacklogAutoscaling]:
    """Autoscaling of the instance variants that ask for it: on invocations, or on the backlog when asynchronous."""
    built: list[VariantAutoscaling | BacklogAutoscaling] = []
    for i, v in enumerate(config.instance_variants):
        if v.autoscaling is not None:
            renames = {
                "variant_name": "name",
                "instance_type": "instance_type",
                "scale_in_cooldown": "autoscaling.scale_in_cooldown_seconds",
                "scale_out_cooldown": "autoscaling.scale_out_cooldown_seconds",
            }
            with problems.at(prefixed(f"instance_variants[{i}].", renames, others="autoscaling.")):
                props = autoscaling_props(v.autoscaling)
                if config.async_inference is not None:
                    built.append(endpoint.autoscale_on_backlog(v.name, **props))
                else:
                    built.append(endpoint.autoscale(v.name, **props))
    return built


def _serverless_autoscaling(
    endpoint: Endpoint, config: EnvironmentConfig, problems: Problems
) -> list[ProvisionedConcurrencyAutoscaling]:
    """Provisioned-concurrency autoscaling of the serverless variants that ask for it."""
    built = []
    for i, v in enumerate(config.serverless_variants):
        if v.autoscaling is not None:
            renames = {
                "variant_name": "name",
                "provisioned_concurrency": "provisioned_concurrency",
                "scale_in_cooldown": "autoscaling.scale_in_cooldown_seconds",
                "scale_out_cooldown": "autoscaling.scale_out_cooldown_seconds",
            }
            with problems.at(prefixed(f"serverless_variants[{i}].", renames, others="autoscaling.")):
                built.append(endpoint.autoscale_provisioned_concurrency(v.name, **autoscaling_props(v.autoscaling)))
    return built


def variant_props(v: InstanceVariantConfig | ServerlessVariantConfig) -> dict[str, Any]:
    """The variant's construct props the file sets (``model`` aside): the construct's defaults for the rest."""
    props = given(v, leave_out=("model", "autoscaling", "routing"))
    if getattr(v, "routing", None) is not None:
        props["routing"] = routing(v.routing)  # type: ignore[union-attr]
    return props


def routing(name: str | None) -> RequestRouting | None:
    """The file's ``routing`` (``least_outstanding_requests`` or ``random``) as the construct's object."""
    if name is None:
        return None
    return RequestRouting.random() if name == "random" else RequestRouting.least_outstanding_requests()


def _shadow_variant(shadow: ShadowVariantConfig | None, models: dict[str, Model]) -> ShadowVariant | None:
    """The environment's ``ShadowVariant`` (its instance variant, then the sampling), or ``None``."""
    if shadow is None:
        return None
    from sagemaker_serving import ShadowVariant

    props = given(shadow, leave_out=("model", "sampling_percentage", "routing"))
    variant = InstanceVariant(model=models[shadow.model], routing=routing(shadow.routing), **props)
    if shadow.sampling_percentage is None:
        return ShadowVariant(variant=variant)
    return ShadowVariant(variant=variant, sampling_percentage=shadow.sampling_percentage)


def variant_settings(v: InstanceVariantConfig | ServerlessVariantConfig) -> dict[str, Any]:
    """Every setting of the variant as deployed: the file's values, the construct's defaults for the rest."""
    kind = InstanceVariant if isinstance(v, InstanceVariantConfig) else ServerlessVariant
    defaults = {f.name: f.default for f in dataclasses.fields(kind) if f.default is not dataclasses.MISSING}
    return {**defaults, **variant_props(v)}


def autoscaling_props(a: AutoscalingConfig | ProvisionedConcurrencyAutoscalingConfig) -> dict[str, Any]:
    """``VariantAutoscaling`` (or ``ProvisionedConcurrencyAutoscaling``) props for the settings the file gives."""
    props = given(a, leave_out=("scale_in_cooldown_seconds", "scale_out_cooldown_seconds", "schedules"))
    for key in ("scale_in_cooldown", "scale_out_cooldown"):
        seconds = getattr(a, f"{key}_seconds")
        if seconds is not None:
            props[key] = cdk.Duration.seconds(seconds)
    if a.schedules is not None:
        props["schedules"] = list(a.schedules)
    return props


#: ``AsyncInferenceConfig`` props → the ``async_inference`` table's keys.
_ASYNC_KEYS = {
    "async_inference.invocation_timeout": "async_inference.invocation_timeout_seconds",
    "async_inference.request_ttl": "async_inference.request_ttl_seconds",
    "async_inference.expiration": "async_inference.expiration_days",
}


def _async_key(problem: str) -> str:
    for construct_name, key in _ASYNC_KEYS.items():
        if problem.startswith(f"{construct_name}:"):
            return key + problem[len(construct_name) :]
    return problem


def _async_inference(settings: AsyncConfig | None) -> AsyncInferenceConfig | None:
    """The construct's value object for an ``async_inference`` table (only the settings it gives; the construct's
    defaults for the rest); ``None`` without one (a real-time endpoint)."""
    if settings is None:
        return None
    from sagemaker_serving import AsyncInferenceConfig

    props: dict[str, Any] = {}
    if settings.max_concurrent_invocations_per_instance is not None:
        props["max_concurrent_invocations_per_instance"] = settings.max_concurrent_invocations_per_instance
    if settings.invocation_timeout_seconds is not None:
        props["invocation_timeout"] = cdk.Duration.seconds(settings.invocation_timeout_seconds)
    if settings.request_ttl_seconds is not None:
        props["request_ttl"] = cdk.Duration.seconds(settings.request_ttl_seconds)
    if settings.expiration_days is not None:
        props["expiration"] = cdk.Duration.days(settings.expiration_days)
    return AsyncInferenceConfig(**props)


def _image(spec: str) -> ContainerImage:
    """``sklearn:<version>``, ``dlc:<repository>:<tag>`` or a full image URI (the config checked the form)."""
    kind, _, rest = spec.partition(":")
    if kind == "sklearn":
        return ContainerImage.sklearn(rest)
    if kind == "dlc":
        repository, _, tag = rest.partition(":")
        return ContainerImage.from_aws_registry(repository, tag)
    return ContainerImage.from_image_uri(spec)


def _region_problems(key: str, spec: str, region: str | None) -> list[str]:
    """An AWS-published image in a region its registry account table does not list (else jsii fails on the
    template's mapping). Environment-agnostic stacks resolve the account at deploy time instead."""
    kind = spec.partition(":")[0]
    accounts = {"sklearn": SKLEARN_REGISTRY_ACCOUNTS, "dlc": DLC_REGISTRY_ACCOUNTS}.get(kind)
    if region is None or accounts is None or region in accounts:
        return []
    table = "SKLEARN_REGISTRY_ACCOUNTS" if kind == "sklearn" else "DLC_REGISTRY_ACCOUNTS"
    return [
        f"models.{key}.image: {spec!r} is not published in region {region!r} (not in "
        f"sagemaker_serving.container_image.{table}); use a full image URI in that region instead"
    ]


def _artifact_problem(key: str, artifact: str) -> Callable[[str], str]:
    """``path: '/abs/stacks/x' does not exist …`` → ``models.<key>.artifact: 'x' does not exist …``."""

    def rename(problem: str) -> str:
        detail = re.sub(r"^\w+: '[^']*'", "", problem)
        return f"models.{key}.artifact: {artifact!r}{detail}" + (
            "" if artifact.startswith("s3://") else " (relative to stacks/)"
        )

    return rename


def _model_data(artifact: str) -> ModelData:
    if artifact.startswith("s3://"):
        return ModelData.from_s3_url(artifact)
    return ModelData.from_asset(STACKS_DIR / artifact)
