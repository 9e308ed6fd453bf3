"""Typed per-environment configuration, read from ``stacks/environments.toml`` (or ``$SERVING_CONFIG``).

Data flows one way: this module → ``stacks/serving_stack.py`` → ``sagemaker_serving`` constructs.

**Parsing.** cattrs structures the TOML into the frozen dataclasses below, and straight into the
constructs' own value objects where one exists (``ScheduledCapacity`` for ``schedules``,
``WafOptions`` for ``front_door.waf``; imported only when a table uses them). Strict: no coercion
(``"2"`` is not an int), no unknown key. Every problem of the whole file is reported at once by
:class:`ConfigError`, each naming the environment, the key path as written in the file, the bad
value and what is allowed, with "did you mean" for misspelt keys. This module checks only what
belongs to the file: keys, types, choices, the image spec's form, references between tables (a
variant's model) and combinations of options; value ranges are the constructs' rules, reported by
:class:`~stacks.serving_stack.ServingStack` with the same key paths.

**Why cattrs** (measured 2026-11-30 with ``bench/config_libraries.py`` on this 2-core machine,
Python 3.11, two sessions of 21 and 15 fresh processes while other jobs kept the load average near
6, so absolute times are high; medians, ranges over the two sessions):

- import cost in the app: cattrs **0 ms** (``import aws_cdk`` has already imported it: jsii depends on
  it), pydantic **270-405 ms** (``-X importtime`` of what it adds once aws_cdk is imported);
- this module's import and the first ``load()`` of the reference file, after aws_cdk and the
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
the construct, whose documented default applies. Settings that stay in this module, and why:
``environment``/``tags``/``*_variants`` (empty means none), ``network.vpc`` (whether the stack
builds a ``ServingNetwork`` at all), ``network.network_isolation`` (the app's own policy: on for
instance variants, see docs/security.md), ``models.<m>.network_isolation`` (forces it for one
model), and the ``front_door`` table's scalar values: their defaults are read from the constructs'
own (``sagemaker_serving.front_door.defaults`` and the function's ``contract.py``, both free of aws_cdk
imports), so each is stated once; ``waf`` and ``usage_plan`` are the constructs' ``WafOptions`` and
``UsagePlanOptions``.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NewType, TypeVar, get_args, get_origin

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, mapping_structure_factory
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn

from sagemaker_serving.front_door import defaults as fd_defaults
from sagemaker_serving.runtime_assets import front_door_contract
from stacks.deployment_config import DeploymentConfig, deployment_problems
from stacks.regions import REGIONS

if TYPE_CHECKING:
    from sagemaker_serving import AlarmThresholds, ScheduledCapacity, TransformOptions, UsagePlanOptions, WafOptions

#: The reference configuration; ``$SERVING_CONFIG`` names another file. Relative ``artifact``
#: folders are always relative to ``stacks/`` (this file's folder), wherever the file is.
#: The front door's defaults come from the constructs (pure modules: no aws_cdk import here).
_contract = front_door_contract()

CONFIG_FILE = Path(__file__).with_name("environments.toml")
CONFIG_ENV_VAR = "SERVING_CONFIG"
STACK_PREFIX = "ModelServing"

T = TypeVar("T")


class ConfigError(ValueError):
    """Invalid configuration; the message lists every problem with its environment and key."""

    def __init__(self, problems: list[str], *, source: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" ({_display(source)})" if source else ""
        super().__init__(f"Invalid configuration{where}:\n" + "\n".join(f"  - {p}" for p in problems))


# ---------------------------------------------------------------------------------------------
# The file's shape. ``None`` means "the construct's default" (see the module docstring).
# ---------------------------------------------------------------------------------------------
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


#: A duration in seconds (a number ≥ 0); the stack turns it into a ``cdk.Duration``.
Seconds = NewType("Seconds", float)
#: A duration in whole days (an integer ≥ 0); the stack turns it into a ``cdk.Duration``.
Days = NewType("Days", int)
#: ``sagemaker_serving.RequestRouting``: each request to an instance with more capacity, or to a random one.
Routing = Literal["least_outstanding_requests", "random"]


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


@dataclass(frozen=True, kw_only=True)
class AsyncConfig:
    """Asynchronous inference of one environment (``sagemaker_serving.AsyncInferenceConfig``): its endpoint takes
    ``InvokeEndpointAsync`` only, its front door ``POST /async-invocations`` and ``GET /async-invocations/{id}``,
    and its variants' ``autoscaling`` tables scale on the request backlog, down to ``min_capacity = 0``.

    A new secure bucket (KMS, TLS-only, no public access, lifecycle expiry) and encrypted success and error
    topics are created. Ranges are the construct's.
    """

    #: Requests SageMaker sends each instance at once (1-1000). Default: SageMaker's choice.
    max_concurrent_invocations_per_instance: int | None = None
    #: ``InvocationTimeoutSeconds`` of each request (1-3600). Default: the construct's (900).
    invocation_timeout_seconds: Seconds | None = None
    #: ``RequestTTLSeconds``: how long a request may wait in the queue (60-21600). Default: the construct's (21600).
    request_ttl_seconds: Seconds | None = None
    #: Days requests, results and failures are kept in the bucket. Default: the construct's (7).
    expiration_days: Days | None = None


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


@dataclass(frozen=True, kw_only=True)
class InstancePoolConfig:
    """The instances an environment's inference components share (``sagemaker_serving.InstancePool``)."""

    instance_type: str
    #: The pool's variant name. Default: the construct's (``pool``).
    name: str | None = None
    initial_instance_count: int | None = None
    #: Managed instance scaling (both or neither): fewest instances, 0 to release them all once every
    #: component has scaled to zero.
    min_instance_count: int | None = None
    max_instance_count: int | None = None
    #: Default: the construct's (least outstanding requests).
    routing: Routing | None = None
    volume_size_gb: int | None = None


