"""The front door's integrations: LambdaIntegration (function, role, layer, environment, budget, VPC) and
DirectIntegration (AWS integrations, error mapping, CORS), each with its own validation."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

import sagemaker_serving.front_door.integrations.lambda_function as lambda_module
from sagemaker_serving import DirectIntegration, FrontDoor, LambdaIntegration, ValidationError
from sagemaker_serving.front_door.integrations.direct import RUNTIME_ERRORS
from sagemaker_serving.front_door.runtime_contract import contract
from tests.constructs.front_door import support

HANDLER_MARGIN_MS = contract.HANDLER_MARGIN_MS
client_budget_ms = contract.worst_case_budget_ms

_acknowledged_rules = support.acknowledged_rules
_actions = support.actions
_endpoint = support.endpoint
_endpoint_id = support.endpoint_id
_methods = support.methods
_of_type = support.of_type
_one = support.one
_statements = support.statements

LAYER = "AWSLambdaPowertoolsPythonV3-python312-arm64:27"


# --- LambdaIntegration -------------------------------------------------------------------------


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


# --- DirectIntegration -------------------------------------------------------------------------


def test_direct_mode_calls_the_sagemaker_runtime_with_a_scoped_role(
    templates: dict[str, dict[str, Any]], built: dict[str, tuple[cdk.Stack, FrontDoor]]
) -> None:
    template = templates["Direct"]
    assert not _of_type(template, "AWS::Lambda::Function")
    front_door = built["Direct"][1]
    assert front_door.function is None and front_door.integration_role is not None
    (role_id,) = [k for k in _of_type(template, "AWS::IAM::Role") if k.startswith("FrontDoorIntegrationRole")]
    role = template["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    endpoint = {"Ref": _endpoint_id(template)}
    statements = _statements(template, "FrontDoorIntegrationRole")
    assert sorted((a, json.dumps(s["Resource"])) for s in statements for a in _actions(s)) == sorted(
        [("sagemaker:DescribeEndpoint", json.dumps(endpoint)), ("sagemaker:InvokeEndpoint", json.dumps(endpoint))]
    )

    methods = _methods(template)
    endpoint_name = {"Fn::GetAtt": [_endpoint_id(template), "EndpointName"]}
    for path in ("/invocations", "/variants/{variant}/invocations"):
        integration = methods[("POST", path)]["Integration"]
        assert integration["Type"] == "AWS"
        assert integration["IntegrationHttpMethod"] == "POST"
        assert integration["Credentials"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert integration["TimeoutInMillis"] == 29_000
        assert integration["PassthroughBehavior"] == "WHEN_NO_TEMPLATES"
        assert "RequestTemplates" not in integration  # binary bodies pass through untouched
        uri = integration["Uri"]["Fn::Join"][1]
        assert ":runtime.sagemaker:path/endpoints/" in uri and endpoint_name in uri and uri[-1] == "/invocations"
        assert (
            integration["RequestParameters"]["integration.request.header.Content-Type"]
            == "method.request.header.Content-Type"
        )
    variant = methods[("POST", "/variants/{variant}/invocations")]["Integration"]["RequestParameters"]
    assert variant["integration.request.header.X-Amzn-SageMaker-Target-Variant"] == "method.request.path.variant"
    plain = methods[("POST", "/invocations")]["Integration"]["RequestParameters"]
    assert "integration.request.header.X-Amzn-SageMaker-Target-Variant" not in plain

    health = methods[("GET", "/health")]["Integration"]
    assert health["Type"] == "AWS"
    assert ":api.sagemaker:action/DescribeEndpoint" in health["Uri"]["Fn::Join"][1]
    assert health["RequestParameters"]["integration.request.header.X-Amz-Target"] == "'SageMaker.DescribeEndpoint'"
    (health_ok, health_error) = health["IntegrationResponses"]
    assert "responseOverride.status = 503" in health_ok["ResponseTemplates"]["application/json"]
    assert health_error["StatusCode"] == "503"


def test_direct_mode_maps_sagemaker_errors_to_statuses_and_json_bodies(templates: dict[str, dict[str, Any]]) -> None:
    integration = _methods(templates["Direct"])[("POST", "/invocations")]["Integration"]
    responses = integration["IntegrationResponses"]
    default = [r for r in responses if "SelectionPattern" not in r]
    assert [r["StatusCode"] for r in default] == ["200"]
    assert "ResponseTemplates" not in default[0]  # the model's answer passes through
    by_status = {r["StatusCode"]: r for r in responses if "SelectionPattern" in r}
    assert set(by_status) == {"400", "413", "424", "429", "503", "500"}
    codes = {}
    for status, response in by_status.items():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["requestId"] == "$context.requestId"
        assert set(body["error"]) == {"code", "message"}
        codes[status] = body["error"]["code"]
        assert response["ResponseParameters"]["method.response.header.Content-Type"] == "'application/json'"
    assert codes["424"] == "ModelError" and codes["429"] == "TooManyRequests"

    # Every SageMaker error status selects exactly one response (patterns are disjoint), and the right one.
    expected = {400: "400", 413: "413", 424: "424", 429: "429", 503: "503"}
    for sagemaker_status in range(400, 600):
        matches = [s for s, r in by_status.items() if re.fullmatch(r["SelectionPattern"], str(sagemaker_status))]
        assert matches == [expected.get(sagemaker_status, "500")], sagemaker_status
    assert not any(re.fullmatch(p, str(s)) for p, *_ in RUNTIME_ERRORS for s in range(200, 300))
    statuses = {m["StatusCode"] for m in _methods(templates["Direct"])[("POST", "/invocations")]["MethodResponses"]}
    assert statuses == {"200", *by_status}


def test_direct_health_is_200_while_the_endpoint_serves(templates: dict[str, dict[str, Any]]) -> None:
    health = _methods(templates["Direct"])[("GET", "/health")]["Integration"]
    template = health["IntegrationResponses"][0]["ResponseTemplates"]["application/json"]
    condition = template.splitlines()[1]
    serving = ["InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"]
    assert condition == "#if(" + " && ".join(f'"$status" != "{s}"' for s in serving) + ")"
    for status in ("Creating", "OutOfService", "Deleting", "Failed"):
        assert f'"{status}"' not in template


def test_direct_mode_headers_match_the_lambda_mode(templates: dict[str, dict[str, Any]]) -> None:
    methods = _methods(templates["Direct"])
    invoke = methods[("POST", "/invocations")]
    ok = next(r for r in invoke["Integration"]["IntegrationResponses"] if r["StatusCode"] == "200")
    assert ok["ResponseParameters"]["method.response.header.X-Invoked-Production-Variant"] == (
        "integration.response.header.X-Amzn-Invoked-Production-Variant"
    )
    assert ok["ResponseParameters"]["method.response.header.X-Amzn-SageMaker-Custom-Attributes"] == (
        "integration.response.header.X-Amzn-SageMaker-Custom-Attributes"
    )
    assert "X-Amzn-Invoked-Production-Variant" not in json.dumps(invoke["MethodResponses"])
    for path in ("/invocations", "/variants/{variant}/invocations"):
        method = methods[("POST", path)]
        assert method["RequestParameters"]["method.request.header.X-Amzn-SageMaker-Custom-Attributes"] is False
        assert method["Integration"]["RequestParameters"][
            "integration.request.header.X-Amzn-SageMaker-Custom-Attributes"
        ] == ("method.request.header.X-Amzn-SageMaker-Custom-Attributes")
    assert "Access-Control" not in json.dumps(templates["Direct"])


def test_direct_mode_cors_sends_the_origin_on_every_answer(templates: dict[str, dict[str, Any]]) -> None:
    header = "method.response.header.Access-Control-Allow-Origin"
    methods = _methods(templates["DirectCors"])
    for key in (("POST", "/invocations"), ("POST", "/variants/{variant}/invocations"), ("GET", "/health")):
        responses = methods[key]["Integration"]["IntegrationResponses"]
        assert {r["ResponseParameters"][header] for r in responses} == {"'https://app.example.com'"}
        assert all(m["ResponseParameters"][header] is True for m in methods[key]["MethodResponses"])


def test_direct_mode_refuses_several_cors_origins(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=re.escape(
            "cors_allowed_origins: ['https://a.example.com', 'https://b.example.com'] is not allowed with "
            "DirectIntegration; it can only send one static Access-Control-Allow-Origin"
        ),
    ):
        FrontDoor(
            stack,
            "FrontDoor",
            endpoint=_endpoint(stack),
            integration=DirectIntegration(),
            cors_allowed_origins=["https://a.example.com", "https://b.example.com"],
        )


def test_direct_integration_has_none_of_the_functions_settings() -> None:
    """A setting that makes no sense without a function cannot be given at all (it used to be refused by a
    front-door rule): DirectIntegration's only setting is its timeout."""
    assert [f.name for f in fields(DirectIntegration)] == ["timeout"]
    lambda_only = {f.name for f in fields(LambdaIntegration)} - {"timeout"}
    assert lambda_only == {
        "memory_size",
        "reserved_concurrent_executions",
        "code",
        "handler",
        "powertools_layer_arn",
        "service_name",
        "metrics_namespace",
        "log_level",
        "allowed_content_types",
        "max_body_bytes",
        "sagemaker_connect_timeout",
        "sagemaker_read_timeout",
        "sagemaker_max_attempts",
        "vpc",
        "vpc_subnets",
        "security_groups",
    }
    with pytest.raises(TypeError, match="memory_size"):
        DirectIntegration(memory_size=512)  # type: ignore[call-arg]


