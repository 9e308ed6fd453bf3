"""The rehearsal works for whatever environments the configuration holds, not only the reference ones:
a direct integration with Cognito and CORS, an environment pinned to its own account and region (with a
VPC), and a private API. Each is synthesised, deployed to moto with boto3, verified and served."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_app
from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.deploy_local import target_of
from rehearsal.moto_server import MotoServer, Target
from rehearsal.serve_local import front_door_setup, variant_names
from rehearsal.verify import Status, failures_text, verify_stack
from stacks.config import AppConfig, parse

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")

ACCOUNT, REGION = "111111111111", "eu-west-1"
CONFIG = f"""
[models.m]
artifact = "reference_model/artifact"
image = "sklearn:1.2-1"

[environments.direct]
[[environments.direct.serverless_variants]]
name = "only"
model = "m"
memory_size_mb = 2048
max_concurrency = 2
[environments.direct.front_door]
integration = "direct"
auth = "cognito"
cognito_scopes = ["serving/invoke"]
cors_allowed_origins = ["https://example.com"]

[environments.pinned]
account = "{ACCOUNT}"
region = "{REGION}"
network = {{ vpc = true, network_isolation = true }}
[[environments.pinned.instance_variants]]
name = "blue"
model = "m"
instance_type = "ml.m5.large"
initial_instance_count = 1

[environments.private]
network = {{ vpc = true }}
[[environments.private.instance_variants]]
name = "green"
model = "m"
instance_type = "ml.m5.large"
initial_instance_count = 1
[environments.private.front_door]
private = true
stage_name = "live"
"""
#: Availability Zones for the pinned environment's VPC (the CDK CLI would look them up; this synth runs in-process).
AZ_CONTEXT = {f"availability-zones:account={ACCOUNT}:region={REGION}": [f"{REGION}a", f"{REGION}b", f"{REGION}c"]}


@pytest.fixture(scope="module")
def other_config() -> AppConfig:
    return parse(tomllib.loads(CONFIG))


@pytest.fixture(scope="module")
def other_assembly(other_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, synthesized: Path) -> Path:
    """The three environments synthesised (in the session's process: jsii is already up)."""
    outdir = tmp_path_factory.mktemp("cdk.other.out")
    build_app(other_config, outdir=str(outdir), context=AZ_CONTEXT).synth()
    return outdir


@pytest.fixture
def deployed(
    request: pytest.FixtureRequest, moto_server: MotoServer, other_config: AppConfig, other_assembly: Path
) -> Iterator[str]:
    env = other_config.environments[request.param]
    target = target_of(env)
    moto_server.put_bootstrap_version(target=target)
    deploy_stack(moto_server, env.stack_name, other_assembly / f"{env.stack_name}.template.json", target=target)
    try:
        yield env.name
    finally:
        delete_stack(moto_server, env.stack_name, target=target)


def test_the_pinned_environment_goes_to_its_own_account_and_region(other_config: AppConfig) -> None:
    assert target_of(other_config.environments["pinned"]) == Target(ACCOUNT, REGION)
    assert target_of(other_config.environments["direct"]) == Target()


@pytest.mark.parametrize("deployed", ["direct", "pinned", "private"], indirect=True)
def test_any_environment_deploys_verifies_and_serves(
    deployed: str, moto_server: MotoServer, other_config: AppConfig, other_assembly: Path
) -> None:
    env = other_config.environments[deployed]
    target = target_of(env)
    cfn = moto_server.client("cloudformation", target)
    stack_id = cfn.describe_stacks(StackName=env.stack_name)["Stacks"][0]["StackId"]
    assert stack_id.startswith(f"arn:aws:cloudformation:{target.region}:{target.account}:stack/")

    report = verify_stack(
        moto_server.clients(target),
        stack_name=env.stack_name,
        env=env,
        models=other_config.models,
        template=json.loads((other_assembly / f"{env.stack_name}.template.json").read_text()),
    )
    assert report.ok, failures_text(report.checks) + "\n\n" + report.render()
    passed = {c.name for c in report.of(Status.PASSED)}
    assert {f"stage {env.front_door.stage_name} deployed", "FrontDoorUrl output", "image"} <= passed
    if env.front_door.integration == "direct":
        assert "route POST /invocations → SageMaker (direct)" in passed
        assert "API Gateway integration role scoped to the endpoint" in passed
        template_only = {c.name.rsplit(" ", 1)[0] for c in report.of(Status.TEMPLATE)}
        assert {"Cognito user pool", "API Gateway authorizer (Cognito user pool)"} <= template_only
    else:
        assert "route POST /invocations → front-door function (proxy)" in passed

    setup = front_door_setup(moto_server, env.stack_name, env)
    assert setup.target == target
    assert setup.environment["AWS_REGION"] == target.region
    assert setup.environment["VARIANT_NAMES"] == ",".join(variant_names(env))
    assert setup.api_urls["FrontDoorUrl"].endswith(f".{target.region}.amazonaws.com/{env.front_door.stage_name}/")