@dataclass(frozen=True, kw_only=True)
class ComponentAutoscalingConfig:
    """Autoscaling of one component's copies (``sagemaker_serving.ComponentAutoscaling``); ``min_copies = 0``
    scales it to zero (the first request then waits minutes: docs/inference_components.md)."""

    min_copies: int
    max_copies: int
    #: Target tracking on invocations per copy per minute (default: the construct's, 100) ...
    target_invocations_per_copy: float | None = None
    #: ... or on concurrent requests per copy (not both).
    target_concurrent_requests_per_copy: float | None = None
    scale_in_cooldown_seconds: Seconds | None = None
    scale_out_cooldown_seconds: Seconds | None = None
    #: Cooldown of the step policy that brings the first copy back. Default: the construct's (300 s).
    wake_cooldown_seconds: Seconds | None = None
    #: Copy counts (0 allowed) on a schedule.
    schedules: tuple[ScheduledCapacity, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class RollingUpdateConfig:
    """How a component's updates roll out (``sagemaker_serving.ComponentRollingUpdate``): batches of copies or of a
    percentage (one of the two; default the construct's, 50 %), rolled back when a named alarm fires."""

    maximum_batch_copies: int | None = None
    maximum_batch_percent: int | None = None
    wait_interval_seconds: Seconds | None = None
    maximum_execution_timeout_seconds: Seconds | None = None
    rollback_maximum_batch_copies: int | None = None
    rollback_maximum_batch_percent: int | None = None
    #: Names of existing CloudWatch alarms of the environment's account and region (1-10).
    rollback_alarms: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InferenceComponentConfig:
    """One model on the environment's instance pool (``sagemaker_serving.InferenceComponent``)."""

    #: How callers name it: ``POST /models/<name>/invocations``.
    name: str
    #: A key of ``[models]``.
    model: str
    #: Memory one copy reserves, in MB.
    min_memory_mb: int
    cpu_cores: float | None = None
    max_memory_mb: int | None = None
    #: GPUs one copy reserves.
    accelerators: int | None = None
    #: Copies at creation. Default: the construct's (1).
    copy_count: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    autoscaling: ComponentAutoscalingConfig | None = None
    rolling_update: RollingUpdateConfig | None = None


#: The retention periods CloudWatch Logs accepts, in days.
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]


