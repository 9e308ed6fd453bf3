"""The rehearsal of examples/components.toml on moto: what moto creates is verified, what it lacks is listed.

moto 5.2.5 has no inference components: its CloudFormation skips ``AWS::SageMaker::InferenceComponent`` (and,
as for every stack, the Application Auto Scaling resources and alarms), so the report lists them as checked by
the template tests. It does create the pool's endpoint config (a variant with no model, after the rehearsal's
patch: rehearsal/moto_patches.py), the endpoint, the three models, the front door and its component route.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_app
from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.moto_server import MotoServer
from rehearsal.verify import Status, failures_text, skipped_summary, verify_stack
from stacks.config import AppConfig, load
from tests.conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")

EXAMPLE = ROOT / "examples" / "components.toml"


@pytest.fixture(scope="module")
def example_config() -> AppConfig:
    return load(EXAMPLE)


@pytest.fixture(scope="module")
def example_template(example_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, synthesized: Path) -> Path:
    """The example synthesised in the session's process (jsii is already up), with its assets."""
    outdir = tmp_path_factory.mktemp("cdk.components-rehearsal.out")
    build_app(example_config, outdir=str(outdir)).synth()
    return outdir / "ModelServing-shared.template.json"


@pytest.fixture(scope="module")
def deployed(moto_server: MotoServer, example_config: AppConfig, example_template: Path) -> Iterator[str]:
    stack_name = example_config.environments["shared"].stack_name
    assert deploy_stack(moto_server, stack_name, example_template) == "CREATE_COMPLETE"
    try:
        yield stack_name
    finally:
        delete_stack(moto_server, stack_name)


def test_the_components_example_deploys_and_verifies(
    deployed: str, moto_server: MotoServer, example_config: AppConfig, example_template: Path
) -> None:
    template = json.loads(example_template.read_text())
    report = verify_stack(
        moto_server.clients(),
        stack_name=deployed,
        env=example_config.environments["shared"],
        models=example_config.models,
        template=template,
    )
    assert report.ok, failures_text(report.checks) + "\n\n" + report.render()
    passed = {c.name for c in report.of(Status.PASSED)}
    assert {
        "variant names",
        "instance pool (no model)",
        "function INFERENCE_COMPONENTS names",
        "function role scoped to the endpoint and its 3 inference components",
        "route POST /models/{component}/invocations",
        "route POST /models/{component}/invocations → front-door function (proxy)",
    } <= passed
    models = [c.area for c in report.checks if c.area.startswith("Model of inference component")]
    assert sorted(set(models)) == [
        "Model of inference component(s) churn (churn)",
        "Model of inference component(s) fraud (fraud)",
        "Model of inference component(s) reports (reports)",
    ]
    template_only = [c.name for c in report.of(Status.TEMPLATE)]
    assert sum(name.startswith("inference component ModelServing-shared-Component") for name in template_only) == 3
    assert sum(name.startswith("autoscaling of inference-component/") for name in template_only) == 3


def test_moto_skips_the_components_and_the_report_says_so(
    deployed: str, moto_server: MotoServer, example_template: Path
) -> None:
    template = json.loads(example_template.read_text())
    assert "AWS::SageMaker::InferenceComponent" in moto_server.skipped_types
    line = skipped_summary(moto_server.skipped_types, template)
    assert line.startswith("moto skipped ") and "checked by the template tests" in line
    assert "not covered by this report" not in line


def test_serve_local_reaches_a_component_by_name(
    deployed: str, moto_server: MotoServer, example_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve-local with the deployed function's settings: the real handler, real HTTP, moto's canned answer."""
    import urllib.error
    import urllib.request

    from rehearsal.serve_local import HANDLER_FILE, LocalFrontDoor, front_door_setup, load_handler

    env = example_config.environments["shared"]
    setup = front_door_setup(moto_server, deployed, env)
    assert setup.environment["INFERENCE_COMPONENTS"].startswith("fraud=ModelServing-shared-ComponentFraud-")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in setup.environment.items():
        monkeypatch.setenv(name, value)
    moto_server.set_endpoint_results(
        [{"Body": '{"score": 0.9}', "ContentType": "application/json", "InvokedProductionVariant": "pool"}]
    )

    def post(url: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            url, data=b'{"amount": 12}', headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # a loopback URL built here
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    with LocalFrontDoor(load_handler(HANDLER_FILE), routes=setup.routes) as front_door:
        assert post(f"{front_door.url}/models/fraud/invocations") == (200, b'{"score": 0.9}')
        status, body = post(f"{front_door.url}/models/nope/invocations")
        assert (status, json.loads(body)["error"]["code"]) == (404, "ComponentNotFound")
        status, body = post(f"{front_door.url}/invocations")
        assert (status, json.loads(body)["error"]["code"]) == (404, "ComponentRequired")
