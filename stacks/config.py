"""Typed per-environment configuration, read from ``stacks/environments.toml``.

Data flows one way: this module → ``stacks/serving_stack.py`` → ``sagemaker_serving`` constructs.
Parsing is strict: an unknown environment, a misspelt key, a wrong type or a missing field fails
with one :class:`ConfigError` that names the environment and every bad field.
"""

from __future__ import annotations

import difflib
import ipaddress
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

CONFIG_FILE = Path(__file__).with_name("environments.toml")
STACK_PREFIX = "ModelServing"

T = TypeVar("T")


class ConfigError(ValueError):
    """Invalid configuration; the message lists every problem with its environment and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """A model: its artifact and container image."""

    #: ``s3://bucket/key`` or a folder relative to ``stacks/`` packaged as an asset.
    artifact: str
    #: ``sklearn:<framework version>``, ``dlc:<repository>:<tag>`` or a full image URI.
    image: str
    #: Container environment variables.
    environment: dict[str, str] = field(default_factory=dict)
    #: Forbid the container any network access.
    network_isolation: bool = False


@dataclass(frozen=True, kw_only=True)
class ScheduleConfig:
    """A scheduled capacity change (see ``sagemaker_serving.ScheduledCapacity``)."""

    name: str
    schedule: str
    min_capacity: int | None = None
    max_capacity: int | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True, kw_only=True)
class AutoscalingConfig:
    """Autoscaling of one instance variant (see ``sagemaker_serving.VariantAutoscaling``)."""

    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: int = 100
    target_cpu_utilization: float | None = None
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 60
    schedules: tuple[ScheduleConfig, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InstanceVariantConfig:
    """An instance production variant (see ``sagemaker_serving.InstanceVariant``)."""

    name: str
    model: str
    instance_type: str
    initial_instance_count: int = 1
    initial_weight: float = 1.0
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    autoscaling: AutoscalingConfig | None = None


@dataclass(frozen=True, kw_only=True)
class ServerlessVariantConfig:
    """A serverless production variant (see ``sagemaker_serving.ServerlessVariant``)."""

    name: str
    model: str
    memory_size_mb: int = 2048
    max_concurrency: int = 5
    provisioned_concurrency: int | None = None
    initial_weight: float = 1.0


@dataclass(frozen=True, kw_only=True)
class UsagePlanConfig:
    """Per-key throttle and quota of the front door's usage plan (``auth = "api_key"``)."""

    rate_limit: float = 10.0
    burst_limit: int = 20
    #: Requests per ``quota_period``; omit for no quota.
    quota_limit: int | None = 10_000
    #: ``DAY``, ``WEEK`` or ``MONTH``.
    quota_period: str = "DAY"


@dataclass(frozen=True, kw_only=True)
class WafConfig:
    """A WAF web ACL on the front door's stage (see ``sagemaker_serving.WafOptions``)."""

    rate_limit_per_5_minutes: int = 2000
    block_large_bodies: bool = False


