"""The front-door checks of the report on the real dev stack: function settings, a role scoped to the
endpoint, the API's routes and its permission to invoke the function, and serve-local's set-up read
back from the deployed stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_serving.front_door import DEFAULT_BINARY_MEDIA_TYPES
from stacks.config import AppConfig
from stacks.local.deploy import delete_stack, deploy_stack
from stacks.local.moto_server import MotoServer
from stacks.local.serve_local import front_door_setup
from stacks.local.verify import Status, failures_text, verify_stack

STACK_NAME = "ModelServing-dev-frontdoor"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


@pytest.fixture(scope="module")
def front_door_template(synthesized: Path) -> Path:
    """The session's dev template (with its real front door), deployed under another stack name."""
    return synthesized / "ModelServing-dev.template.json"


def test_front_door_checks_run_when_the_stack_has_one(
    moto_server: MotoServer, reference_config: AppConfig, front_door_template: Path
) -> None:
    env = reference_config.environments["dev"]
    deploy_stack(moto_server, STACK_NAME, front_door_template)
    try:
        report = verify_stack(
            moto_server.client,
            stack_name=STACK_NAME,
            env=env,
            models=reference_config.models,
            template=json.loads(front_door_template.read_text()),
        )
        assert report.ok, failures_text(report.checks) + "\n\n" + report.render()
        front_door = {c.name: c.status for c in report.checks if c.area == "Front door"}
        assert not report.of(Status.ABSENT)
        for name in (
            "function ENDPOINT_NAME",
            "function VARIANT_NAMES",
            "function role may invoke the endpoint",
            "function role scoped to the endpoint",
            "route POST /invocations",
            "route POST /variants/{variant}/invocations",
            "route GET /health",
            "route POST /invocations → front-door function (proxy)",
            "API Gateway may invoke the function (this API only)",
        ):
            assert front_door.get(name) is Status.PASSED, (name, report.render())

        setup = front_door_setup(moto_server, STACK_NAME, env)
        assert setup.from_stack
        assert setup.environment["VARIANT_NAMES"] == "champion"
        assert {(r.method, r.resource) for r in setup.routes} >= {
            ("POST", "/invocations"),
            ("GET", "/health"),
            ("POST", "/variants/{variant}/invocations"),
        }
        assert set(setup.binary_media_types) == set(DEFAULT_BINARY_MEDIA_TYPES)
    finally:
        delete_stack(moto_server, STACK_NAME)
