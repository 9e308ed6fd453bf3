"""Reading the file: :func:`load` (the file :func:`config_path` names) and :func:`parse` (a mapping as read
from TOML), which structure it (:mod:`stacks.config.structuring`) and apply the file's rules
(:mod:`stacks.config.environment`), raising every problem at once as a :class:`ConfigError`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.config.environment import AppConfig, EnvironmentConfig, _environment_problems
from stacks.config.errors import ConfigError, _display
from stacks.config.models import ModelConfig, _model_problems
from stacks.config.structuring import _structure

#: The reference configuration; ``$SERVING_CONFIG`` names another file. Relative ``artifact``
#: folders are always relative to ``stacks/`` (this file's folder), wherever the file is.
CONFIG_FILE = Path(__file__).parent.with_name("environments.toml")
CONFIG_ENV_VAR = "SERVING_CONFIG"


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