FRONT_DOOR_INTEGRATIONS = ("lambda", "direct")
FRONT_DOOR_AUTH = ("iam", "api_key", "cognito", "none")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EXECUTION_LOG_LEVELS = ("OFF", "ERROR", "INFO")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
#: The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True, kw_only=True)
class FrontDoorConfig:
    """The environment's REST front door (see ``sagemaker_serving.FrontDoor``).

    Without a ``[environments.<env>.front_door]`` table an environment gets these defaults: Lambda
    integration and IAM (SigV4) auth. Ranges (throttling, timeouts, sizes) are checked by the construct.
    """

    #: ``lambda`` or ``direct`` (API Gateway calls the SageMaker runtime itself).
    integration: str = "lambda"
    #: ``iam``, ``api_key``, ``cognito`` or ``none``.
    auth: str = "iam"
    #: Must be ``true`` for ``auth = "none"``: an API anyone can call, on purpose.
    acknowledge_unauthenticated: bool = False
    #: Usage plan of ``auth = "api_key"``. Default: the construct's (10 rps, burst 20, 10 000/day).
    usage_plan: UsagePlanConfig | None = None
    #: ``auth = "cognito"``: an existing user pool's ID. Default: a new pool.
    cognito_user_pool_id: str | None = None
    #: ``auth = "cognito"``: OAuth scopes required on access tokens.
    cognito_scopes: tuple[str, ...] = ()
    stage_name: str = "v1"
    throttling_rate_limit: float = 50.0
    throttling_burst_limit: int = 100
    #: Origins allowed by CORS; none means no CORS.
    cors_allowed_origins: tuple[str, ...] = ()
    #: A WAF web ACL on the stage. Default: none.
    waf: WafConfig | None = None
    #: A private API, reachable only through an ``execute-api`` VPC endpoint the stack adds to the
    #: environment's VPC (needs ``network.vpc = true``). Default: a regional API.
    private: bool = False
    #: Default: the construct's (``image/*``, ``application/octet-stream``, ``application/x-npy``).
    binary_media_types: tuple[str, ...] | None = None
    #: Default: the construct's (JSON, CSV, NPY, octet-stream, JPEG, PNG).
    allowed_content_types: tuple[str, ...] | None = None
    #: Default: the construct's (4 521 984 bytes; 4 MiB for a serverless endpoint). Lambda mode only.
    max_body_bytes: int | None = None
    sagemaker_connect_timeout_seconds: float = 1.0
    sagemaker_read_timeout_seconds: float = 9.0
    sagemaker_max_attempts: int = 2
    memory_size_mb: int = 256
    #: Lambda reserved concurrency. Default: none (shares the account pool).
    reserved_concurrency: int | None = None
    log_level: str = "INFO"
    #: API Gateway execution logging: ``OFF``, ``ERROR`` or ``INFO`` (never data trace).
    execution_log_level: str = "ERROR"
    #: Create and set the account's API Gateway CloudWatch role (account-and-region-wide).
    cloud_watch_role: bool = False
    log_retention_days: int = 90
    #: Override the AWS-published Powertools layer ARN.
    powertools_layer_arn: str | None = None


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """Network options of one environment (see ``sagemaker_serving.ServingNetwork``).

    Both options need instance variants: SageMaker Serverless Inference supports neither.
    """

    #: Run the models in a new VPC: private isolated subnets, VPC endpoints, no NAT gateway.
    vpc: bool = False
    #: Forbid every model container any network access (``EnableNetworkIsolation``).
    network_isolation: bool = False
    #: Availability Zones of the VPC's subnets (1-6).
    max_azs: int = 2
    #: The VPC's IPv4 block (/16 to /22).
    cidr: str = "10.0.0.0/16"


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that differs between environments."""

    #: Environment name (the table name), e.g. ``prod``.
    name: str
    #: AWS account to deploy to. Default: environment-agnostic.
    account: str | None = None
    #: AWS region to deploy to. Default: environment-agnostic.
    region: str | None = None
    #: Instance variants (or use ``serverless_variants``; not both).
    instance_variants: tuple[InstanceVariantConfig, ...] = ()
    #: Serverless variants.
    serverless_variants: tuple[ServerlessVariantConfig, ...] = ()
    #: Tags on every resource of the stack.
    tags: dict[str, str] = field(default_factory=dict)
    #: The REST front door. Default: Lambda integration with IAM auth.
    front_door: FrontDoorConfig = field(default_factory=FrontDoorConfig)
    #: VPC and network isolation. Default: both off.
    network: NetworkConfig = field(default_factory=NetworkConfig)

    @property
    def stack_name(self) -> str:
        """``ModelServing-<name>``."""
        return f"{STACK_PREFIX}-{self.name}"


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """The whole file: shared models and one entry per environment."""

    models: dict[str, ModelConfig]
    environments: dict[str, EnvironmentConfig]

    def environment(self, name: str) -> EnvironmentConfig:
        """One environment by name; a :class:`ConfigError` listing the known names otherwise."""
        if name not in self.environments:
            known = ", ".join(sorted(self.environments))
            raise ConfigError([f"environment {name!r} is unknown; known environments: {known}"])
        return self.environments[name]


def load(path: Path = CONFIG_FILE) -> AppConfig:
    """Read and validate the configuration file."""
    with open(path, "rb") as fh:
        try:
            raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{path.name}: not valid TOML: {exc}"]) from exc
    return parse(raw)


def parse(raw: dict[str, Any]) -> AppConfig:
    """Validate a configuration mapping (as read from TOML) into typed objects."""
    problems: list[str] = []
    _unknown_keys(raw, {"models", "environments"}, "top level: ", problems)
    models: dict[str, ModelConfig] = {}
    for key, value in _table(raw.get("models"), "models", problems).items():
        model = _build(ModelConfig, value, f"models.{key}.", problems)
        if model is not None:
            models[key] = model
    envs: dict[str, EnvironmentConfig] = {}
    for name, value in _table(raw.get("environments"), "environments", problems).items():
        where = f"environment {name!r}: "
        if isinstance(value, dict):
            value = {"name": name, **value}
        env = _build(EnvironmentConfig, value, where, problems)
        if env is not None:
            problems += _environment_problems(env, models, where)
            envs[name] = env
    if not envs and not problems:
        problems.append("environments: none defined; add at least one [environments.<name>] table")
    if problems:
        raise ConfigError(problems)
    return AppConfig(models=models, environments=envs)


def _environment_problems(env: EnvironmentConfig, models: dict[str, ModelConfig], where: str) -> list[str]:
    problems = []
    if not env.name.replace("-", "").isalnum():
        problems.append(f"{where}name {env.name!r} is not allowed; use letters, digits and hyphens")
    if bool(env.instance_variants) == bool(env.serverless_variants):
        problems.append(f"{where}set exactly one of instance_variants or serverless_variants")
    variants: tuple[InstanceVariantConfig | ServerlessVariantConfig, ...] = (
        *env.instance_variants,
        *env.serverless_variants,
    )
    kind = "instance_variants" if env.instance_variants else "serverless_variants"
    for i, v in enumerate(variants):
        if v.model not in models:
            problems.append(
                f"{where}{kind}[{i}].model: {v.model!r} is not a model; "
                f"known models: {', '.join(sorted(models)) or 'none'}"
            )
    isolated_models = sorted(
        {v.model for v in env.serverless_variants if v.model in models and models[v.model].network_isolation}
    )
    if env.serverless_variants and (env.network.vpc or env.network.network_isolation or isolated_models):
        used = ", ".join(
            [f"network.{k} = true" for k in ("vpc", "network_isolation") if getattr(env.network, k)]
            + [f"models.{m}.network_isolation = true" for m in isolated_models]
        )
        problems.append(
            f"{where}{used} is not allowed with serverless_variants, which support neither a VPC nor "
            "network isolation; use instance_variants or turn it off"
        )
    if isinstance(env.network.max_azs, int) and not 1 <= env.network.max_azs <= 6:
        problems.append(f"{where}network.max_azs: {env.network.max_azs!r} is not allowed; must be from 1 to 6")
    try:
        if not 16 <= ipaddress.IPv4Network(env.network.cidr).prefixlen <= 22:
            raise ValueError(env.network.cidr)
    except ValueError:
        problems.append(
            f"{where}network.cidr: {env.network.cidr!r} is not allowed; expected an IPv4 block /16 to /22 "
            "such as '10.0.0.0/16'"
        )
    if env.account is not None and not (env.account.isdigit() and len(env.account) == 12):
        problems.append(f"{where}account: {env.account!r} is not allowed; expected a 12-digit account ID")
    problems += _front_door_problems(env.front_door, f"{where}front_door.")
    if env.front_door.private is True and env.network.vpc is not True:
        problems.append(
            f"{where}front_door.private: true is not allowed without network.vpc = true; a private API is "
            "reached through an execute-api VPC endpoint in the environment's VPC: set network.vpc = true "
            "or front_door.private = false"
        )
    return problems


#: FrontDoorConfig fields that configure the Lambda function only.
_LAMBDA_ONLY_FRONT_DOOR_FIELDS = (
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


def _front_door_problems(fd: FrontDoorConfig, where: str) -> list[str]:
    """Choices and combinations; numeric ranges are the construct's to check."""
    problems = []
    for key, value, allowed in (
        ("integration", fd.integration, FRONT_DOOR_INTEGRATIONS),
        ("auth", fd.auth, FRONT_DOOR_AUTH),
        ("log_level", fd.log_level, LOG_LEVELS),
        ("execution_log_level", fd.execution_log_level, EXECUTION_LOG_LEVELS),
        ("log_retention_days", fd.log_retention_days, LOG_RETENTION_DAYS),
    ):
        if value not in allowed:
            problems.append(f"{where}{key}: {value!r} is not allowed; expected one of {', '.join(map(str, allowed))}")
    if fd.usage_plan is not None and fd.usage_plan.quota_period not in QUOTA_PERIODS:
        problems.append(
            f"{where}usage_plan.quota_period: {fd.usage_plan.quota_period!r} is not allowed; "
            f"expected one of {', '.join(QUOTA_PERIODS)}"
        )
    if fd.integration == "direct":
        defaults = FrontDoorConfig()
        for name in _LAMBDA_ONLY_FRONT_DOOR_FIELDS:
            if getattr(fd, name) != getattr(defaults, name):
                problems.append(
                    f"{where}{name}: {getattr(fd, name)!r} is not allowed with integration = 'direct' "
                    "(it configures the Lambda function, which the direct integration does not have)"
                )
    if fd.auth == "none" and not fd.acknowledge_unauthenticated:
        problems.append(
            f"{where}auth: 'none' is not allowed without acknowledge_unauthenticated = true "
            "(an API anyone can call); otherwise use iam, api_key or cognito"
        )
    if fd.acknowledge_unauthenticated and fd.auth != "none":
        problems.append(f"{where}acknowledge_unauthenticated: only allowed with auth = 'none', not {fd.auth!r}")
    if fd.usage_plan is not None and fd.auth != "api_key":
        problems.append(f"{where}usage_plan: only allowed with auth = 'api_key', not {fd.auth!r}")
    if (fd.cognito_user_pool_id is not None or fd.cognito_scopes) and fd.auth != "cognito":
        problems.append(
            f"{where}cognito_user_pool_id/cognito_scopes: only allowed with auth = 'cognito', not {fd.auth!r}"
        )
    return problems