@dataclass(frozen=True, kw_only=True)
class FrontDoorConfig:
    """The environment's REST front door (``sagemaker_serving.FrontDoor``).

    Without a ``[environments.<env>.front_door]`` table an environment gets a Lambda integration
    and IAM (SigV4) auth. Ranges (throttling, timeouts, sizes) are checked by the construct.
    """

    #: ``lambda`` or ``direct`` (API Gateway calls the SageMaker runtime itself).
    integration: Literal["lambda", "direct"] = "lambda"
    auth: Literal["iam", "api_key", "cognito", "none"] = "iam"
    #: Must be ``true`` for ``auth = "none"``: an API anyone can call, on purpose.
    acknowledge_unauthenticated: bool = False
    #: A usage plan (per-key throttle and quota; callers then also send an API key), with ``iam``,
    #: ``cognito`` or ``api_key`` auth: a ``sagemaker_serving.UsagePlanOptions``. ``api_key`` always has
    #: one (the construct's defaults when this table is absent: 10 rps, burst 20, 10 000/day).
    usage_plan: UsagePlanOptions | None = None
    #: ``auth = "cognito"``: an existing user pool's ID. Default: a new pool.
    cognito_user_pool_id: str | None = None
    #: ``auth = "cognito"``: OAuth scopes required on access tokens.
    cognito_scopes: tuple[str, ...] = ()
    stage_name: str = fd_defaults.STAGE_NAME
    throttling_rate_limit: float = fd_defaults.THROTTLING_RATE_LIMIT
    throttling_burst_limit: int = fd_defaults.THROTTLING_BURST_LIMIT
    #: Origins allowed by CORS; none means no CORS.
    cors_allowed_origins: tuple[str, ...] = ()
    #: A WAF web ACL on the stage. Default: none.
    waf: WafOptions | None = None
    #: A private API, reachable only through an ``execute-api`` VPC endpoint the stack adds to the
    #: environment's VPC (needs ``network.vpc = true``). Default: a regional API.
    private: bool = False
    #: Default: the construct's (``image/*``, ``application/octet-stream``, ``application/x-npy``).
    binary_media_types: tuple[str, ...] | None = None
    #: Default: the construct's (JSON, CSV, NPY, octet-stream, JPEG, PNG).
    allowed_content_types: tuple[str, ...] | None = None
    #: Default: the construct's (4 521 984 bytes; 4 MiB for a serverless endpoint). Lambda mode only.
    max_body_bytes: int | None = None
    sagemaker_connect_timeout_seconds: Seconds = Seconds(_contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS / 1000)
    sagemaker_read_timeout_seconds: Seconds = Seconds(_contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS / 1000)
    sagemaker_max_attempts: int = _contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS
    memory_size_mb: int = fd_defaults.MEMORY_SIZE_MB
    #: Lambda reserved concurrency. Default: none (shares the account pool).
    reserved_concurrency: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _contract.DEFAULT_LOG_LEVEL  # type: ignore[assignment]
    #: API Gateway execution logging (never data trace).
    execution_log_level: Literal["OFF", "ERROR", "INFO"] = fd_defaults.EXECUTION_LOG_LEVEL
    #: Create and set the account's API Gateway CloudWatch role (account-and-region-wide).
    cloud_watch_role: bool = fd_defaults.CLOUD_WATCH_ROLE
    log_retention_days: LogRetentionDays = fd_defaults.LOG_RETENTION_DAYS
    #: Override the AWS-published Powertools layer ARN.
    powertools_layer_arn: str | None = None


#: FrontDoorConfig keys that configure the Lambda function only (refused with ``integration = "direct"``).
LAMBDA_ONLY_FRONT_DOOR_KEYS = (
    "allowed_content_types",
    "max_body_bytes",
    "sagemaker_connect_timeout_seconds",
    "sagemaker_read_timeout_seconds",
    "sagemaker_max_attempts",
    "memory_size_mb",
    "reserved_concurrency",
    "log_level",
    "powertools_layer_arn",
)


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
class DynamoDbLoadingConfig:
    """Load each run's predictions into DynamoDB (``sagemaker_serving.DynamoDbLoading``)."""

    #: The field of each output record holding its key.
    partition_key_field: str
    max_concurrency: int | None = None


