"""cdk-nag: every environment passes the three packs, and every acknowledgement is a reviewed one.

The packs run once per configuration (``nag_findings``, over the whole app of ``any_config``); the
reviewed acknowledgements are tests/stacks/security/acknowledgements.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest

import app as app_module
from stacks.config import AppConfig
from stacks.serving_stack import ServingStack
from tests.conftest import Synthesised
from tests.stacks.security.acknowledgements import EXPECTED_ACKNOWLEDGEMENTS, REVIEWED
from tests.stacks.security.acknowledgements import review_key as _review_key
from tests.stacks.security.acknowledgements import reviewed_key as _reviewed_key


@pytest.fixture(scope="module")
def nag_findings(any_config: Synthesised) -> list[str]:
    """Every unacknowledged finding (error, warning or info) of the three packs over the whole app."""
    root = any_config.app
    findings = []
    for pack in app_module.nag_packs():
        report = pack.validate_scope(root)
        for violation in report.violations:
            for resource in violation.violating_resources:
                findings.append(f"{violation.severity}: {violation.rule_name} at {resource.construct_path}")
    return findings


def test_every_environment_passes_the_nag_packs(any_config: Synthesised, nag_findings: list[str]) -> None:
    assert {c.node.id for c in any_config.app.node.children if isinstance(c, cdk.Stack)} == {
        s.stack_name for s in any_config.stacks.values()
    }
    assert nag_findings == []


def _acknowledgements(stack: cdk.Stack) -> Iterator[tuple[cdk.IConstruct, str, str]]:
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                for rule, reason in entry.data.items():
                    yield construct, rule.removeprefix("Annotation::"), reason


def _capture_prefix(rule: str) -> str:
    """The data capture prefix names the stack (``data-capture/ModelServing-prod/...``): ``<prefix>`` in rule IDs."""
    return re.sub(r"/data-capture/[^\]]*/\*\]$", "/data-capture/<prefix>/*]", rule)


def _found_acknowledgements(stack: cdk.Stack) -> dict[tuple[str, str], str]:
    found = {}
    for construct, rule, reason in _acknowledgements(stack):
        path = construct.node.path.removeprefix(f"{stack.node.path}/")
        if construct is stack:
            path = "<stack>"
            assert rule.startswith("CloudFormation-Validate::"), f"{rule}: acknowledge on a resource, not a stack"
        assert len(reason) >= 10, f"{path} {rule}: reason too short: {reason!r}"
        found[(path, _capture_prefix(rule))] = reason
    return found


def test_acknowledgements_are_the_reviewed_ones(reference_stacks: dict[str, ServingStack]) -> None:
    """Each suppression of the reference environments: its rule, the one resource it sits on, a specific reason."""
    found = {env: _found_acknowledgements(stack) for env, stack in reference_stacks.items()}
    summary = {env: sorted(acks) for env, acks in found.items()}
    assert summary == {env: sorted(acks) for env, acks in EXPECTED_ACKNOWLEDGEMENTS.items()}
    for env, acks in EXPECTED_ACKNOWLEDGEMENTS.items():
        for key, reason_start in acks.items():
            assert found[env][key].startswith(reason_start), (env, key, found[env][key])


def test_every_acknowledgement_is_a_reviewed_one(any_config: Synthesised) -> None:
    """A new environment brings no suppression that was not reviewed (on some reference environment)."""
    for env, stack in any_config.stacks.items():
        for (path, rule), reason in _found_acknowledgements(stack).items():
            key = _review_key(path, rule)
            if key not in REVIEWED:  # batch predictions' keys blank every logical ID and prefix
                key = _reviewed_key(path, rule)
            assert key in REVIEWED, f"{env}: {path} {rule} is not in EXPECTED_ACKNOWLEDGEMENTS: review it there"
            assert any(reason.startswith(start) for start in REVIEWED[key]), (env, key, reason)


def test_nag_context_flag_runs_the_packs_at_synth(
    monkeypatch: pytest.MonkeyPatch, reference_config: AppConfig, tmp_path: Path
) -> None:
    """``cdk synth -c nag=true`` fails on a finding; without the flag the same app synthesises."""
    import sagemaker_serving.endpoint_config
    import sagemaker_serving.model

    monkeypatch.setattr(sagemaker_serving.model, "acknowledge", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        sagemaker_serving.endpoint_config, "acknowledge_endpoint_config_without_key", lambda *args, **kwargs: None
    )
    app_module.build_app(reference_config, outdir=str(tmp_path / "off"), context={"env": "dev"}).synth()
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app_module.build_app(
            reference_config, outdir=str(tmp_path / "on"), context={"env": "dev", "nag": "true"}
        ).synth()
    for rule in ("AwsSolutions-IAM5[Resource::*]", "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured"):
        assert rule in str(info.value)
