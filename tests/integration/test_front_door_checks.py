"""The front-door checks of the report, on a stand-in front door (Lambda + REST API) added to dev.

The real front-door construct is built on another branch; this keeps the checks that will run on
it ("function settings, role scoped to the endpoint, API routes") tested meanwhile.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_

from stacks.config import AppConfig
from stacks.local.deploy import delete_stack, deploy_stack
from stacks.local.moto_server import MotoServer
from stacks.local.serve_local import front_door_setup
from stacks.local.verify import Status, failures_text, verify_stack
from stacks.serving_stack import ServingStack

STANDIN = Path(__file__).with_name("front_door_standin")
STACK_NAME = "ModelServing-dev-frontdoor"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


@pytest.fixture(scope="module")
def front_door_template(app_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, env_stacks: object) -> Path:
    env = app_config.environments["dev"]
    outdir = tmp_path_factory.mktemp("cdk.frontdoor.out")
    app = cdk.App(outdir=str(outdir))
    stack = ServingStack(app, STACK_NAME, config=env, models=app_config.models)
    function = lambda_.Function(
        stack,
        "FrontDoorFunction",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="handler.handler",
        code=lambda_.Code.from_asset(str(STANDIN), exclude=["__pycache__", "*.pyc"]),
        timeout=cdk.Duration.seconds(20),
        environment={"ENDPOINT_NAME": stack.endpoint.endpoint_name, "VARIANT_NAMES": "champion"},
    )
    stack.endpoint.grant_invoke(function)
    stack.endpoint.grant_describe(function)
    api = apigateway.RestApi(stack, "FrontDoorApi", cloud_watch_role=False, binary_media_types=["image/*"])
    integration = apigateway.LambdaIntegration(function)
    api.root.add_resource("invocations").add_method("POST", integration)
    api.root.add_resource("health").add_method("GET", integration)
    variants = api.root.add_resource("variants").add_resource("{variant}")
    variants.add_resource("invocations").add_method("POST", integration)
    app.synth()
    return outdir / f"{STACK_NAME}.template.json"


def test_front_door_checks_run_when_the_stack_has_one(
    moto_server: MotoServer, app_config: AppConfig, front_door_template: Path
) -> None:
    env = app_config.environments["dev"]
    deploy_stack(moto_server, STACK_NAME, front_door_template)
    try:
        report = verify_stack(
            moto_server.client,
            stack_name=STACK_NAME,
            env=env,
            models=app_config.models,
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
        assert setup.binary_media_types == ("image/*",)
    finally:
        delete_stack(moto_server, STACK_NAME)