@dataclass(frozen=True, kw_only=True)
class BatchJobConfig:
    """Scheduled batch predictions of one model (``sagemaker_serving.BatchPredictions``)."""

    #: Unique per environment: letters, digits and hyphens (the construct is ``Batch<Name>``).
    name: str
    #: A key of ``[models]``.
    model: str
    instance_type: str | None = None
    instance_count: int | None = None
    #: ``false``: no schedule (then ``run_on_new_input`` must be on). Default: the construct's schedule.
    scheduled: bool = True
    #: EventBridge Scheduler expression. Default: the construct's (02:00 daily).
    schedule: str | None = None
    time_zone: str | None = None
    run_on_new_input: bool | None = None
    input_prefix: str | None = None
    output_prefix: str | None = None
    job_name_prefix: str | None = None
    timeout_seconds: Seconds | None = None
    api_retries: int | None = None
    job_retries: int | None = None
    #: How records are split, batched and assembled: a ``sagemaker_serving.TransformOptions``.
    transform: TransformOptions | None = None
    #: Load the predictions into a new DynamoDB table. Default: none.
    dynamodb: DynamoDbLoadingConfig | None = None


@dataclass(frozen=True, kw_only=True)
class SubscriptionConfig:
    """One subscription to the environment's alarm topic (``aws_sns_subscriptions``)."""

    #: ``email``, ``email-json``, ``https``, ``http``, ``sms``, ``sqs`` (a queue ARN) or ``lambda`` (a function ARN).
    protocol: Literal["email", "email-json", "https", "http", "sms", "sqs", "lambda"]
    #: The address, URL, phone number (E.164) or ARN.
    endpoint: str


@dataclass(frozen=True, kw_only=True)
class MonitoringConfig:
    """Alarms, their SNS topic and a dashboard (``sagemaker_serving.ServingMonitoring``). On by default."""

    #: Create the monitoring. Default on: about $2-3 a month of alarms for prod (docs/monitoring.md).
    enabled: bool = True
    #: Email addresses subscribed to the alarm topic (each confirms by email).
    notification_emails: tuple[str, ...] = ()
    #: Other subscriptions: ``{ protocol = "https", endpoint = "https://..." }``.
    subscriptions: tuple[SubscriptionConfig, ...] = ()
    #: Alarm thresholds: a ``sagemaker_serving.AlarmThresholds`` (its defaults for the keys left out).
    thresholds: AlarmThresholds | None = None
    #: Create the CloudWatch dashboard (3 dashboards per account are free, then $3 a month each).
    dashboard: bool = True


@dataclass(frozen=True, kw_only=True)
class DataCaptureConfig:
    """Capture of requests and answers for retraining (``sagemaker_serving.DataCapture`` into a new
    ``CaptureBucket``). Instance variants only. A key left out takes the construct's default."""

    sampling_percentage: int | None = None
    capture_request: bool | None = None
    capture_response: bool | None = None
    json_content_types: tuple[str, ...] | None = None
    csv_content_types: tuple[str, ...] | None = None
    #: Key prefix in the bucket. Default ``data-capture/<stack>/EndpointConfig``.
    prefix: str | None = None
    #: Days captured objects are kept. Default: the construct's (365).
    retention_days: int | None = None
    #: Days before objects move to Standard-IA (at least 30). Default: the construct's (30).
    transition_after_days: int | None = None
    #: Empty and delete the capture buckets with the stack: for development environments only.
    destroy_on_delete: bool | None = None


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


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def config_path() -> Path:
    """The configuration file to read: ``$SERVING_CONFIG`` if set, else ``stacks/environments.toml``."""
    return Path(os.environ.get(CONFIG_ENV_VAR) or CONFIG_FILE)


def load(path: Path | None = None) -> AppConfig:
    """Read and validate the configuration file (default: :func:`config_path`)."""
    path = path or config_path()
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            [f"{_display(path)}: no such file; create it or point {CONFIG_ENV_VAR} at one"], source=path
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=path) from None
    return parse(raw, source=path)


