"""Every example configuration (``examples/*.toml``, one per inference option) is synthesised and held to the
checks the environments get: cfn-lint, the cdk-nag packs, checkov, least-privilege IAM, encryption of everything
that stores data, and only reviewed acknowledgements (tests/stacks/test_security.py's lists).

A new example is one new file in ``examples/``: these tests pick it up. ``SERVING_CONFIG=examples/<name>.toml``
synthesises it as the app does with ``stacks/environments.toml`` (``make synth``, ``python app.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cfnlint.api import ManualArgs, lint_file

import app as app_module
from stacks.config import load
from tests.conftest import ROOT, Synthesised, synthesise
from tests.stacks.test_security import (
    REVIEWED,
    _checkov_skip,
    _found_acknowledgements,
    _iam_problems,
    _review_key,
    _storage_problems,
    run_checkov,
)

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    """One example, synthesised once in the session's jsii process."""
    path: Path = request.param
    return synthesise(load(path), tmp_path_factory.mktemp(f"cdk.example-{path.stem}.out"))


def test_the_examples_are_there() -> None:
    assert {"async"} <= {p.stem for p in EXAMPLES}


def test_each_example_validates_against_the_schema(example: Synthesised) -> None:
    schema = json.loads((ROOT / "stacks" / "environments.schema.json").read_text())
    assert example.config.source is not None
    text = example.config.source.read_text()
    assert text.startswith("#:schema ../stacks/environments.schema.json\n")
    jsonschema.validate(tomllib.loads(text), schema)


def test_each_example_is_one_stack_per_environment(example: Synthesised) -> None:
    assert sorted(example.stacks) == sorted(example.config.environments)
    for name, template in example.templates.items():
        assert {"EndpointName", "EndpointArn", "FrontDoorUrl"} <= set(template.to_json()["Outputs"]), name


def test_cfn_lint_reports_no_error(example: Synthesised) -> None:
    matches = []
    for path in sorted(example.assembly_dir.glob("ModelServing-*.template.json")):
        found = lint_file(path, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
        matches += [
            m for m in found if m.rule.id.startswith("E") or (m.rule.id.startswith("W") and m.rule.id != "W3005")
        ]
    assert [f"{m.filename}: {m.rule.id} {m.message}" for m in matches] == []


def test_the_nag_packs_find_nothing_unacknowledged(example: Synthesised) -> None:
    findings = [
        f"{v.severity}: {v.rule_name} at {r.construct_path}"
        for pack in app_module.nag_packs()
        for v in pack.validate_scope(example.app).violations
        for r in v.violating_resources
    ]
    assert findings == []


def test_every_acknowledgement_is_a_reviewed_one(example: Synthesised) -> None:
    for env, stack in example.stacks.items():
        for (path, rule), reason in _found_acknowledgements(stack).items():
            key = _review_key(path, rule)
            assert key in REVIEWED, f"{env}: {path} {rule} is not reviewed in tests/stacks/test_security.py"
            assert any(reason.startswith(start) for start in REVIEWED[key]), (env, key, reason)


def test_iam_is_least_privilege_and_storage_encrypted(example: Synthesised) -> None:
    for template in example.templates.values():
        assert _iam_problems(template.to_json()) == []
        assert _storage_problems(template.to_json()) == []


def test_checkov_has_no_failed_check_but_documented_skips(example: Synthesised) -> None:
    report = run_checkov(example.assembly_dir)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] == sum(len(t.to_json()["Resources"]) for t in example.templates.values())
    environments = example.config.environments
    env_of_file = {stack.template_file: environments[env] for env, stack in example.stacks.items()}
    failed: list[dict[str, Any]] = report["results"]["failed_checks"]
    assert [f"{c['check_id']} at {c['resource']}" for c in failed if _checkov_skip(c, env_of_file) is None] == []


def test_serving_config_synthesises_the_example_with_the_app(example: Synthesised, tmp_path: Path) -> None:
    """What docs/async_inference.md (and each example's header) says: ``SERVING_CONFIG=<file> python app.py``."""
    assert example.config.source is not None
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'constructs'}",
            "SERVING_CONFIG": str(example.config.source.relative_to(ROOT)),
            "CDK_OUTDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.glob("*.template.json")) == sorted(
        f"{env.stack_name}.template.json" for env in example.config.environments.values()
    )
