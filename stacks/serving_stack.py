"""One stack per environment: model(s), endpoint config, endpoint and autoscaling.

The stack only composes: it turns an :class:`EnvironmentConfig` into construct props.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    ValidationError,
)
from stacks.config import ConfigError, EnvironmentConfig, ModelConfig

STACKS_DIR = Path(__file__).parent


class ServingStack(cdk.Stack):
    """Everything one environment needs to serve its models.

    Attributes: ``models`` (by config key), ``endpoint_config``, ``endpoint``, ``autoscaling``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        models: dict[str, ModelConfig],
        **kwargs: Any,
    ) -> None:
        """Build the stack for one environment.

        :param config: the environment's configuration.
        :param models: the shared model definitions, by key.
        """
        super().__init__(scope, construct_id, **kwargs)
        try:
            self._build(config, models)
        except ValidationError as exc:
            raise ConfigError([f"environment {config.name!r}: {exc.subject}: {p}" for p in exc.problems]) from exc

    def _build(self, config: EnvironmentConfig, models: dict[str, ModelConfig]) -> None:
        used = [v.model for v in config.instance_variants] + [v.model for v in config.serverless_variants]
        self.models: dict[str, Model] = {
            key: Model(
                self,
                f"Model{key.title().replace('-', '').replace('_', '')}",
                image=_image(models[key].image),
                model_data=_model_data(models[key].artifact),
                environment=models[key].environment,
                network_isolation=models[key].network_isolation,
            )
            for key in dict.fromkeys(used)
        }
        variants: list[InstanceVariant | ServerlessVariant] = [
            InstanceVariant(
                name=v.name,
                model=self.models[v.model],
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
                model=self.models[v.model],
                memory_size_mb=v.memory_size_mb,
                max_concurrency=v.max_concurrency,
                provisioned_concurrency=v.provisioned_concurrency,
                initial_weight=v.initial_weight,
            )
            for v in config.serverless_variants
        ]
        self.endpoint_config = EndpointConfig(self, "EndpointConfig", variants=variants)
        self.endpoint = Endpoint(self, "Endpoint", endpoint_config=self.endpoint_config)
        self.autoscaling = [
            self.endpoint.autoscale(
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
        for key, value in config.tags.items():
            cdk.Tags.of(self).add(key, value)
        cdk.CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)
        cdk.CfnOutput(self, "EndpointArn", value=self.endpoint.endpoint_arn)


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