def parse(raw: Mapping[str, Any], *, source: Path | None = None) -> AppConfig:
    """Validate a configuration mapping (as read from TOML) into typed objects, or raise every problem."""
    problems: list[str] = []
    top = _structure(_File, raw, (), problems)
    models: dict[str, ModelConfig] = {}
    for key, value in (top.models if top else {}).items():
        model = _structure(ModelConfig, value, ("models", key), problems)
        if model is not None:
            problems += _model_problems(key, model)
            models[key] = model
    envs: dict[str, EnvironmentConfig] = {}
    for name, value in (top.environments if top else {}).items():
        if isinstance(value, dict) and "name" in value:
            problems.append(f"environment {name!r}: name: is not a known key; the table's name is the environment's")
            value = {k: v for k, v in value.items() if k != "name"}
        env = _structure(EnvironmentConfig, _with_defaults(name, value), ("environments", name), problems)
        if env is not None:
            given = value.get("front_door", {}) if isinstance(value, dict) else {}
            found = _environment_problems(env, set(top.models) if top else set(), given)
            problems += [f"environment {name!r}: {p}" for p in found]
            envs[name] = env
    if top is not None and not top.environments and not problems:
        problems.append("environments: none defined; add at least one [environments.<name>] table")
    if problems:
        raise ConfigError(problems, source=source)
    return AppConfig(models=models, environments=envs, source=source)


@dataclass(frozen=True, kw_only=True)
class _File:
    models: dict[str, Any]
    environments: dict[str, Any]


def _with_defaults(name: str, table: Any) -> Any:
    """The environment table plus what the file does not spell: its name and the isolation default."""
    if not isinstance(table, dict):
        return table
    table = {**table, "name": name}
    network = table.get("network", {})
    instances = "instance_variants" in table or "instance_pool" in table
    if instances and isinstance(network, dict) and "network_isolation" not in network:
        table["network"] = {**network, "network_isolation": True}
    return table


# ---------------------------------------------------------------------------------------------
# Rules that belong to the file
# ---------------------------------------------------------------------------------------------
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def _model_problems(key: str, model: ModelConfig) -> list[str]:
    kind, _, rest = model.image.partition(":")
    if kind == "sklearn" and not rest:
        return [f"models.{key}.image: {model.image!r} is not allowed; expected sklearn:<framework version>"]
    if kind == "dlc" and (rest.count(":") != 1 or "" in rest.split(":")):
        return [f"models.{key}.image: {model.image!r} is not allowed; expected dlc:<repository>:<tag>"]
    return []


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
    kind = env.variants_key
    variants: tuple[InstanceVariantConfig | ServerlessVariantConfig, ...] = (
        *env.instance_variants,
        *env.serverless_variants,
    )
    for i, v in enumerate(variants):
        if v.model not in model_keys:
            problems.append(
                f"{kind}[{i}].model: {v.model!r} is not a model; {_hint(v.model, model_keys)}"
                f"known models: {', '.join(sorted(model_keys)) or 'none'}"
            )
    if env.account is not None and not (env.account.isdigit() and len(env.account) == 12):
        problems.append(f"account: {env.account!r} is not allowed; expected a 12-digit account ID")
    if env.region is not None and env.region not in REGIONS:
        problems.append(
            f"region: {env.region!r} is not a known AWS region; {_hint(env.region, REGIONS)}"
            "stacks/regions.py lists them"
        )
    problems += _batch_job_problems(env.batch_jobs, model_keys)
    problems += _front_door_problems(env.front_door, given if isinstance(given, dict) else {})
    problems += deployment_problems(env.deployment)
    if env.deployment is not None and env.deployment.rollback_alarms and not env.monitoring.enabled:
        problems.append(
            "deployment.rollback_alarms: true is not allowed with monitoring.enabled = false; the rollback alarms "
            "are the monitoring's per-variant Invocation5XXErrors and ModelLatencyP99 alarms: turn monitoring on, "
            "or set rollback_alarms = false (rollback_alarm_names may still name alarms that exist)"
        )
    problems += _autoscaling_kind_problems(env)
    problems += _monitoring_problems(env.monitoring)
    if env.front_door.private and not env.network.vpc:
        problems.append(
            "front_door.private: true is not allowed without network.vpc = true; a private API is "
            "reached through an execute-api VPC endpoint in the environment's VPC: set network.vpc = true "
            "or front_door.private = false"
        )
    return problems


