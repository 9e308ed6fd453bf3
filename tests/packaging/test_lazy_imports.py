"""A configuration pays only for the aws_cdk modules it uses (each costs real synth time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FOUNDATION_APP = """
import json, sys
import aws_cdk as cdk
from sagemaker_serving import ContainerImage, Endpoint, EndpointConfig, InstanceVariant, Model, ModelData

stack = cdk.Stack(cdk.App(), "S")
model = Model(stack, "M", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
config = EndpointConfig(stack, "C", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")])
Endpoint(stack, "E", endpoint_config=config).autoscale("a", min_capacity=1, max_capacity=2)
import stacks.serving_endpoint  # the reference app's serving part, as the synth benchmark uses it
print(json.dumps(sorted(m for m in sys.modules if m.startswith("aws_cdk.aws_") and m.count(".") == 1)))
"""


def test_model_endpoint_and_autoscaling_import_no_front_door_or_network_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FOUNDATION_APP],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'constructs'}"},
        check=True,
        capture_output=True,
        text=True,
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert modules == [
        "aws_cdk.aws_applicationautoscaling",
        "aws_cdk.aws_iam",
        "aws_cdk.aws_kms",
        "aws_cdk.aws_sagemaker",
    ]


DEV_ONLY_APP = """
import json, sys
from app import build_app

build_app(context={"env": "dev"}, outdir=sys.argv[1]).synth()
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("aws_cdk.aws_", "sagemaker_serving.")))))
"""


def test_dev_stack_imports_no_network_waf_cognito_or_direct_integration_modules(tmp_path: Path) -> None:
    """Each front-door part is its own module, imported only when used."""
    # dev: serverless, IAM auth, Lambda integration, no VPC, no WAF (the reference configuration).
    result = subprocess.run(
        [sys.executable, "-c", DEV_ONLY_APP, str(tmp_path)],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'constructs'}",
            "CDK_VALIDATION": "false",
            "SERVING_CONFIG": str(ROOT / "tests" / "fixtures" / "environments.toml"),  # the reference dev
        },
        check=True,
        capture_output=True,
        text=True,
    )
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert (tmp_path / "ModelServing-dev.template.json").is_file()
    assert {
        "aws_cdk.aws_apigateway",
        "aws_cdk.aws_lambda",
        "sagemaker_serving.front_door.front_door",
        "sagemaker_serving.front_door.auth.iam",
        "sagemaker_serving.front_door.integrations.lambda_function",
    } <= modules
    # aws_cdk.aws_lambda itself imports aws_cdk.aws_ec2 (its IFunction extends ec2.IConnectable). The WafOptions
    # value object (front_door.waf) is loaded by the configuration parser when any environment has a waf table;
    # aws_cdk.aws_wafv2 only when a web ACL is built.
    unused = {
        "aws_cdk.aws_wafv2",
        "aws_cdk.aws_cognito",
        "sagemaker_serving.network",
        "sagemaker_serving.front_door.integrations.direct",
        "sagemaker_serving.front_door.auth.cognito",
        "sagemaker_serving.front_door.auth.api_key",
        "sagemaker_serving.front_door.auth.none",
        "sagemaker_serving.front_door.private_api",
    }
    assert modules & unused == set()
