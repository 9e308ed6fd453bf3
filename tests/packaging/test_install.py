"""The library installs with pip into another project's venv and synthesises an endpoint there."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CONSUMER_APP = textwrap.dedent(
    """
    import sys

    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    import sagemaker_serving
    from sagemaker_serving import (
        ContainerImage, Endpoint, EndpointConfig, FrontDoor, InstanceVariant, LambdaIntegration, Model, ModelData,
        ValidationError,
    )

    app = cdk.App(outdir="cdk.out")
    stack = cdk.Stack(app, "Consumer")
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    config = EndpointConfig(stack, "Config", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")])
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    try:  # an installed package has no lambda/ folder: the error says to pass LambdaIntegration(code=...)
        FrontDoor(stack, "NoCode", endpoint=endpoint)
    except ValidationError as exc:
        print("no-code error:", "pass LambdaIntegration(code=" in str(exc))
    FrontDoor(
        stack, "FrontDoor", endpoint=endpoint, integration=LambdaIntegration(code=lambda_.Code.from_asset(sys.argv[1]))
    )
    app.synth()
    print(sagemaker_serving.__file__)
    """
)


def test_pip_install_into_another_venv_and_synth(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The heavy dependencies (aws-cdk-lib, jsii) come from this venv through a .pth file, so the test
    # installs only this package: pip builds it from the repository (setuptools from the registry).
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_deps_from_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    app_dir = tmp_path / "consumer"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    handler_dir = str(ROOT / "lambda" / "front_door")
    result = subprocess.run(
        [python, "app.py", handler_dir], cwd=app_dir, env=env, check=True, capture_output=True, text=True
    )
    assert "no-code error: True" in result.stdout
    installed_at = Path(result.stdout.strip().splitlines()[-1])
    assert installed_at.is_relative_to(Path(purelib)), installed_at  # not the repository's copy
    template = (app_dir / "cdk.out" / "Consumer.template.json").read_text()
    assert '"AWS::SageMaker::Endpoint"' in template and '"AWS::SageMaker::EndpointConfig"' in template
    assert '"AWS::ApiGateway::RestApi"' in template and '"AWS::Lambda::Function"' in template
    assert (Path(purelib) / "sagemaker_serving" / "py.typed").exists()