_BATCH_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")


def _batch_job_problems(jobs: tuple[BatchJobConfig, ...], model_keys: set[str]) -> list[str]:
    """Names unique and usable as construct IDs; each job's model is a model of the file."""
    problems = []
    seen: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if not _BATCH_NAME.match(job.name):
            problems.append(
                f"batch_jobs[{i}].name: {job.name!r} is not allowed; use 1-63 letters, digits and hyphens, "
                "starting with a letter"
            )
        if job.name in seen:
            problems.append(f"batch_jobs[{i}].name: {job.name!r} is already used by batch_jobs[{seen[job.name]}]")
        seen.setdefault(job.name, i)
        if job.model not in model_keys:
            problems.append(
                f"batch_jobs[{i}].model: {job.model!r} is not a model; {_hint(job.model, model_keys)}"
                f"known models: {', '.join(sorted(model_keys)) or 'none'}"
            )
        if not job.scheduled and job.schedule is not None:
            problems.append(f"batch_jobs[{i}].schedule: {job.schedule!r} is not allowed with scheduled = false")
    return problems


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


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUBSCRIPTION_ENDPOINTS = {
    "email": (_EMAIL, "an email address"),
    "email-json": (_EMAIL, "an email address"),
    "https": (re.compile(r"^https://\S+$"), "an https:// URL"),
    "http": (re.compile(r"^http://\S+$"), "an http:// URL"),
    "sms": (re.compile(r"^\+[1-9]\d{1,14}$"), "a phone number in E.164 form (+14155550100)"),
    "sqs": (re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$"), "an SQS queue ARN"),
    "lambda": (
        re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"),
        "a Lambda function ARN",
    ),
}


def _monitoring_problems(monitoring: MonitoringConfig) -> list[str]:
    """Each subscription endpoint has its protocol's form (SNS would only refuse it at deploy time)."""
    problems = [
        f"monitoring.notification_emails[{i}]: {email!r} is not allowed; expected an email address"
        for i, email in enumerate(monitoring.notification_emails)
        if not _EMAIL.match(email)
    ]
    for i, sub in enumerate(monitoring.subscriptions):
        pattern, expected = _SUBSCRIPTION_ENDPOINTS[sub.protocol]
        if not pattern.match(sub.endpoint):
            problems.append(
                f"monitoring.subscriptions[{i}].endpoint: {sub.endpoint!r} is not allowed with protocol "
                f"{sub.protocol!r}; expected {expected}"
            )
    return problems


def _component_problems(env: EnvironmentConfig, model_keys: set[str]) -> list[str]:
    """The pool, its components and the shadow variant: where each is allowed, their models, one-of choices."""
    problems = []
    if env.instance_pool is not None:
        others = [k for k in ("instance_variants", "serverless_variants") if getattr(env, k)]
        if others:
            problems.append(
                f"instance_pool: not allowed with {' and '.join(others)}; an environment serves either variants "
                "or inference components on an instance pool"
            )
        if not env.inference_components:
            problems.append("instance_pool: has no inference_components; add at least one [[...inference_components]]")
    elif env.inference_components:
        problems.append("inference_components: not allowed without instance_pool; add an instance_pool table")
    if env.shadow_variant is not None and not env.instance_variants:
        problems.append("shadow_variant: only allowed with instance_variants (SageMaker shadow tests need one)")
    named = [(f"inference_components[{i}]", c.model) for i, c in enumerate(env.inference_components)]
    named += [("shadow_variant", env.shadow_variant.model)] if env.shadow_variant is not None else []
    for where, model in named:
        if model not in model_keys:
            problems.append(
                f"{where}.model: {model!r} is not a model; {_hint(model, model_keys)}"
                f"known models: {', '.join(sorted(model_keys)) or 'none'}"
            )
    for i, c in enumerate(env.inference_components):
        a, r = c.autoscaling, c.rolling_update
        pairs = [
            (a, "autoscaling", "target_invocations_per_copy", "target_concurrent_requests_per_copy"),
            (r, "rolling_update", "maximum_batch_copies", "maximum_batch_percent"),
            (r, "rolling_update", "rollback_maximum_batch_copies", "rollback_maximum_batch_percent"),
        ]
        for table, key, one, other in pairs:
            if table is not None and getattr(table, one) is not None and getattr(table, other) is not None:
                problems.append(f"inference_components[{i}].{key}: set {one} or {other}, not both")
    return problems


def _pool_combination_problems(env: EnvironmentConfig) -> list[str]:
    """``async_inference`` beside an instance pool: the stack could not pass it on, so it is refused here.

    An endpoint is real-time (variants), asynchronous (``async_inference``, on instance variants) or an instance
    pool of inference components (real-time, ``InvokeEndpoint`` with an ``InferenceComponentName``): a
    ``ComponentEndpointConfig`` has no ``AsyncInferenceConfig``. (A ``deployment`` table there is the
    ``Endpoint``'s own rule, reported by the stack.)
    """
    if env.instance_pool is None and not env.inference_components:
        return []
    problems = []
    if env.async_inference is not None:
        problems.append(
            "async_inference: not allowed with instance_pool/inference_components; an endpoint is either "
            "asynchronous (async_inference on instance_variants) or an instance pool of inference components "
            "(real-time): remove the async_inference table or serve the models with instance_variants"
        )
    if env.data_capture is not None:
        problems.append(
            "data_capture: not allowed with instance_pool/inference_components; data capture is configured on "
            "an endpoint config of variants (ComponentEndpointConfig takes none): remove the data_capture table "
            "or serve the models with instance_variants"
        )
    return problems


def _front_door_problems(fd: FrontDoorConfig, given: Mapping[str, Any]) -> list[str]:
    """Settings the flat table allows but the construct's typed objects cannot carry: a Lambda setting
    with the direct integration (the stack does not pass them there, so the construct could not refuse
    them), an auth option with another auth. Ranges and the ``NoAuth`` interlock are the construct's."""
    problems = []
    if fd.integration == "direct":
        problems += [
            f"front_door.{key}: {getattr(fd, key)!r} is not allowed with integration = 'direct' "
            "(it configures the Lambda function, which the direct integration does not have)"
            for key in LAMBDA_ONLY_FRONT_DOOR_KEYS
            if key in given
        ]
    if fd.acknowledge_unauthenticated and fd.auth != "none":
        problems.append(f"front_door.acknowledge_unauthenticated: only allowed with auth = 'none', not {fd.auth!r}")
    if fd.usage_plan is not None and fd.auth == "none":
        problems.append(
            "front_door.usage_plan: not allowed with auth = 'none' (an API key would then be required); "
            "use auth = 'api_key', or 'iam' / 'cognito' with a usage plan"
        )
    if (fd.cognito_user_pool_id is not None or fd.cognito_scopes) and fd.auth != "cognito":
        problems.append(
            f"front_door.cognito_user_pool_id/cognito_scopes: only allowed with auth = 'cognito', not {fd.auth!r}"
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Structuring with cattrs: strict hooks, and its errors turned into the file's key paths
# ---------------------------------------------------------------------------------------------
class _RefusedError(ValueError):
    """A value of the wrong type or outside a choice; the message says what is allowed."""


class _LazyValueObject:
    """Stands for a construct value object in annotations until a table needs it (then imported)."""

    module: str


def _lazy(module: str, name: str) -> type[_LazyValueObject]:
    return type(name, (_LazyValueObject,), {"module": module})


if not TYPE_CHECKING:  # the real classes are imported by the hook below, on first use
    ScheduledCapacity = _lazy("sagemaker_serving", "ScheduledCapacity")
    WafOptions = _lazy("sagemaker_serving", "WafOptions")
    UsagePlanOptions = _lazy("sagemaker_serving", "UsagePlanOptions")
    TransformOptions = _lazy("sagemaker_serving", "TransformOptions")
    AlarmThresholds = _lazy("sagemaker_serving.monitoring.thresholds", "AlarmThresholds")

_TYPE_NAMES = {int: "int", float: "float", str: "str", bool: "bool"}


def _scalar(kind: type) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        ok = type(value) is kind or (kind is float and type(value) is int)
        if not ok:
            raise _RefusedError(f"{value!r} is not allowed; expected {_TYPE_NAMES[kind]}")
        return kind(value)

    return hook


def _guarded(inner: Callable[[Any, Any], Any], of: type, expected: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, cl: Any) -> Any:
        if not isinstance(value, of):
            raise _RefusedError(f"{value!r} is not allowed; expected {expected}")
        return inner(value, cl)

    return hook


@cache
def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind in _TYPE_NAMES:
        conv.register_structure_hook(kind, _scalar(kind))

    def seconds(value: Any, _: Any) -> float:
        if type(value) not in (int, float) or value < 0:
            raise _RefusedError(f"{value!r} is not allowed; expected a duration in seconds (a number ≥ 0)")
        return float(value)

    conv.register_structure_hook(Seconds, seconds)

    def days(value: Any, _: Any) -> int:
        if type(value) is not int or value < 0:
            raise _RefusedError(f"{value!r} is not allowed; expected a number of days (an integer ≥ 0)")
        return value

    conv.register_structure_hook(Days, days)

    def literal(cl: Any) -> Callable[[Any, Any], Any]:
        choices = get_args(cl)

        def hook(value: Any, _: Any) -> Any:
            if not any(type(value) is type(c) and value == c for c in choices):
                raise _RefusedError(f"{value!r} is not allowed; expected one of {', '.join(map(str, choices))}")
            return value

        return hook

    def lazy(cl: type[_LazyValueObject]) -> Callable[[Any, Any], Any]:
        return lambda value, _: conv.structure(value, getattr(importlib.import_module(cl.module), cl.__name__))

    conv.register_structure_hook_factory(lambda t: _origin(t) is Literal, literal)
    conv.register_structure_hook_factory(
        lambda t: _origin(t) is tuple,
        lambda t: _guarded(homogenous_tuple_structure_factory(t, conv), list, "a list"),
    )
    conv.register_structure_hook_factory(
        lambda t: _origin(t) is dict,
        lambda t: _guarded(mapping_structure_factory(t, conv), dict, "a table"),
    )
    conv.register_structure_hook_factory(
        is_dataclass, lambda t: _guarded(make_dict_structure_fn(t, conv), dict, "a table")
    )
    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and issubclass(t, _LazyValueObject), lazy)
    return conv


def _origin(t: Any) -> object:
    return get_origin(t)


def _structure(cls: type[T], value: Any, path: tuple[str | int, ...], problems: list[str]) -> T | None:
    """``value`` as a ``cls``, or ``None`` with every problem appended (named by its key path)."""
    try:
        return _converter().structure(value, cls)
    except Exception as exc:  # every cattrs error is turned into the file's words
        problems += [_where(path + sub) + message for sub, message in _messages(exc, cls)]
        return None


def _keys(cl: Any) -> list[str]:
    """The keys a table of type ``cl`` may have (an environment's name is its table's name)."""
    return sorted(f.name for f in fields(cl) if not (cl is EnvironmentConfig and f.name == "name"))


def _messages(exc: BaseException, cl: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for every problem in a cattrs error tree."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step: str | int = note.name if isinstance(note, AttributeValidationNote) else note.index
            for path, message in _messages(sub, note.type):
                yield (step, *path), message
        for sub in without:
            yield from _messages(sub, cl)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            allowed = _keys(exc.cl)
            yield (
                (key,),
                "is not a known key; " + (_hint(key, allowed).rstrip() or f"allowed keys: {', '.join(allowed)}"),
            )
    elif isinstance(exc, KeyError):
        table = is_dataclass(cl) or get_origin(cl) is dict
        yield (), "missing; expected a table" if table else "missing; it is required"
    elif isinstance(exc, _RefusedError):
        yield (), str(exc)
    else:
        yield (), f"is not allowed ({exc})"


def _where(path: tuple[str | int, ...]) -> str:
    """``("environments", "prod", "instance_variants", 1, "x")`` → ``environment 'prod': instance_variants[1].x: ``."""
    prefix = ""
    if len(path) >= 2 and path[0] == "environments":
        prefix, path = f"environment {path[1]!r}: ", path[2:]
    elif len(path) == 1 and path[0] not in ("models", "environments"):
        prefix = "top level: "
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{prefix}{text}: " if text else prefix


def _hint(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
