"""The serving part of an environment: its models, endpoint config, endpoint and autoscaling.

:class:`stacks.serving_stack.ServingStack` adds the network and the front door around it. Kept apart
so that using it loads none of the front door's modules (the synth benchmark measures it alone too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving import (
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ScheduledCapacity,
    ServerlessVariant,
    VariantAutoscaling,
)
from stacks.config import EnvironmentConfig, ModelConfig

if TYPE_CHECKING:
    from sagemaker_serving import ServingNetwork

STACKS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class EndpointParts:
    """What :func:`compose_endpoint` builds: the models (by config key), the config, the endpoint, autoscaling."""

    models: dict[str, Model]
    endpoint_config: EndpointConfig
    endpoint: Endpoint
    autoscaling: list[VariantAutoscaling]


def compose_endpoint(
    scope: Construct,
    config: EnvironmentConfig,
    models: dict[str, ModelConfig],
    *,
    network: ServingNetwork | None = None,
) -> EndpointParts:
    """Add one environment's models, endpoint config, endpoint and autoscaling to ``scope``.

    The serving part of :class:`ServingStack`, without the front door (the synth benchmark measures it
    alone too). ``network`` puts the models in that VPC.
    """
    used = [v.model for v in config.instance_variants] + [v.model for v in config.serverless_variants]
    net = config.network
    # One ModelData per artifact, so models sharing an artifact share its archive and asset.
    model_data = {models[key].artifact: _model_data(models[key].artifact) for key in used}
    built: dict[str, Model] = {
        key: Model(
            scope,
            f"Model{key.title().replace('-', '').replace('_', '')}",
            image=_image(models[key].image),
            model_data=model_data[models[key].artifact],
            environment=models[key].environment,
            network_isolation=models[key].network_isolation or net.network_isolation,
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnet_selection if network else None,
            security_groups=[network.model_security_group] if network else None,
        )
        for key in dict.fromkeys(used)
    }
    variants: list[InstanceVariant | ServerlessVariant] = [
        InstanceVariant(
            name=v.name,
            model=built[v.model],
            instance_type=v.instance_type,
            initial_instance_count=v.initial_instance_count,
            initial_weight=v.initial_weight,
            volume_size_gb=v.volume_size_gb,
            model_data_download_timeout_seconds=v.model_data_download_timeout_seconds,
            container_startup_timeout_seconds=v.container_startup_timeout_seconds,
        )
        for v in config.instance_variants
    ] + [
        ServerlessVariant(
            name=v.name,
            model=built[v.model],
            memory_size_mb=v.memory_size_mb,
            max_concurrency=v.max_concurrency,
            provisioned_concurrency=v.provisioned_concurrency,
            initial_weight=v.initial_weight,
        )
        for v in config.serverless_variants
    ]
    endpoint_config = EndpointConfig(scope, "EndpointConfig", variants=variants)
    endpoint = Endpoint(scope, "Endpoint", endpoint_config=endpoint_config)
    autoscaling = [
        endpoint.autoscale(
            v.name,
            min_capacity=v.autoscaling.min_capacity,
            max_capacity=v.autoscaling.max_capacity,
            target_invocations_per_instance=v.autoscaling.target_invocations_per_instance,
            target_cpu_utilization=v.autoscaling.target_cpu_utilization,
            scale_in_cooldown=cdk.Duration.seconds(v.autoscaling.scale_in_cooldown_seconds),
            scale_out_cooldown=cdk.Duration.seconds(v.autoscaling.scale_out_cooldown_seconds),
            schedules=[
                ScheduledCapacity(
                    name=s.name,
                    schedule=s.schedule,
                    min_capacity=s.min_capacity,
                    max_capacity=s.max_capacity,
                    time_zone=s.time_zone,
                )
                for s in v.autoscaling.schedules
            ],
        )
        for v in config.instance_variants
        if v.autoscaling is not None
    ]
    return EndpointParts(built, endpoint_config, endpoint, autoscaling)


def _image(spec: str) -> ContainerImage:
    """``sklearn:<version>``, ``dlc:<repository>:<tag>`` or a full image URI."""
    kind, _, rest = spec.partition(":")
    if kind == "sklearn":
        return ContainerImage.sklearn(rest)
    if kind == "dlc":
        repository, _, tag = rest.partition(":")
        return ContainerImage.from_aws_registry(repository, tag)
    return ContainerImage.from_image_uri(spec)


def _model_data(artifact: str) -> ModelData:
    if artifact.startswith("s3://"):
        return ModelData.from_s3_url(artifact)
    return ModelData.from_asset(STACKS_DIR / artifact)
