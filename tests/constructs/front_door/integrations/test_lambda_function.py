"""LambdaIntegration: the function (runtime, logging, environment, settings), its client budget inside the
integration timeout, its role and permissions, the Powertools layer per region, the VPC, the code asset, and
the acknowledgements that sit with the function. The front doors are tests/constructs/front_door/conftest.py's,
synthesised once per session."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

import sagemaker_serving.front_door.integrations.lambda_function as lambda_module
from sagemaker_serving import FrontDoor, LambdaIntegration, ValidationError
from sagemaker_serving.front_door.runtime_contract import contract
from tests.constructs.front_door import support
from tests.constructs.front_door.support import acknowledged_rules as _acknowledged_rules
from tests.constructs.front_door.support import actions as _actions
from tests.constructs.front_door.support import endpoint as _endpoint
from tests.constructs.front_door.support import endpoint_id as _endpoint_id
from tests.constructs.front_door.support import methods as _methods
from tests.constructs.front_door.support import of_type as _of_type
from tests.constructs.front_door.support import one as _one
from tests.constructs.front_door.support import statements as _statements

HANDLER_MARGIN_MS = contract.HANDLER_MARGIN_MS
client_budget_ms = contract.worst_case_budget_ms

LAYER = "AWSLambdaPowertoolsPythonV3-python312-arm64:27"


def test_function_runtime_arch_tracing_logging_and_environment(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Default"]
    fn = _one(template, "AWS::Lambda::Function")
    assert fn["Runtime"] == "python3.12"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Handler"] == "handler.handler"
    assert fn["MemorySize"] == 256
    assert fn["Timeout"] == 29
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert "ReservedConcurrentExecutions" not in fn
    function_logs = next(k for k in _of_type(template, "AWS::Logs::LogGroup") if k.startswith("FrontDoorFunctionLogs"))
    assert fn["LoggingConfig"] == {
        "ApplicationLogLevel": "INFO",
        "LogFormat": "JSON",
        "LogGroup": {"Ref": function_logs},
        "SystemLogLevel": "WARN",
    }
    assert template["Resources"][function_logs]["Properties"]["RetentionInDays"] == 90
    assert fn["Environment"]["Variables"] == {
        "ENDPOINT_NAME": {"Fn::GetAtt": [_endpoint_id(template), "EndpointName"]},
        "VARIANT_NAMES": "champion",
        "MAX_BODY_BYTES": "4194304",  # a serverless endpoint: Serverless Inference's 4 MB payload limit
        "ALLOWED_CONTENT_TYPES": "application/json,text/csv,application/x-npy,application/octet-stream,"
        "image/jpeg,image/png",
        "SAGEMAKER_CONNECT_TIMEOUT": "1",
        "SAGEMAKER_READ_TIMEOUT": "9",
        "SAGEMAKER_MAX_ATTEMPTS": "2",
        "POWERTOOLS_SERVICE_NAME": "front-door",
        "POWERTOOLS_METRICS_NAMESPACE": "SageMakerServing",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "BINARY_MEDIA_TYPES": "image/*,application/octet-stream,application/x-npy",
    }
    (layer,) = fn["Layers"]
    # Region unresolved: the publisher account comes from a region-keyed mapping, as the partition does.
    find = {"Fn::FindInMap": ["PowertoolsLayerAccounts", {"Ref": "AWS::Region"}, "account"]}
    assert layer == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":lambda:", {"Ref": "AWS::Region"}, ":", find, f":layer:{LAYER}"],
        ]
    }
    mapping = template["Mappings"]["PowertoolsLayerAccounts"]
    assert mapping["cn-north-1"] == {"account": "498634801083"}
    assert mapping["us-gov-east-1"] == {"account": "165087284144"}
    assert mapping["us-gov-west-1"] == {"account": "165093116878"}
    assert mapping["eu-west-1"] == mapping["us-east-1"] == {"account": "017000801446"}
    assert "cn-northwest-1" not in mapping  # not documented by Powertools: powertools_layer_arn is required


def test_max_body_bytes_default_leaves_room_for_base64_in_the_lambda_event(
    templates: dict[str, dict[str, Any]],
) -> None:
    # Not serverless (an import): (6 291 456 - 262 144) * 3 // 4, so a base64 body over it still fits the event.
    env = _one(templates["Imported"], "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["MAX_BODY_BYTES"] == "4521984"
    assert (4_521_984 + 2) // 3 * 4 + 262_144 == 6_291_456


def test_function_settings_are_configurable(templates: dict[str, dict[str, Any]]) -> None:
    fn = _one(templates["Extras"], "AWS::Lambda::Function")
    assert fn["MemorySize"] == 512
    assert fn["ReservedConcurrentExecutions"] == 20
    assert fn["Timeout"] == 20
    env = fn["Environment"]["Variables"]
    assert env["MAX_BODY_BYTES"] == "1000000"
    assert env["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
    assert env["BINARY_MEDIA_TYPES"] == "image/png"
    assert env["ALLOWED_CONTENT_TYPES"] == "application/json"
    assert (env["SAGEMAKER_CONNECT_TIMEOUT"], env["SAGEMAKER_READ_TIMEOUT"]) == ("1.5", "4")


@pytest.mark.parametrize("name", ["Default", "Extras"])
def test_timeouts_keep_the_client_budget_inside_the_integration_timeout(
    templates: dict[str, dict[str, Any]], name: str
) -> None:
    template = templates[name]
    fn = _one(template, "AWS::Lambda::Function")
    env = fn["Environment"]["Variables"]
    worst = client_budget_ms(
        connect_ms=float(env["SAGEMAKER_CONNECT_TIMEOUT"]) * 1000,
        read_ms=float(env["SAGEMAKER_READ_TIMEOUT"]) * 1000,
        attempts=int(env["SAGEMAKER_MAX_ATTEMPTS"]),
    )
    for (verb, _), method in _methods(template).items():
        if verb != "OPTIONS":
            assert method["Integration"]["Type"] == "AWS_PROXY"
            assert method["Integration"]["TimeoutInMillis"] == fn["Timeout"] * 1000
    assert worst + HANDLER_MARGIN_MS <= fn["Timeout"] * 1000 <= 29_000


def test_client_budget_counts_attempts_and_backoff() -> None:
    # Defaults: 2 attempts of (1 s + 9 s), 100 ms back-off + up to 100 ms jitter: fits 29 s - 2 s.
    assert client_budget_ms(connect_ms=1000, read_ms=9000, attempts=2) == 20_200
    assert client_budget_ms(connect_ms=1000, read_ms=1000, attempts=3) == 6_000 + (100 + 100) + (200 + 100)
    assert client_budget_ms(connect_ms=0, read_ms=0, attempts=8) - client_budget_ms(
        connect_ms=0, read_ms=0, attempts=7
    ) == (1_000 + 100)  # 100 ms * 2**6 is capped at 1 s
    assert client_budget_ms(connect_ms=1000, read_ms=1000, attempts=1) == 2_000


def test_function_role_may_only_invoke_and_describe_this_endpoint(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Default"]
    role = next(r for k, r in _of_type(template, "AWS::IAM::Role").items() if k.startswith("FrontDoorFunctionRole"))
    assert "ManagedPolicyArns" not in role["Properties"]  # no AWSLambdaBasicExecutionRole (logs on "*")
    endpoint = {"Ref": _endpoint_id(template)}
    function_logs = next(k for k in _of_type(template, "AWS::Logs::LogGroup") if k.startswith("FrontDoorFunctionLogs"))
    granted: dict[str, list[Any]] = {}
    for statement in _statements(template, "FrontDoorFunctionRole"):
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in _actions(statement):
            granted.setdefault(action, []).extend(resources)
    assert granted == {
        "sagemaker:InvokeEndpoint": [endpoint],
        "sagemaker:DescribeEndpoint": [endpoint],
        "logs:CreateLogStream": [{"Fn::GetAtt": [function_logs, "Arn"]}],
        "logs:PutLogEvents": [{"Fn::GetAtt": [function_logs, "Arn"]}],
        # X-Ray has no resource-level permissions.
        "xray:PutTraceSegments": ["*"],
        "xray:PutTelemetryRecords": ["*"],
    }


def test_lambda_permissions_only_for_the_deployed_stage(templates: dict[str, dict[str, Any]]) -> None:
    permissions = _of_type(templates["Default"], "AWS::Lambda::Permission")
    assert len(permissions) == 3  # one per method, none for the console's test-invoke
    for permission in permissions.values():
        assert permission["Properties"]["Principal"] == "apigateway.amazonaws.com"


def test_variant_names_of_an_imported_endpoint_and_its_arn(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Imported"]
    fn = _one(template, "AWS::Lambda::Function")
    assert fn["Environment"]["Variables"]["ENDPOINT_NAME"] == "my-endpoint"
    assert fn["Environment"]["Variables"]["VARIANT_NAMES"] == "a,b"
    arn = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:eu-west-1:123456789012:endpoint/my-endpoint"]]
    }
    sagemaker = [s for s in _statements(template, "FrontDoorFunctionRole") if _actions(s)[0].startswith("sagemaker")]
    assert sorted(a for s in sagemaker for a in _actions(s)) == [
        "sagemaker:DescribeEndpoint",
        "sagemaker:InvokeEndpoint",
    ]
    assert all(s["Resource"] == arn for s in sagemaker)


def test_powertools_layer_per_region_and_override(templates: dict[str, dict[str, Any]]) -> None:
    def layer(name: str) -> Any:
        (arn,) = _one(templates[name], "AWS::Lambda::Function")["Layers"]
        return arn

    def partitioned(rest: str) -> dict[str, Any]:
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}

    assert layer("Imported") == partitioned(f":lambda:eu-west-1:017000801446:layer:{LAYER}")
    assert layer("China") == partitioned(f":lambda:cn-north-1:498634801083:layer:{LAYER}")
    assert layer("GovCloud") == partitioned(f":lambda:us-gov-west-1:165093116878:layer:{LAYER}")
    assert "Mappings" not in templates["China"]  # a known region needs no mapping
    assert layer("LayerOverride") == "arn:aws:lambda:eu-west-1:123456789012:layer:mine:3"


def test_powertools_layer_needs_an_arn_where_powertools_documents_none() -> None:
    stack = cdk.Stack(cdk.App(), "Ningxia", env=cdk.Environment(account="123456789012", region="cn-northwest-1"))
    with pytest.raises(
        ValidationError, match=re.escape("integration.powertools_layer_arn: None is not allowed in region")
    ):
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack))
    given = cdk.Stack(cdk.App(), "Given", env=cdk.Environment(account="123456789012", region="cn-northwest-1"))
    FrontDoor(
        given,
        "FrontDoor",
        endpoint=_endpoint(given),
        integration=LambdaIntegration(
            powertools_layer_arn="arn:aws-cn:lambda:cn-northwest-1:123456789012:layer:powertools:1"
        ),
    )


def test_function_in_a_vpc_gets_its_subnets_group_and_scoped_eni_permissions(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["InVpc"]
    function = _one(template, "AWS::Lambda::Function")
    subnets = set(_of_type(template, "AWS::EC2::Subnet"))
    assert {s["Ref"] for s in function["VpcConfig"]["SubnetIds"]} == subnets
    (group,) = function["VpcConfig"]["SecurityGroupIds"]
    assert group["Fn::GetAtt"][0].startswith("NetworkFrontDoorSecurityGroup")
    statements = _statements(template, "FrontDoorFunctionRole")
    (create,) = [s for s in statements if "ec2:CreateNetworkInterface" in _actions(s)]
    resources = json.dumps(create["Resource"])
    assert all(subnet in resources for subnet in subnets) and group["Fn::GetAtt"][0] in resources
    wildcard = [a for s in statements if s["Resource"] == "*" for a in _actions(s)]
    assert sorted(wildcard) == sorted(
        ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    )
    (role,) = [r for k, r in _of_type(template, "AWS::IAM::Role").items() if k.startswith("FrontDoorFunctionRole")]
    assert "ManagedPolicyArns" not in role["Properties"]  # no AWSLambdaVPCAccessExecutionRole (logs on "*")
    assert "VpcConfig" not in _one(templates["Default"], "AWS::Lambda::Function")


def test_missing_default_asset_needs_a_code_override(
    stack: cdk.Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when pip-installed: no lambda/ folder next to the package."""
    monkeypatch.setattr(lambda_module, "DEFAULT_CODE_DIR", tmp_path / "missing")
    endpoint = _endpoint(stack)
    with pytest.raises(
        ValidationError, match=r"integration.code: None is not allowed here; the default .*missing has no handler"
    ):
        FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    code = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
    front_door = FrontDoor(
        stack, "WithCode", endpoint=endpoint, integration=LambdaIntegration(code=code, handler="index.handler")
    )
    assert front_door.function is not None
    fn = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    (props,) = [r["Properties"] for r in fn.values()]
    assert props["Handler"] == "index.handler" and "ZipFile" in props["Code"]


def test_integration_acknowledgements_sit_with_the_function(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> None:
    def rules(name: str) -> set[str]:
        return _acknowledged_rules(built[name][1])

    in_vpc = rules("InVpc")
    assert "NIST.800.53.R5-LambdaInsideVPC" not in in_vpc
    assert any("network-interface/*" in r for r in in_vpc)
    assert "NIST.800.53.R5-LambdaInsideVPC" in rules("Default")
    assert "NIST.800.53.R5-LambdaConcurrency" not in rules("Extras")  # reserved concurrency given
    direct = rules("Direct")  # no function: no function acknowledgements
    assert not any("Lambda" in r or r == "AwsSolutions-L1" for r in direct)
    function_paths = {
        path for path in support.acknowledged(built["Default"][1]) if path.startswith(("Function", "FunctionRole"))
    }
    assert function_paths == {"Function", "FunctionRole/DefaultPolicy"}