def _table(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if value is None:
        problems.append(f"{where}: missing; expected a table")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: {value!r} is not allowed; expected a table")
        return {}
    return value


def _unknown_keys(data: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(sorted(allowed))}"
            problems.append(f"{where}{key}: is not a known key; {hint}")


def _build(cls: type[T], data: Any, where: str, problems: list[str]) -> T | None:
    """Build dataclass ``cls`` from ``data`` strictly, appending every problem found."""
    assert is_dataclass(cls)
    if not isinstance(data, dict):
        problems.append(f"{where.rstrip('. ')}: {data!r} is not allowed; expected a table")
        return None
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    _unknown_keys(data, names, where, problems)
    before = len(problems)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                problems.append(f"{where}{f.name}: missing; it is required")
            continue
        kwargs[f.name] = _coerce(hints[f.name], data[f.name], f"{where}{f.name}", problems)
    if len(problems) > before:
        return None
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str, problems: list[str]) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return None if value is None else _coerce(inner[0], value, where, problems)
    if origin is tuple:
        if not isinstance(value, list):
            problems.append(f"{where}: {value!r} is not allowed; expected a list")
            return ()
        return tuple(_coerce(args[0], v, f"{where}[{i}]", problems) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(f"{where}: {value!r} is not allowed; expected a table of strings")
            return {}
        return dict(value)
    if is_dataclass(hint):
        return _build(typing.cast(type, hint), value, f"{where}.", problems)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        problems.append(f"{where}: {value!r} is not allowed; expected {hint.__name__}")
    return value
