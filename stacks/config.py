"""Typed per-environment configuration, read from ``stacks/environments.toml``.

Data flows one way: this module → ``stacks/serving_stack.py`` → ``sagemaker_serving`` constructs.
Parsing is strict: an unknown environment, a misspelt key, a wrong type or a missing field fails
with one :class:`ConfigError` that names the environment and every bad field.
"""

from __future__ import annotations

import difflib
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
    if env.account is not None and not (env.account.isdigit() and len(env.account) == 12):
        problems.append(f"{where}account: {env.account!r} is not allowed; expected a 12-digit account ID")
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
