"""The templates the tests check are the ones ``cdk synth`` (and so ``cdk deploy``) produces.

``build_app`` run in-process applies cdk.json's context itself (the CDK CLI passes it through
``CDK_CONTEXT_JSON``), so feature flags such as ``@aws-cdk/aws-iam:minimizePolicies`` shape the
snapshots exactly as they shape a deployment. The real CLI runs once here, on the pinned reference
configuration, and its cloud assembly is compared with the session's in-process one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api

import app as app_module
from stacks.config import AppConfig
from tests.conftest import REFERENCE_CONFIG_FILE, ROOT, Synthesised

CDK = ROOT / "node_modules" / ".bin" / "cdk"
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
#: The CLI's hint when cdk.json leaves a flag unset that aws-cdk-lib recommends (issue #10).
UNCONFIGURED_FLAGS_LINE = re.compile(r"^\d+ feature flags? (is|are) not configured", re.MULTILINE)
FLAGS_DOC = ROOT / "docs" / "templates.md"


@dataclass(frozen=True)
class CliSynth:
    """One ``cdk synth`` of the reference configuration: its cloud assembly and what it printed."""

    assembly_dir: Path
    output: str


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> CliSynth:
    """``node_modules/.bin/cdk synth`` of tests/fixtures/environments.toml, as ``make synth`` runs it."""
    assert CDK.exists(), "node_modules/.bin/cdk is missing: run `make setup`"
    outdir = tmp_path_factory.mktemp("cdk.cli.out")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in app_module.CLI_CONTEXT_ENV_VARS and name != "CDK_OUTDIR"
    }
    env |= {
        "SERVING_CONFIG": str(REFERENCE_CONFIG_FILE),
        # The venv's python3 runs app.py (cdk.json's "app") and its node runs the CLI, as in the Makefile.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "constructs")]),
        "CDK_DISABLE_VERSION_CHECK": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--output", str(outdir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return CliSynth(outdir, output)


def comparable(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` without what may differ between two synths of the same app: ``aws:cdk:path``
    metadata, the ``CDKMetadata`` resource (and its condition), and asset hashes."""
    template = json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
    resources: dict[str, Any] = template.get("Resources", {})
    resources.pop("CDKMetadata", None)
    template.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    for resource in resources.values():
        metadata = resource.get("Metadata", {})
        metadata.pop("aws:cdk:path", None)
        if not metadata:
            resource.pop("Metadata", None)
    return template


def test_in_process_templates_are_the_cdk_clis(
    cli_synth: CliSynth, reference: Synthesised, reference_config: AppConfig
) -> None:
    cli = cx_api.CloudAssembly(str(cli_synth.assembly_dir))
    in_process = cx_api.CloudAssembly(str(reference.assembly_dir))
    names = [env.stack_name for env in reference_config.environments.values()]
    assert sorted(s.stack_name for s in cli.stacks) == sorted(names)
    for name in names:
        expected, actual = cli.get_stack_by_name(name), in_process.get_stack_by_name(name)
        assert comparable(actual.template) == comparable(expected.template), name
        # Stack-level tags live in the manifest, not the template (see the next test).
        assert actual.tags == expected.tags, name
    # Not only equal after the normalisation: the one app, one CLI settings, the same bytes.
    for name in names:
        template_file = f"{name}.template.json"
        assert (reference.assembly_dir / template_file).read_text() == (
            cli_synth.assembly_dir / template_file
        ).read_text(), name


def test_stack_tags_are_the_configured_ones(any_config: Synthesised) -> None:
    """Under ``@aws-cdk/core:explicitStackTags``, ``Tags.of(stack)`` no longer tags the stack itself;
    ServingStack passes them as the stack's ``tags`` so CloudFormation still tags the stack and
    propagates them, as before the flag."""
    assembly = cx_api.CloudAssembly(str(any_config.assembly_dir))
    for name, env in any_config.config.environments.items():
        assert assembly.get_stack_by_name(env.stack_name).tags == dict(env.tags), name


def test_cdk_synth_prints_no_feature_flag_line(cli_synth: CliSynth) -> None:
    assert "Successfully synthesized" in cli_synth.output, cli_synth.output
    assert not UNCONFIGURED_FLAGS_LINE.search(cli_synth.output), cli_synth.output
    assert "feature flag" not in cli_synth.output.lower(), cli_synth.output


