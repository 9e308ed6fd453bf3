"""The front-door checks of the report on each environment's real stack: function settings (or the direct
integration's role), a role scoped to the endpoint, the API's routes and its permission to invoke the
function, the stage and the URL outputs, and serve-local's set-up read back from the deployed stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.deploy_local import target_of
from rehearsal.moto_server import MotoServer
from rehearsal.serve_local import front_door_setup, variant_names
from rehearsal.verify import Status, failures_text, front_door_routes, verify_stack
from sagemaker_serving.front_door import DEFAULT_BINARY_MEDIA_TYPES
from stacks.config import AppConfig, EnvironmentConfig, load

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


@pytest.fixture(scope="module", params=list(load().environments))
def front_door_stack(
    request: pytest.FixtureRequest, moto_server: MotoServer, app_config: AppConfig, synthesized: Path
) -> Iterator[tuple[EnvironmentConfig, str]]:
    """Each environment's session template, deployed under another stack name (once for this module)."""
    env = app_config.environments[request.param]
    target = target_of(env)
    stack_name = f"{env.stack_name}-frontdoor"
    moto_server.put_bootstrap_version(target=target)
    deploy_stack(moto_server, stack_name, synthesized / f"{env.stack_name}.template.json", target=target)
    try:
        yield env, stack_name
    finally:
        delete_stack(moto_server, stack_name, target=target)


def test_front_door_checks_run_when_the_stack_has_one(
    front_door_stack: tuple[EnvironmentConfig, str], moto_server: MotoServer, app_config: AppConfig, synthesized: Path
) -> None:
    env, stack_name = front_door_stack
    target = target_of(env)
    template_file = synthesized / f"{env.stack_name}.template.json"
    report = verify_stack(
        moto_server.clients(target),
        stack_name=stack_name,
        env=env,
        models=app_config.models,
        template=json.loads(template_file.read_text()),
    )
    assert report.ok, failures_text(report.checks) + "\n\n" + report.render()
    front_door = {c.name: c.status for c in report.checks if c.area == "Front door"}
    stage = env.front_door.stage_name
    routes = front_door_routes(env)  # an asynchronous endpoint has its own
    if env.front_door.integration == "lambda":
        expected = [
            "function ENDPOINT_NAME",
            "function VARIANT_NAMES",
            "function role may invoke the endpoint",
            "function role scoped to the endpoint",
            *(f"route {method} {path} → front-door function (proxy)" for method, path in routes),
            "API Gateway may invoke the function (this API only)",
        ]
        assert not report.of(Status.ABSENT)
    else:
        expected = [
            "API Gateway integration role may invoke the endpoint",
            "API Gateway integration role scoped to the endpoint",
            "route POST /invocations → SageMaker (direct)",
            "route POST /variants/{variant}/invocations → SageMaker (direct)",
            "route GET /health → SageMaker (direct)",
        ]
        assert front_door["front-door function"] is Status.ABSENT
    expected += [
        *(f"route {method} {path}" for method, path in routes),
        f"stage {stage} deployed",
        "FrontDoorUrl output",
    ]
    for name in expected:
        assert front_door.get(name) is Status.PASSED, (name, report.render())

    setup = front_door_setup(moto_server, stack_name, env)
    assert setup.from_stack is (env.front_door.integration == "lambda")
    assert setup.target == target
    assert setup.environment["AWS_REGION"] == target.region
    assert sorted(setup.environment["VARIANT_NAMES"].split(",")) == sorted(variant_names(env))
    assert {(r.method, r.resource) for r in setup.routes} >= set(routes)
    assert set(setup.binary_media_types) == set(env.front_door.binary_media_types or DEFAULT_BINARY_MEDIA_TYPES)


def test_the_front_door_url_output_names_the_stage_not_none(
    front_door_stack: tuple[EnvironmentConfig, str], moto_server: MotoServer, synthesized: Path
) -> None:
    """Issue #10: the URL output (printed by the CDK CLI in deploy-local and serve-local) ended in
    ``/None/``: moto's CloudFormation did not create ``AWS::ApiGateway::Stage``, so its ``Ref`` was
    ``None``. :mod:`rehearsal.moto_patches` creates the stage; the ``Ref`` is its name."""
    env, stack_name = front_door_stack
    target = target_of(env)
    cfn, apigw = moto_server.client("cloudformation", target), moto_server.client("apigateway", target)
    outputs = {
        o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["Outputs"]
    }
    (api_id,) = [
        r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("ResourceType") == "AWS::ApiGateway::RestApi"
    ]
    stage = env.front_door.stage_name
    assert outputs["FrontDoorUrl"] == f"https://{api_id}.execute-api.{target.region}.amazonaws.com/{stage}/"
    assert not [key for key, value in outputs.items() if "None" in value], outputs
    deployed = apigw.get_stage(restApiId=api_id, stageName=stage)
    assert deployed["deploymentId"] in {d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]}
    template = json.loads((synthesized / f"{env.stack_name}.template.json").read_text())
    (stage_properties,) = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"
    ]
    assert deployed.get("tracingEnabled") == stage_properties.get("TracingEnabled")


def test_a_stage_update_replaces_the_stage(
    moto_server: MotoServer, app_config: AppConfig, synthesized: Path, tmp_path: Path
) -> None:
    """A changed stage (new variables here; a new deployment when the API changes) updates the stack."""
    env = next(iter(app_config.environments.values()))
    target = target_of(env)
    stack_name = f"{env.stack_name}-stage"
    template_file = synthesized / f"{env.stack_name}.template.json"
    moto_server.put_bootstrap_version(target=target)
    deploy_stack(moto_server, stack_name, template_file, target=target)
    try:
        template = json.loads(template_file.read_text())
        (stage_id,) = [lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::Stage"]
        template["Resources"][stage_id]["Properties"]["Variables"] = {"release": "2"}
        changed = tmp_path / template_file.name  # no assets file next to it: they are uploaded already
        changed.write_text(json.dumps(template))
        assert deploy_stack(moto_server, stack_name, changed, target=target) == "UPDATE_COMPLETE"
        cfn, apigw = moto_server.client("cloudformation", target), moto_server.client("apigateway", target)
        (api_id,) = [
            r["PhysicalResourceId"]
            for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
            if r.get("ResourceType") == "AWS::ApiGateway::RestApi"
        ]
        stage = apigw.get_stage(restApiId=api_id, stageName=env.front_door.stage_name)
        assert stage["variables"] == {"release": "2"}
        assert [s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]] == [env.front_door.stage_name]
    finally:
        delete_stack(moto_server, stack_name, target=target)
