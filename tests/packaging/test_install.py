"""The library installs with pip into another project's venv, synthesises an endpoint there, and carries
the front-door function's code (``sagemaker_serving/_runtime/front_door``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.support.venv import Venv

ROOT = Path(__file__).resolve().parents[2]

CONSUMER_APP = textwrap.dedent(
    """
    import sys

    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    import sagemaker_serving
    from sagemaker_serving import (
        ContainerImage, Endpoint, EndpointConfig, FrontDoor, InstanceVariant, LambdaIntegration, Model, ModelData,
    )

    app = cdk.App(outdir="cdk.out")
    stack = cdk.Stack(app, "Consumer")
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    config = EndpointConfig(stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")])
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    # No code= needed: the package ships the function (sagemaker_serving/_runtime/front_door).
    FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    # ... and code= still replaces it.
    FrontDoor(
        stack, "OwnCode", endpoint=endpoint, integration=LambdaIntegration(code=lambda_.Code.from_asset(sys.argv[1]))
    )
    app.synth()
    print(sagemaker_serving.__file__)
    """
)


def test_pip_install_into_another_venv_and_synth(installed: Venv, tmp_path: Path) -> None:
    app_dir = tmp_path / "consumer"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP)
    handler_dir = str(ROOT / "lambda" / "front_door")
    result = installed.run("app.py", handler_dir, cwd=app_dir)
    installed_at = Path(result.stdout.strip().splitlines()[-1])
    assert installed_at.is_relative_to(installed.purelib), installed_at  # not the repository's copy
    template = (app_dir / "cdk.out" / "Consumer.template.json").read_text()
    assert '"AWS::SageMaker::Endpoint"' in template and '"AWS::SageMaker::EndpointConfig"' in template
    assert '"AWS::ApiGateway::RestApi"' in template and '"AWS::Lambda::Function"' in template
    assert (installed.purelib / "sagemaker_serving" / "py.typed").exists()
    # The default function's asset is the packaged copy of lambda/front_door: every module, no bytecode.
    functions = {
        logical_id: resource
        for logical_id, resource in json.loads(template)["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    (default_fn,) = [r for k, r in functions.items() if k.startswith("FrontDoorFunction")]
    asset_key = default_fn["Properties"]["Code"]["S3Key"]
    asset_dir = app_dir / "cdk.out" / f"asset.{asset_key.removesuffix('.zip')}"
    shipped = {p.name for p in (ROOT / "lambda" / "front_door").glob("*.py")}
    assert {p.name for p in asset_dir.iterdir()} == shipped, sorted(p.name for p in asset_dir.iterdir())


RUNTIME_PROBE = textwrap.dedent(
    """
    import json, sys
    from sagemaker_serving import runtime_assets

    code_dir = runtime_assets.front_door_code_dir()
    contract = runtime_assets.front_door_contract()
    print(json.dumps({
        "code_dir": str(code_dir),
        "files": sorted(p.name for p in code_dir.glob("*.py")),
        "max_body_bytes": contract.MAX_BODY_BYTES,
        "budget_ms": contract.worst_case_budget_ms(connect_ms=1000, read_ms=9000, attempts=2),
        "cached": runtime_assets.front_door_contract() is contract,
    }))
    """
)

# The installed copy is a complete code root: import it as the Lambda runtime does and answer an event
# that needs no AWS call (an unknown route).
HANDLER_PROBE = textwrap.dedent(
    """
    import json, sys
    from types import SimpleNamespace
    from sagemaker_serving import runtime_assets

    sys.path.insert(0, str(runtime_assets.front_door_code_dir()))
    import handler

    context = SimpleNamespace(function_name="f", memory_limit_in_mb=128, invoked_function_arn="arn", aws_request_id="r")
    event = {"resource": "/nope", "path": "/nope", "httpMethod": "GET", "requestContext": {"requestId": "q"}}
    print(json.dumps({"answer": handler.handler(event, context), "file": handler.__file__}))
    """
)


def test_installed_package_carries_the_function_code(installed: Venv, tmp_path: Path) -> None:
    probe = json.loads(installed.run("-c", RUNTIME_PROBE, cwd=tmp_path).stdout.strip().splitlines()[-1])

    code_dir = Path(probe["code_dir"])
    assert code_dir == installed.purelib / "sagemaker_serving" / "_runtime" / "front_door"
    assert {"handler.py", "contract.py"} <= set(probe["files"])
    assert probe["files"] == sorted(p.name for p in (ROOT / "lambda" / "front_door").glob("*.py"))
    for name in probe["files"]:  # the same code, not a stale copy
        assert (code_dir / name).read_bytes() == (ROOT / "lambda" / "front_door" / name).read_bytes(), name
    assert probe["max_body_bytes"] == 4521984
    assert probe["budget_ms"] == 20_200
    assert probe["cached"] is True


def test_installed_function_code_runs_as_a_lambda_code_root(installed: Venv, tmp_path: Path) -> None:
    env = {
        "ENDPOINT_NAME": "e",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    probe = json.loads(installed.run("-c", HANDLER_PROBE, cwd=tmp_path, env=env).stdout.strip().splitlines()[-1])

    assert Path(probe["file"]).is_relative_to(installed.purelib)
    answer = probe["answer"]
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"]) == {"error": {"code": "NotFound", "message": "No such route"}, "requestId": "q"}


def test_editable_install_uses_the_repository_folder(editable: Venv, tmp_path: Path) -> None:
    probe = json.loads(editable.run("-c", RUNTIME_PROBE, cwd=tmp_path).stdout.strip().splitlines()[-1])

    assert Path(probe["code_dir"]) == ROOT / "lambda" / "front_door"
    assert probe["max_body_bytes"] == 4521984