def recommended_flags() -> dict[str, Any]:
    """aws-cdk-lib's recommended feature flags: what ``cdk init`` writes into a new app's cdk.json."""
    spec = importlib.util.find_spec("aws_cdk")
    assert spec is not None and spec.submodule_search_locations
    (tarball,) = Path(next(iter(spec.submodule_search_locations)), "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        flags: dict[str, Any] = json.load(member)
    return flags


def documented_flags(doc: str) -> dict[str, str]:
    """Flags named in docs/templates.md's "Feature flags set differently" table: flag → reason."""
    section = doc.split("### Feature flags set differently", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `(@[^`]+)` \| [^|]+ \| ([^|]*\S[^|]*) \|$", section, re.MULTILINE))


def test_cdk_json_sets_every_recommended_flag_or_says_why_not() -> None:
    context: Mapping[str, Any] = json.loads(app_module.CDK_JSON.read_text())["context"]
    recommended = recommended_flags()
    assert len(recommended) > 50
    assert [flag for flag in recommended if flag not in context] == []
    differing = {flag for flag, value in recommended.items() if context[flag] != value}
    documented = documented_flags(FLAGS_DOC.read_text())
    assert differing == set(documented), "set differently from aws-cdk-lib's recommendation without a reason"
    assert all(len(reason) > 20 for reason in documented.values()), documented
    assert context["cli-telemetry"] is False


def test_documented_flags_table_is_parsed() -> None:
    doc = (
        "### Feature flags set differently\n\n| Flag | Value | Why |\n| --- | --- | --- |\n"
        "| `@aws-cdk/x:y` | `false` | It would add a custom-resource Lambda to every stack. |\n\n## Next\n"
        "| `@aws-cdk/not:this` | `false` | Outside the section, so not counted. |\n"
    )
    assert documented_flags(doc) == {"@aws-cdk/x:y": "It would add a custom-resource Lambda to every stack."}


# ---------------------------------------------------------------------------------------------
# build_app's context: cdk.json's when run in-process, the CLI's when run by the CLI; context= wins.
# ---------------------------------------------------------------------------------------------
MINIMIZE = "@aws-cdk/aws-iam:minimizePolicies"
CHECK_SECRET_USAGE = "@aws-cdk/core:checkSecretUsage"


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in app_module.CLI_CONTEXT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("in_process")
def test_in_process_the_app_has_cdk_jsons_context(reference_config: AppConfig, tmp_path: Path) -> None:
    app = app_module.build_app(reference_config, outdir=str(tmp_path), context={"env": "dev"})
    for key, value in json.loads(app_module.CDK_JSON.read_text())["context"].items():
        assert app.node.try_get_context(key) == value, key
    assert app.node.try_get_context("aws:cdk:enable-path-metadata") is True
    assert app.node.try_get_context("aws:cdk:enable-asset-metadata") is True


@pytest.mark.usefixtures("in_process")
def test_explicit_context_wins_over_cdk_json(reference_config: AppConfig, tmp_path: Path) -> None:
    app = app_module.build_app(reference_config, outdir=str(tmp_path), context={"env": "dev", MINIMIZE: False})
    assert app.node.try_get_context(MINIMIZE) is False
    assert app.node.try_get_context(CHECK_SECRET_USAGE) is True


def test_under_the_cli_the_app_takes_the_clis_context_and_context_still_wins(tmp_path: Path) -> None:
    """In a process of its own: jsii's node process reads ``CDK_CONTEXT_JSON`` once, when it starts."""
    keys = [MINIMIZE, CHECK_SECRET_USAGE, "who", "env"]
    code = (
        "import json, sys, app\n"
        "from stacks.config import load\n"
        f"a = app.build_app(load({str(REFERENCE_CONFIG_FILE)!r}), outdir={str(tmp_path)!r}, context={{'who': 'caller'}})\n"
        f"print(json.dumps([app.run_by_cdk_cli(), {{k: a.node.try_get_context(k) for k in {keys!r}}},"
        " sorted(c.node.id for c in a.node.children if c.node.id.startswith('ModelServing-'))]))\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in app_module.CLI_CONTEXT_ENV_VARS}
    env |= {
        "CDK_CONTEXT_JSON": json.dumps({"env": "dev", MINIMIZE: False, "who": "cli"}),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "constructs")]),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    by_cli, context, stacks = json.loads(result.stdout.strip().splitlines()[-1])
    assert by_cli is True
    assert context == {
        MINIMIZE: False,  # the CLI's value, not cdk.json's true
        CHECK_SECRET_USAGE: None,  # cdk.json is the CLI's to read: not applied a second time
        "who": "caller",  # context= wins over the CLI's
        "env": "dev",
    }
    assert stacks == ["ModelServing-dev"]


def test_cli_context_mirrors_the_clis_settings(tmp_path: Path) -> None:
    cdk_json = tmp_path / "cdk.json"
    assert app_module.cli_context(cdk_json) == {}  # no file
    cdk_json.write_text(json.dumps({"pathMetadata": False, "context": {"a": 1, "aws:cdk:enable-asset-metadata": 0}}))
    assert app_module.cli_context(cdk_json) == {
        "aws:cdk:enable-asset-metadata": 0,
        "aws:cdk:version-reporting": True,
        "a": 1,
    }
    cdk_json.write_text(json.dumps({"assetMetadata": False, "versionReporting": False}))
    assert app_module.cli_context(cdk_json) == {
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:disable-version-reporting": True,
    }
    cdk_json.write_text(json.dumps({"context": ["not", "an", "object"]}))
    with pytest.raises(ValueError, match=r'cdk.json: "context" must be an object, not list'):
        app_module.cli_context(cdk_json)


def test_the_repositorys_cdk_json_gives_path_and_asset_metadata_and_no_version_reporting() -> None:
    context = app_module.cli_context()
    assert context["aws:cdk:enable-path-metadata"] is True
    assert context["aws:cdk:enable-asset-metadata"] is True
    assert context["aws:cdk:disable-version-reporting"] is True
    assert "aws:cdk:version-reporting" not in context


# ---------------------------------------------------------------------------------------------
# The jsii kernel's Node options (app.kernel_node_options)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (None, "--max-semi-space-size=4"),
        ("", "--max-semi-space-size=4"),
        ("  --enable-source-maps ", "--enable-source-maps --max-semi-space-size=4"),
        ("--max-semi-space-size=16 --trace-warnings", "--max-semi-space-size=16 --trace-warnings"),  # the user's own
    ],
)
def test_kernel_node_options_add_the_semi_space_limit_unless_set(existing: str | None, expected: str) -> None:
    assert app_module.kernel_node_options(existing) == expected
