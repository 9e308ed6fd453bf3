"""The JSON Schema of stacks/environments.toml, generated from stacks/config/'s dataclasses by pydantic.

Editors complete and check the file with it (Even Better TOML / taplo read the ``#:schema`` line at
the top of the file). pydantic is a development dependency only: the app parses with cattrs (see
stacks/config/), and tests/stacks/test_config_schema.py checks the committed schema is current.

Regenerate: ``.venv/bin/python -m tests.support.config_schema``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import stacks.config
import stacks.deployment_config
from sagemaker_serving.autoscaling import ScheduledCapacity
from sagemaker_serving.batch.options import TransformOptions
from sagemaker_serving.front_door import UsagePlanOptions, WafOptions
from sagemaker_serving.monitoring.thresholds import AlarmThresholds
from sagemaker_serving.rollout import CapacitySize

SCHEMA_FILE = Path(stacks.config.__file__).parent.with_name("environments.schema.json")
#: Fields that are not keys of the file: an environment's name is its table's, ``source`` is where it was read.
_NOT_KEYS = {"EnvironmentConfig": {"name"}, "AppConfig": {"source"}}


#: The constructs' value objects the configuration structures into (lazy in stacks.config.values).
_VALUE_OBJECTS = (ScheduledCapacity, UsagePlanOptions, WafOptions, TransformOptions, AlarmThresholds)


def _config_modules() -> list[ModuleType]:
    """The modules of the stacks.config package (each resolves its own annotations)."""
    return [
        importlib.import_module(f"stacks.config.{info.name}") for info in pkgutil.iter_modules(stacks.config.__path__)
    ]


def generate() -> dict[str, Any]:
    """The schema of the whole file: tables refuse unknown keys, choices are enums."""
    from pydantic import TypeAdapter

    real = {cls.__name__: cls for cls in _VALUE_OBJECTS}
    # Each module that names a value object holds its lazy stand-in: pydantic resolves the real class there.
    lazy = [(module, name, vars(module)[name]) for module in _config_modules() for name in real if name in vars(module)]
    for module, name, _ in lazy:
        setattr(module, name, real[name])
    try:
        schema: dict[str, Any] = TypeAdapter(stacks.config.AppConfig).json_schema(mode="validation")
    finally:
        for module, name, placeholder in lazy:
            setattr(module, name, placeholder)
    classes = {cls.__name__: cls for cls in _dataclasses()}
    for name, definition in [("AppConfig", schema), *schema.get("$defs", {}).items()]:
        definition.pop("title", None)
        for key in _NOT_KEYS.get(name, ()):
            definition["properties"].pop(key, None)
            if key in definition.get("required", []):
                definition["required"].remove(key)
        if "properties" not in definition:
            continue
        definition["additionalProperties"] = False
        docs = _field_docs(classes[name]) if name in classes else {}
        for key, prop in definition["properties"].items():
            prop.pop("title", None)
            # TOML has no null: a key left out is the construct's default (or none), not null.
            if prop.get("default", ...) is None:
                del prop["default"]
            options = [o for o in prop.get("anyOf", []) if o != {"type": "null"}]
            if "anyOf" in prop and len(options) == 1:
                del prop["anyOf"]
                prop.update(options[0])
            if key in docs:
                prop["description"] = docs[key]
                if "Default:" in docs[key]:  # the text says what the default is (the construct's, say)
                    prop.pop("default", None)
    schema["title"] = "stacks/environments.toml"
    schema["description"] = (
        "Per-environment configuration of the SageMaker serving app (docs/configuration.md). "
        "Generated from stacks/config/ by tests/support/config_schema.py."
    )
    return schema


def _dataclasses() -> list[type]:
    return [
        obj
        for module in (*_config_modules(), stacks.deployment_config)
        for obj in vars(module).values()
        if isinstance(obj, type) and hasattr(obj, "__dataclass_fields__")
    ] + [*_VALUE_OBJECTS, CapacitySize]


def _field_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comments above each field of ``cls``, as the field's description."""
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        comment = re.match(r"^\s+#: ?(.*)$", line)
        field = re.match(r"^\s+(\w+): ", line)
        if comment:
            pending.append(comment.group(1))
        elif field and pending:
            docs[field.group(1)] = " ".join(pending)
            pending = []
        else:
            pending = []
    return docs


def render() -> str:
    """The schema file's text."""
    return json.dumps(generate(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render())
    print(f"wrote {SCHEMA_FILE}")