def test_direct_integration_timeout(stack: cdk.Stack) -> None:
    front_door = FrontDoor(
        stack, "FrontDoor", endpoint=_endpoint(stack), integration=DirectIntegration(timeout=cdk.Duration.seconds(5))
    )
    template = Template.from_stack(stack).to_json()
    timeouts = {m["Integration"]["TimeoutInMillis"] for m in _methods(template).values()}
    assert timeouts == {5_000}
    assert front_door.function is None and front_door.integration_role is not None


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


# --- validation: each integration's problems, matched by their message ----------------------------


@pytest.mark.parametrize(
    ("integration", "message"),
    [
        (
            LambdaIntegration(timeout=cdk.Duration.seconds(30)),
            "integration.timeout: 30000 ms is not allowed; must be from 1000 to 29000 ms",
        ),
        (
            DirectIntegration(timeout=cdk.Duration.millis(500)),
            "integration.timeout: 500 ms is not allowed; must be from 1000 to 29000 ms",
        ),
        (
            LambdaIntegration(allowed_content_types=[]),
            "integration.allowed_content_types: [] is not allowed; expected a non-empty list",
        ),
        (
            LambdaIntegration(allowed_content_types=["json"]),
            "integration.allowed_content_types: 'json' is not allowed; expected a lower-case type/subtype",
        ),
        (
            LambdaIntegration(max_body_bytes=7 * 1024 * 1024),
            "integration.max_body_bytes: 7340032 is not allowed; must be an integer from 1 to",
        ),
        (
            LambdaIntegration(max_body_bytes=4 * 1024 * 1024 + 1),
            "integration.max_body_bytes: 4194305 is not allowed; must be an integer from 1 to 4194304 (4 MiB: "
            "Serverless",
        ),
        (
            LambdaIntegration(sagemaker_max_attempts=0),
            "integration.sagemaker_max_attempts: 0 is not allowed; must be an integer from 1 to 10",
        ),
        (
            LambdaIntegration(sagemaker_read_timeout=cdk.Duration.seconds(20)),
            "integration.sagemaker timeouts: 2 attempt(s) × (1000 ms connect + 20000 ms read) + back-off = 42200 ms "
            "is not allowed; must be ≤ 27000 ms (integration.timeout minus 2000 ms for the handler)",
        ),
        (
            LambdaIntegration(timeout=cdk.Duration.seconds(10)),
            "back-off = 20200 ms is not allowed; must be ≤ 8000 ms",
        ),
        (
            LambdaIntegration(sagemaker_connect_timeout=cdk.Duration.seconds(0)),
            "integration.sagemaker_connect_timeout: 0 ms is not allowed; must be > 0",
        ),
        (
            LambdaIntegration(memory_size=100),
            "integration.memory_size: 100 is not allowed; must be an integer from 128 to 10240",
        ),
        (
            LambdaIntegration(reserved_concurrent_executions=0),
            "integration.reserved_concurrent_executions: 0 is not allowed",
        ),
        (
            LambdaIntegration(powertools_layer_arn="my-layer"),
            "integration.powertools_layer_arn: 'my-layer' is not allowed; expected a layer version ARN",
        ),
        (
            LambdaIntegration(service_name=""),
            "integration.service_name: '' is not allowed; expected 1-255 characters",
        ),
        (
            LambdaIntegration(metrics_namespace="AWS/Mine"),
            "integration.metrics_namespace: 'AWS/Mine' is not allowed",
        ),
        (
            LambdaIntegration(log_level="TRACE"),  # type: ignore[arg-type]
            "integration.log_level: 'TRACE' is not allowed; expected DEBUG, INFO, WARNING or ERROR",
        ),
        (
            LambdaIntegration(security_groups=["sg"]),  # type: ignore[list-item]
            "integration.vpc_subnets/security_groups: not allowed without vpc",
        ),
    ],
)
def test_each_integration_validation_rule(stack: cdk.Stack, integration: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as info:
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), integration=integration)
    assert len(info.value.problems) == 1
