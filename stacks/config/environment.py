"""An environment (one stack) and the whole file: ``EnvironmentConfig``, its ``network`` table,
``AppConfig``, and the rules of the file about an environment, gathered from each concern's module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacks.config.errors import ConfigError, _hint
from stacks.config.front_door import FrontDoorConfig, _front_door_problems
from stacks.config.inference import (
    AsyncConfig,
    BatchJobConfig,
    InferenceComponentConfig,
    InstancePoolConfig,
    _batch_job_problems,
    _component_problems,
    _pool_combination_problems,
)
from stacks.config.models import (
    InstanceVariantConfig,
    ModelConfig,
    ServerlessVariantConfig,
    ShadowVariantConfig,
    _autoscaling_kind_problems,
    _variant_model_problems,
)
from stacks.config.operations import DataCaptureConfig, MonitoringConfig, _deployment_problems, _monitoring_problems
from stacks.deployment_config import DeploymentConfig
from stacks.regions import REGIONS

STACK_PREFIX = "ModelServing"


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """Network options of one environment (``sagemaker_serving.ServingNetwork``).

    Both options need instance variants: SageMaker Serverless Inference supports neither.
    """

    #: Run the models and the front-door function in a new VPC: private isolated subnets, VPC
    #: endpoints (billed per hour), no NAT gateway.
    vpc: bool = False
    #: Forbid every model container any network access (``EnableNetworkIsolation``). Default: on with
    #: instance variants (set when the file is read), off with serverless variants (which cannot).
    network_isolation: bool = False
    #: Availability Zones of the VPC's subnets. Default: the construct's.
    max_azs: int | None = None
    #: The VPC's IPv4 block. Default: the construct's.
    cidr: str | None = None


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that differs between environments."""

    #: Environment name: the table name, e.g. ``prod`` (not a key of the table).
    name: str
    #: AWS account to deploy to. Default: environment-agnostic.
    account: str | None = None
    #: AWS region to deploy to. Default: environment-agnostic.
    region: str | None = None
    #: Instance variants (or ``serverless_variants``, or ``instance_pool``; exactly one of the three).
    instance_variants: tuple[InstanceVariantConfig, ...] = ()
    serverless_variants: tuple[ServerlessVariantConfig, ...] = ()
    #: A shadow variant next to the one instance variant. Default: none.
    shadow_variant: ShadowVariantConfig | None = None
    #: Instances shared by ``inference_components`` (many models on one endpoint).
    instance_pool: InstancePoolConfig | None = None
    inference_components: tuple[InferenceComponentConfig, ...] = ()
    #: Tags on every resource of the stack.
    tags: dict[str, str] = field(default_factory=dict)
    #: The REST front door. Default: Lambda integration with IAM auth.
    front_door: FrontDoorConfig = field(default_factory=FrontDoorConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    #: Deployment guardrails of the endpoint's updates (stacks/deployment_config.py). Default: none.
    deployment: DeploymentConfig | None = None
    #: Scheduled batch predictions (``[[environments.<env>.batch_jobs]]``). Default: none.
    batch_jobs: tuple[BatchJobConfig, ...] = ()
    #: Serve asynchronous invocations only (``[environments.<env>.async_inference]``; instance or serverless
    #: variants, not an ``instance_pool``). Default: real-time.
    async_inference: AsyncConfig | None = None
    #: Alarms, notifications and a dashboard. Default: on, with the construct's thresholds.
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    #: Data capture for retraining. Default: off.
    data_capture: DataCaptureConfig | None = None

    @property
    def stack_name(self) -> str:
        """``ModelServing-<name>``."""
        return f"{STACK_PREFIX}-{self.name}"

    @property
    def model_keys(self) -> tuple[str, ...]:
        """Every key of ``[models]`` the environment serves (variants, shadow variant, components), once, in order."""
        keys = [v.model for v in self.instance_variants] + [v.model for v in self.serverless_variants]
        keys += [self.shadow_variant.model] if self.shadow_variant is not None else []
        keys += [c.model for c in self.inference_components]
        return tuple(dict.fromkeys(keys))

    @property
    def variants_key(self) -> str:
        """``instance_variants`` or ``serverless_variants``: the table the variants come from."""
        return "serverless_variants" if self.serverless_variants else "instance_variants"


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """The whole file: shared models and one entry per environment."""

    models: dict[str, ModelConfig]
    environments: dict[str, EnvironmentConfig]
    #: The file it was read from (for messages; not part of the configuration's value).
    source: Path | None = field(default=None, compare=False)

    def environment(self, name: str) -> EnvironmentConfig:
        """One environment by name; a :class:`ConfigError` listing the known names otherwise."""
        if name not in self.environments:
            known = ", ".join(sorted(self.environments))
            raise ConfigError([f"environment {name!r} is unknown; known environments: {known}"], source=self.source)
        return self.environments[name]


_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def _environment_problems(env: EnvironmentConfig, model_keys: set[str], given: Any) -> list[str]:
    """``model_keys``: every model of the file, valid or not (a bad model is reported once, as a model).

    Serverless variants with a VPC or isolation are ``ServerlessVariant``'s rule, reported by the stack.
    """
    problems = []
    if not _ENV_NAME.match(env.name):
        problems.append(f"name {env.name!r} is not allowed; use letters, digits and hyphens, starting with a letter")
    if env.instance_pool is None and bool(env.instance_variants) == bool(env.serverless_variants):
        problems.append("set exactly one of instance_variants or serverless_variants")
    problems += _component_problems(env, model_keys)
    problems += _pool_combination_problems(env)
    problems += _variant_model_problems(env, model_keys)
    if env.account is not None and not (env.account.isdigit() and len(env.account) == 12):
        problems.append(f"account: {env.account!r} is not allowed; expected a 12-digit account ID")
    if env.region is not None and env.region not in REGIONS:
        problems.append(
            f"region: {env.region!r} is not a known AWS region; {_hint(env.region, REGIONS)}"
            "stacks/regions.py lists them"
        )
    problems += _batch_job_problems(env.batch_jobs, model_keys)
    problems += _front_door_problems(env.front_door, given if isinstance(given, dict) else {})
    problems += _deployment_problems(env)
    problems += _autoscaling_kind_problems(env)
    problems += _monitoring_problems(env.monitoring)
    if env.front_door.private and not env.network.vpc:
        problems.append(
            "front_door.private: true is not allowed without network.vpc = true; a private API is "
            "reached through an execute-api VPC endpoint in the environment's VPC: set network.vpc = true "
            "or front_door.private = false"
        )
    return problems
