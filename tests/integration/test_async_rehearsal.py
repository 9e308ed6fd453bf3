"""The asynchronous example (examples/async.toml) on the moto rehearsal: deployed with boto3 as ``cdk deploy``
would, verified (the endpoint config's ``AsyncInferenceConfig`` in the stack's bucket, key and topics, the
grants, the routes), then served end to end: HTTP → the front-door handler → moto's ``InvokeEndpointAsync``,
which writes each canned outcome at once where it says, → ``GET`` answers 200 or 424.

moto does not emulate the queue, the SNS notifications, the bucket and topic policies, the alarm or the
autoscaling policies: the template tests check those (docs/local_rehearsal.md).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_app
from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.moto_server import MotoServer, Target
from rehearsal.serve_local import HANDLER_FILE, LocalFrontDoor, front_door_setup, load_handler
from rehearsal.verify import Status, failures_text, verify_stack
from stacks.config import AppConfig, load

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "async.toml"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """``POST`` with a body, else ``GET``; the status and body of any answer."""
    made = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(made, timeout=10) as response:  # a loopback URL built here
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def serve_async_requests(front_door_url: str, moto_server: MotoServer, target: Target) -> None:
    """One inference that succeeds and one that fails, through the asynchronous routes (shared with the
    end-to-end test of any environment, tests/integration/test_serve_local.py)."""
    moto_server.set_async_endpoint_results(
        [{"data": json.dumps({"predictions": [7]})}, {"is_failure": True, "data": "model crashed: out of memory"}],
        target,
    )
    answers = []
    for body in (b'{"instances": [[1, 2]]}', b'{"instances": [[3, 4]]}'):
        status, raw = request(f"{front_door_url}/async-invocations", body, {"Content-Type": "application/json"})
        assert status == 202, raw
        answers.append(json.loads(raw))
    assert all(a["status"] == "InProgress" and len(a["inferenceId"]) == 32 for a in answers)
    # moto stores the result without a content type (S3's binary/octet-stream; SageMaker gives the model's): as
    # for any binary answer, the caller's first Accept must be a binary media type of the API.
    path = f"{front_door_url}/async-invocations/{answers[0]['inferenceId']}"
    status, raw = request(path, headers={"Accept": "application/json"})
    assert (status, json.loads(raw)["error"]["code"]) == (406, "NotAcceptable")
    status, raw = request(path, headers={"Accept": "application/octet-stream"})
    assert status == 200, raw
    assert json.loads(raw) == {"predictions": [7]}
    status, raw = request(f"{front_door_url}/async-invocations/{answers[1]['inferenceId']}")
    assert status == 424, raw
    assert json.loads(raw)["error"] == {"code": "InferenceFailed", "message": "model crashed: out of memory"}
    status, raw = request(f"{front_door_url}/invocations", b"{}", {"Content-Type": "application/json"})
    assert status == 403  # no such route on the API: API Gateway's own answer


@pytest.fixture(scope="module")
def async_config() -> AppConfig:
    return load(EXAMPLE)


@pytest.fixture(scope="module")
def async_assembly(async_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, synthesized: Path) -> Path:
    """The example synthesised (in the session's process: jsii is already up)."""
    outdir = tmp_path_factory.mktemp("cdk.async-rehearsal.out")
    build_app(async_config, outdir=str(outdir)).synth()
    return outdir


@pytest.fixture
def deployed(moto_server: MotoServer, async_config: AppConfig, async_assembly: Path) -> Iterator[str]:
    env = async_config.environments["async"]
    deploy_stack(moto_server, env.stack_name, async_assembly / f"{env.stack_name}.template.json")
    try:
        yield env.stack_name
    finally:
        delete_stack(moto_server, env.stack_name)


def test_the_async_example_deploys_verifies_and_serves(
    deployed: str,
    moto_server: MotoServer,
    async_config: AppConfig,
    async_assembly: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = async_config.environments["async"]
    report = verify_stack(
        moto_server.clients(),
        stack_name=deployed,
        env=env,
        models=async_config.models,
        template=json.loads((async_assembly / f"{deployed}.template.json").read_text()),
    )
    assert report.ok, failures_text(report.checks) + "\n\n" + report.render()
    passed = {c.name for c in report.of(Status.PASSED)}
    assert {
        "results in the stack's bucket",
        "failures in the stack's bucket",
        "success and error topics are the stack's",
        "results encrypted with the stack's key",
        "bucket encrypted with KMS by default",
        "function INVOCATION_MODE",
        "function role may invoke the endpoint",
        "route POST /async-invocations → front-door function (proxy)",
        "route GET /async-invocations/{inference_id} → front-door function (proxy)",
        "execution role reads exactly this artifact in S3 (and writes the asynchronous prefixes)",
    } <= passed
    template_only = {c.name.rsplit(" ", 1)[0] for c in report.of(Status.TEMPLATE)}
    assert {"alarm", "bucket policy (TLS only)", "SNS topic policy (TLS-only publishing)"} <= template_only

    setup = front_door_setup(moto_server, deployed, env)
    assert setup.environment["INVOCATION_MODE"] == "async"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in setup.environment.items():
        monkeypatch.setenv(name, value)
    handler = load_handler(HANDLER_FILE)
    with LocalFrontDoor(
        handler, routes=setup.routes, binary_media_types=setup.binary_media_types, target=setup.target
    ) as front_door:
        serve_async_requests(front_door.url, moto_server, setup.target)
