"""Typed per-environment configuration, read from ``stacks/environments.toml`` (or ``$SERVING_CONFIG``).

Data flows one way: this package → ``stacks/serving_stack.py`` → ``sagemaker_serving`` constructs.

**Where each concern is.** Import every name from ``stacks.config``; the package's modules are:

- :mod:`~stacks.config.loading`: :func:`load`, :func:`parse`, :func:`config_path`, ``CONFIG_FILE``;
- :mod:`~stacks.config.structuring`: the cattrs converter (strict hooks) and its errors in the file's words;
- :mod:`~stacks.config.errors`: :class:`ConfigError` and "did you mean";
- :mod:`~stacks.config.values`: ``Seconds``, ``Days``, ``Routing`` and the constructs' value objects, lazily;
- :mod:`~stacks.config.environment`: :class:`EnvironmentConfig` (and its ``network``), :class:`AppConfig`,
  and the rules of an environment, gathered from the modules below;
- :mod:`~stacks.config.models`: models, instance and serverless variants, their autoscaling, the shadow variant;
- :mod:`~stacks.config.front_door`: the ``front_door`` table;
- :mod:`~stacks.config.operations`: ``monitoring``, ``data_capture`` and the ``deployment`` table's rules;
- :mod:`~stacks.config.inference`: ``async_inference``, ``instance_pool``/``inference_components``, ``batch_jobs``.

**Parsing.** cattrs structures the TOML into the frozen dataclasses of the modules above, and straight into the
constructs' own value objects where one exists (``ScheduledCapacity`` for ``schedules``,
``WafOptions`` for ``front_door.waf``; imported only when a table uses them). Strict: no coercion
(``"2"`` is not an int), no unknown key. Every problem of the whole file is reported at once by
:class:`ConfigError`, each naming the environment, the key path as written in the file, the bad
value and what is allowed, with "did you mean" for misspelt keys. This package checks only what
belongs to the file: keys, types, choices, the image spec's form, references between tables (a
variant's model) and combinations of options; value ranges are the constructs' rules, reported by
:class:`~stacks.serving_stack.ServingStack` with the same key paths.

**Why cattrs** (measured 2026-11-30 with ``bench/config_libraries.py`` on this 2-core machine,
Python 3.11, two sessions of 21 and 15 fresh processes while other jobs kept the load average near
6, so absolute times are high; medians, ranges over the two sessions):

- import cost in the app: cattrs **0 ms** (``import aws_cdk`` has already imported it: jsii depends on
  it), pydantic **270-405 ms** (``-X importtime`` of what it adds once aws_cdk is imported);
- this package's import and the first ``load()`` of the reference file, after aws_cdk and the
  constructs' value objects are imported: cattrs **68-83 ms**, a pydantic prototype of the same
  classes **267-319 ms** (a bare ``tomllib`` read: 2 ms);
- a further ``load()`` in the same process: cattrs 1.0 ms, pydantic 0.8 ms (best of 200): noise;
- strictness: pydantic's strict mode accepts only *instances* of a dataclass it does not own, so
  ``ScheduledCapacity``/``WafOptions`` from a table need lax mode there, where ``"4"`` becomes 4;
  cattrs structures into them with the same strict hooks as everything else;
- pydantic's JSON Schema (editor completion through the ``#:schema`` line, Even Better TOML /
  taplo) does not need pydantic at synth time: ``tests/support/config_schema.py`` generates it from
  these dataclasses with pydantic's ``TypeAdapter`` (a development dependency), and a test keeps the
  committed ``stacks/environments.schema.json`` current. The schema earns its place; pydantic's
  import cost at every synth does not.

**Each default stated once.** A setting the file leaves out is ``None`` here and is not passed to
the construct, whose documented default applies. Settings that stay in this package, and why:
``environment``/``tags``/``*_variants`` (empty means none), ``network.vpc`` (whether the stack
builds a ``ServingNetwork`` at all), ``network.network_isolation`` (the app's own policy: on for
instance variants, see docs/security.md), ``models.<m>.network_isolation`` (forces it for one
model), and the ``front_door`` table's scalar values: their defaults are read from the constructs'
own (``sagemaker_serving.front_door.defaults`` and the function's ``contract.py``, both free of aws_cdk
imports), so each is stated once; ``waf`` and ``usage_plan`` are the constructs' ``WafOptions`` and
``UsagePlanOptions``.
"""

from __future__ import annotations

from stacks.config.environment import STACK_PREFIX, AppConfig, EnvironmentConfig, NetworkConfig
from stacks.config.errors import ConfigError
from stacks.config.front_door import LAMBDA_ONLY_FRONT_DOOR_KEYS, FrontDoorConfig, LogRetentionDays
from stacks.config.inference import (
    AsyncConfig,
    BatchJobConfig,
    ComponentAutoscalingConfig,
    DynamoDbLoadingConfig,
    InferenceComponentConfig,
    InstancePoolConfig,
    RollingUpdateConfig,
)
from stacks.config.loading import CONFIG_ENV_VAR, CONFIG_FILE, config_path, load, parse
from stacks.config.models import (
    ASYNC_AUTOSCALING_KEYS,
    REAL_TIME_AUTOSCALING_KEYS,
    AutoscalingConfig,
    InstanceVariantConfig,
    ModelConfig,
    ProvisionedConcurrencyAutoscalingConfig,
    ServerlessVariantConfig,
    ShadowVariantConfig,
)
from stacks.config.operations import DataCaptureConfig, MonitoringConfig, SubscriptionConfig
from stacks.config.values import Days, Routing, Seconds
from stacks.deployment_config import DeploymentConfig

__all__ = [
    "ASYNC_AUTOSCALING_KEYS",
    "CONFIG_ENV_VAR",
    "CONFIG_FILE",
    "LAMBDA_ONLY_FRONT_DOOR_KEYS",
    "REAL_TIME_AUTOSCALING_KEYS",
    "STACK_PREFIX",
    "AppConfig",
    "AsyncConfig",
    "AutoscalingConfig",
    "BatchJobConfig",
    "ComponentAutoscalingConfig",
    "ConfigError",
    "DataCaptureConfig",
    "Days",
    "DeploymentConfig",
    "DynamoDbLoadingConfig",
    "EnvironmentConfig",
    "FrontDoorConfig",
    "InferenceComponentConfig",
    "InstancePoolConfig",
    "InstanceVariantConfig",
    "LogRetentionDays",
    "ModelConfig",
    "MonitoringConfig",
    "NetworkConfig",
    "ProvisionedConcurrencyAutoscalingConfig",
    "RollingUpdateConfig",
    "Routing",
    "Seconds",
    "ServerlessVariantConfig",
    "ShadowVariantConfig",
    "SubscriptionConfig",
    "config_path",
    "load",
    "parse",
]
