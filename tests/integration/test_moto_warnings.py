"""moto's "No Moto CloudFormation support for <type>" warnings (issue #10): hidden unless asked, collected
per server, summed up in one line per stack."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.deploy_local import target_of
from rehearsal.moto_server import SKIPPED_TYPE_MESSAGE, MotoServer
from rehearsal.verify import TEMPLATE_ONLY, skipped_summary
from stacks.config import AppConfig

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


def _deploy_through(
    server: MotoServer, app_config: AppConfig, env_name: str, synthesized: Path, suffix: str
) -> dict[str, Any]:
    """Deploy the environment's template through ``server`` (moto's state is the process's: the session
    server sees the stack too) and delete it again; return the template."""
    env = app_config.environments[env_name]
    target = target_of(env)
    server.put_bootstrap_version(target=target)
    template_file = synthesized / f"{env.stack_name}.template.json"
    deploy_stack(server, f"{env.stack_name}-{suffix}", template_file, target=target)
    delete_stack(server, f"{env.stack_name}-{suffix}", target=target)
    template: dict[str, Any] = json.loads(template_file.read_text())
    return template


def _warnings(caplog: pytest.LogCaptureFixture) -> set[str]:
    return {str(r.args[0]) for r in caplog.records if r.msg == SKIPPED_TYPE_MESSAGE and isinstance(r.args, tuple)}


def test_warnings_are_collected_and_hidden_by_default(
    env_name: str,
    moto_server: MotoServer,
    app_config: AppConfig,
    synthesized: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    with MotoServer() as server:
        template = _deploy_through(server, app_config, env_name, synthesized, "quiet")
    assert not _warnings(caplog)
    types = Counter(r["Type"] for r in template["Resources"].values())
    skipped = server.skipped_types & set(types)
    assert skipped, "every stack with a front door has resources moto does not emulate (gateway responses)"
    # Every type moto skips in these stacks is listed by the report as checked by the template tests,
    # and the stage is no longer among them (rehearsal.moto_patches creates it).
    assert skipped <= set(TEMPLATE_ONLY), skipped - set(TEMPLATE_ONLY)
    assert "AWS::ApiGateway::Stage" not in server.skipped_types
    assert skipped_summary(server.skipped_types, template) == (
        f"moto skipped {sum(types[t] for t in skipped)} resource(s) of {len(skipped)} type(s) it does not emulate: "
        "checked by the template tests (--verbose or VERBOSE=1 shows moto's own warnings)."
    )


def test_a_verbose_server_lets_the_warnings_through(
    moto_server: MotoServer, app_config: AppConfig, synthesized: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    env_name = next(iter(app_config.environments))
    with MotoServer(verbose=True) as server:
        _deploy_through(server, app_config, env_name, synthesized, "verbose")
    assert server.skipped_types
    assert _warnings(caplog) == server.skipped_types
    # Once no verbose server runs, they are hidden again (the session server is quiet).
    caplog.clear()
    _deploy_through(moto_server, app_config, env_name, synthesized, "quiet-again")
    assert not _warnings(caplog)


def test_the_summary_names_types_the_report_does_not_cover() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::ApiGateway::GatewayResponse"},
            "B": {"Type": "AWS::ApiGateway::GatewayResponse"},
            "C": {"Type": "AWS::Example::Thing"},
            "D": {"Type": "AWS::SageMaker::Model"},
        }
    }
    skipped = {"AWS::ApiGateway::GatewayResponse", "AWS::Example::Thing", "AWS::S3::BucketPolicy"}
    assert skipped_summary(skipped, template) == (
        "moto skipped 3 resource(s) of 2 type(s) it does not emulate: AWS::Example::Thing not covered by this "
        "report, the others checked by the template tests (--verbose or VERBOSE=1 shows moto's own warnings)."
    )
    assert skipped_summary(set(), template) == (
        "moto skipped 0 resource(s) of 0 type(s) it does not emulate (--verbose or VERBOSE=1 shows moto's own warnings)."
    )
