"""One stack per environment: model(s), endpoint config, endpoint, autoscaling and the REST front door.

The stack only composes: it turns an :class:`EnvironmentConfig` into construct props (only the
settings the file gives; the constructs' defaults for the rest) and reports the constructs'
problems with the file's key paths (``front_door.memory_size_mb``, ``network.max_azs``, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from constructs import Construct

from sagemaker_serving import FrontDoor, IamAuth, LambdaIntegration, Model
from sagemaker_serving.front_door import DEFAULT_ALLOWED_CONTENT_TYPES, DEFAULT_BINARY_MEDIA_TYPES
from sagemaker_serving.front_door.access_log import log_retention
from stacks.config import ConfigError, EnvironmentConfig, FrontDoorConfig, ModelConfig
from stacks.guardrails import construct_keys
from stacks.serving_batch import compose_batch
from stacks.serving_endpoint import Problems, compose_endpoint, given, prefixed

if TYPE_CHECKING:  # imported when an environment uses them: each aws_cdk module costs synth time
    from aws_cdk import aws_ec2 as ec2

    from sagemaker_serving import FrontDoorAuth, FrontDoorIntegration, ServingNetwork


#: ``FrontDoor`` props (and parts of their messages) → the ``front_door`` table's keys.
FRONT_DOOR_KEYS = {
    "integration.memory_size": "memory_size_mb",
    "integration.reserved_concurrent_executions": "reserved_concurrency",
    "integration.sagemaker_connect_timeout": "sagemaker_connect_timeout_seconds",
    "integration.sagemaker_read_timeout": "sagemaker_read_timeout_seconds",
    "integration.sagemaker timeouts": (
        "sagemaker_max_attempts × (sagemaker_connect_timeout_seconds + sagemaker_read_timeout_seconds)"
    ),
    "integration.": "",
    "log_retention": "log_retention_days",
    "auth.usage_plan": "usage_plan",
    "auth.authorization_scopes": "cognito_scopes",
    "inference_components": "integration",
}


class ServingStack(cdk.Stack):
    """Everything one environment needs to serve its models.

    Attributes: ``models`` (by config key), ``endpoint_config``, ``endpoint``, ``autoscaling``,
    ``front_door``, ``network`` (a :class:`ServingNetwork` when ``network.vpc`` is on, else ``None``),
    ``batch`` (one :class:`~sagemaker_serving.BatchPredictions` per batch job),
    ``monitoring`` (a ``ServingMonitoring`` unless ``monitoring.enabled = false``; its
    ``rollback_alarms`` are what a deployment's automatic rollback names).
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
        :raises ConfigError: every problem the constructs found, named by the file's keys and prefixed
            with the environment.
        """
        # Stack-level tags (CloudFormation applies them to the stack and every resource it creates) are
        # given explicitly: under @aws-cdk/core:explicitStackTags (cdk.json), Tags.of(stack) below tags
        # only the template's resources. Tags given by the caller win.
        kwargs["tags"] = {**config.tags, **(kwargs.get("tags") or {})}
        super().__init__(scope, construct_id, **kwargs)
        try:
            self._build(config, models)
        except ConfigError as exc:
            raise ConfigError([f"environment {config.name!r}: {p}" for p in exc.problems]) from None

    def _build(self, config: EnvironmentConfig, models: dict[str, ModelConfig]) -> None:
        net = config.network
        problems = Problems()
        self.network: ServingNetwork | None = None
        if net.vpc:
            from sagemaker_serving import ServingNetwork

            with problems.at(prefixed("network.")):
                # vpc and network_isolation are the stack's; the rest are ServingNetwork props.
                self.network = ServingNetwork(self, "Network", **given(net, leave_out=("vpc", "network_isolation")))
            problems.check()
        parts = compose_endpoint(self, config, models, network=self.network, problems=problems)
        self.models: dict[str, Model] = parts.models
        self.endpoint_config = parts.endpoint_config
        self.endpoint = parts.endpoint
        self.autoscaling = parts.autoscaling
        #: The inference components by name (``instance_pool`` environments), and their autoscaling.
        self.inference_components = parts.inference_components
        self.component_autoscaling = parts.component_autoscaling
        with problems.at(prefixed("front_door.", FRONT_DOOR_KEYS)):
            self.front_door = self._front_door(config.front_door)
        problems.check()
        from stacks.operations import monitoring

        with problems.at(prefixed("monitoring.")):
            self.monitoring = monitoring(
                self,
                config.monitoring,
                endpoint=self.endpoint,
                front_door=self.front_door,
                autoscaling=self.autoscaling,
            )
        problems.check()
        deployment = config.deployment
        if deployment is not None and deployment.rollback_alarms and self.monitoring is not None:
            # The monitoring's per-variant 5XX and ModelLatency p99 alarms roll an update back (docs/rollouts.md).
            with problems.at(construct_keys(config)):
                self.endpoint.add_rollback_alarms(*self.monitoring.rollback_alarms)
            problems.check()
        for key, value in config.tags.items():
            cdk.Tags.of(self).add(key, value)
        cdk.CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)
        cdk.CfnOutput(self, "EndpointArn", value=self.endpoint.endpoint_arn)
        cdk.CfnOutput(self, "FrontDoorUrl", value=self.front_door.url, description="Base URL of the REST front door")
        if self.front_door.api_key is not None:
            cdk.CfnOutput(
                self,
                "FrontDoorApiKeyId",
                value=self.front_door.api_key.key_id,
                description="aws apigateway get-api-key --include-value --api-key <id> shows the key",
            )
        # Batch predictions (none unless the environment lists batch_jobs): added last, so nothing above moves.
        self.batch = compose_batch(self, config, models, self.models, network=self.network, problems=problems)
        problems.check()

    def _front_door(self, fd: FrontDoorConfig) -> FrontDoor:
        waf = None
        if fd.waf:
            from sagemaker_serving import WafOptions

            waf = WafOptions(
                rate_limit_per_5_minutes=fd.waf.rate_limit_per_5_minutes, block_large_bodies=fd.waf.block_large_bodies
            )
        integration = self._front_door_integration(fd)
        return FrontDoor(
            self,
            "FrontDoor",
            endpoint=self.endpoint,
            integration=integration,
            auth=self._front_door_auth(fd),
            stage_name=fd.stage_name,
            throttling_rate_limit=fd.throttling_rate_limit,
            throttling_burst_limit=fd.throttling_burst_limit,
            binary_media_types=(
                fd.binary_media_types if fd.binary_media_types is not None else DEFAULT_BINARY_MEDIA_TYPES
            ),
            log_retention=log_retention(fd.log_retention_days),
            execution_log_level=getattr(apigateway.MethodLoggingLevel, fd.execution_log_level),
            cloud_watch_role=fd.cloud_watch_role,
            cors_allowed_origins=fd.cors_allowed_origins,
            waf=waf,
            private_endpoint=self._private_endpoint(fd),
        )

    def _front_door_integration(self, fd: FrontDoorConfig) -> FrontDoorIntegration:
        if fd.integration == "direct":
            from sagemaker_serving import DirectIntegration

            return DirectIntegration()
        # The front-door Lambda runs in the models' VPC when the environment has one.
        network = self.network
        return LambdaIntegration(
            allowed_content_types=(
                fd.allowed_content_types if fd.allowed_content_types is not None else DEFAULT_ALLOWED_CONTENT_TYPES
            ),
            max_body_bytes=fd.max_body_bytes,
            sagemaker_connect_timeout=cdk.Duration.millis(round(fd.sagemaker_connect_timeout_seconds * 1000)),
            sagemaker_read_timeout=cdk.Duration.millis(round(fd.sagemaker_read_timeout_seconds * 1000)),
            sagemaker_max_attempts=fd.sagemaker_max_attempts,
            memory_size=fd.memory_size_mb,
            reserved_concurrent_executions=fd.reserved_concurrency,
            powertools_layer_arn=fd.powertools_layer_arn,
            log_level=fd.log_level,  # type: ignore[arg-type]  # checked by config
            vpc=network.vpc if network is not None else None,
            vpc_subnets=network.subnet_selection if network is not None else None,
            security_groups=(
                [
                    network.add_client_security_group(
                        "FrontDoorSecurityGroup", description="Front-door Lambda: outbound HTTPS to VPC endpoints only"
                    )
                ]
                if network is not None
                else None
            ),
        )

    def _private_endpoint(self, fd: FrontDoorConfig) -> ec2.IInterfaceVpcEndpoint | None:
        if not fd.private:
            return None
        assert self.network is not None, "the config allows front_door.private only with network.vpc"
        return self.network.add_api_gateway_endpoint()

    def _front_door_auth(self, fd: FrontDoorConfig) -> FrontDoorAuth:
        # Each auth module is imported only when the environment uses it (aws_cognito costs synth time).
        if fd.auth == "api_key":
            from sagemaker_serving import ApiKeyAuth

            return ApiKeyAuth(usage_plan=fd.usage_plan) if fd.usage_plan else ApiKeyAuth()
        if fd.auth == "cognito":
            from aws_cdk import aws_cognito as cognito

            from sagemaker_serving import CognitoAuth

            pool = None
            if fd.cognito_user_pool_id:
                pool = cognito.UserPool.from_user_pool_id(self, "FrontDoorUserPool", fd.cognito_user_pool_id)
            return CognitoAuth(user_pool=pool, authorization_scopes=fd.cognito_scopes, usage_plan=fd.usage_plan)
        if fd.auth == "none":
            from sagemaker_serving import NoAuth

            return NoAuth(acknowledge_unauthenticated=fd.acknowledge_unauthenticated)
        return IamAuth(usage_plan=fd.usage_plan)
