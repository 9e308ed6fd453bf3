"""The JSON Schema editors use for stacks/environments.toml: current, valid, and agreeing with the parser."""

from __future__ import annotations

import copy
import json
import tomllib
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from stacks.config import CONFIG_FILE, ConfigError, config_path, parse
from tests.conftest import REFERENCE_CONFIG_FILE
from tests.support.config_schema import SCHEMA_FILE, render


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())  # type: ignore[no-any-return]


def _raw(path: Any) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == render(), "regenerate: .venv/bin/python -m tests.support.config_schema"


def test_the_configuration_file_points_editors_at_it() -> None:
    assert CONFIG_FILE.read_text().splitlines()[0] == f"#:schema ./{SCHEMA_FILE.name}"


def test_the_schema_is_valid_for_2020_12_and_draft_4_tools(schema: dict[str, Any]) -> None:
    """taplo (Even Better TOML) documents Draft 4 support: the schema uses nothing newer it would need."""
    Draft202012Validator.check_schema(schema)
    Draft4Validator.check_schema(schema)
    assert _keywords(schema) & {"const", "prefixItems", "if", "then", "unevaluatedProperties"} == set()


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        return (
            set(node)
            | {k for key, v in node.items() if key != "properties" for k in _keywords(v)}
            | {k for v in node.get("properties", {}).values() for k in _keywords(v)}
        )
    if isinstance(node, list):
        return {k for v in node for k in _keywords(v)}
    return set()


def test_the_users_and_the_reference_files_validate(schema: dict[str, Any]) -> None:
    for path in {config_path(), REFERENCE_CONFIG_FILE}:
        for validator in (Draft202012Validator(schema), Draft4Validator(schema)):
            assert [e.message for e in validator.iter_errors(_raw(path))] == [], path


@pytest.mark.parametrize(
    ("change", "schema_says"),
    [
        (lambda d: d["environments"]["prod"].update(tagz={}), "'tagz' was unexpected"),
        (lambda d: d["environments"]["prod"]["front_door"].update(auth="oauth"), "'oauth' is not one of"),
        (
            lambda d: d["environments"]["staging"]["instance_variants"][0].update(initial_instance_count="2"),
            "'2' is not of type 'integer'",
        ),
        (lambda d: d["models"]["champion"].pop("image"), "'image' is a required property"),
        (
            lambda d: d["environments"]["prod"]["instance_variants"][0]["autoscaling"]["schedules"][0].update(when="x"),
            "'when' was unexpected",
        ),
        (lambda d: d["environments"]["prod"]["front_door"]["waf"].update(rate=1), "'rate' was unexpected"),
    ],
    ids=["unknown-key", "choice", "type", "required", "schedule-key", "waf-key"],
)
def test_the_schema_refuses_what_the_parser_refuses(schema: dict[str, Any], change: Any, schema_says: str) -> None:
    data = copy.deepcopy(_raw(REFERENCE_CONFIG_FILE))
    change(data)
    messages = [e.message for e in Draft4Validator(schema).iter_errors(data)]
    assert any(schema_says in m for m in messages), messages
    with pytest.raises(ConfigError):
        parse(data)
