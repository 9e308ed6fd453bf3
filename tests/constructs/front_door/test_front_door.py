"""FrontDoor: routes, auth modes, stage settings, function, least-privilege roles, direct mode, validation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

import sagemaker_serving.front_door.front_door as front_door_module
from sagemaker_serving import (
    ContainerImage,
    Endpoint,
    EndpointConfig,
    FrontDoor,
    Model,
    NoAuth,
    ServerlessVariant,
    ServingNetwork,
    ValidationError,
    WafOptions,
)
from sagemaker_serving.front_door.integrations.direct import RUNTIME_ERRORS
from sagemaker_serving.front_door.runtime_contract import HANDLER_MARGIN_MS, client_budget_ms

ROUTES = {("POST", "/invocations"), ("POST", "/variants/{variant}/invocations"), ("GET", "/health")}
LAYER = "AWSLambdaPowertoolsPythonV3-python312-arm64:27"


def _endpoint(stack: cdk.Stack) -> Endpoint:
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    config = EndpointConfig(
        stack,
        "Config",
        variants=[ServerlessVariant(name="champion", model=model), ServerlessVariant(name="challenger", model=model)],
    )
    return Endpoint(stack, "Endpoint", endpoint_config=config)


def _build() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    app = cdk.App()
    built: dict[str, tuple[cdk.Stack, FrontDoor]] = {}

    def add(name: str, env: cdk.Environment | None = None, imported: bool = False, **props: Any) -> None:
        stack = cdk.Stack(app, name, env=env)
        if imported:
            endpoint = Endpoint.from_endpoint_name(stack, "Imported", "my-endpoint")
            props.setdefault("variant_names", ["a", "b"])
        else:
            endpoint = _endpoint(stack)
        built[name] = (stack, FrontDoor(stack, "FrontDoor", endpoint=endpoint, **props))

    add("Default")
    in_vpc = cdk.Stack(app, "InVpc")
    network = ServingNetwork(in_vpc, "Network")
    group = network.add_client_security_group("FrontDoorSecurityGroup", description="Front-door Lambda")
    built["InVpc"] = (
        in_vpc,
        FrontDoor(
            in_vpc,
            "FrontDoor",
            endpoint=_endpoint(in_vpc),
            vpc=network.vpc,
            vpc_subnets=network.subnet_selection,
            security_groups=[group],
        ),
    )
    own_key = cdk.Stack(app, "OwnKey")
    key = kms.Key(own_key, "Key", enable_key_rotation=True)
    built["OwnKey"] = (own_key, FrontDoor(own_key, "FrontDoor", endpoint=_endpoint(own_key), log_encryption_key=key))
    add("Direct", integration="direct")
    add(
        "Extras",
        waf=WafOptions(rate_limit_per_5_minutes=500),
        cors_allowed_origins=["https://app.example.com"],
        cloud_watch_role=True,
        execution_log_level=apigateway.MethodLoggingLevel.INFO,
        max_body_bytes=1_000_000,
        allowed_content_types=["application/json"],
        binary_media_types=["image/png"],
        reserved_concurrent_executions=20,
        memory_size=512,
        integration_timeout=cdk.Duration.seconds(20),
        sagemaker_connect_timeout=cdk.Duration.millis(1500),
        sagemaker_read_timeout=cdk.Duration.seconds(4),
        sagemaker_max_attempts=2,
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
        stage_name="prod",
        throttling_rate_limit=200,
        throttling_burst_limit=400,
    )
    add("Imported", env=cdk.Environment(account="123456789012", region="eu-west-1"), imported=True)
    add("China", env=cdk.Environment(account="123456789012", region="cn-north-1"))
    add("GovCloud", env=cdk.Environment(account="123456789012", region="us-gov-west-1"))
    add("DirectCors", integration="direct", cors_allowed_origins=["https://app.example.com"])
    add("Origins", cors_allowed_origins=["https://a.example.com", "https://b.example.com"])
    add("LayerOverride", powertools_layer_arn="arn:aws:lambda:eu-west-1:123456789012:layer:mine:3")
    return built


@pytest.fixture(scope="module")
def built() -> dict[str, tuple[cdk.Stack, FrontDoor]]:
    return _build()


@pytest.fixture(scope="module")
def templates(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> dict[str, dict[str, Any]]:
    """Every variant's template, synthesised once for the module."""
    return {name: Template.from_stack(stack).to_json() for name, (stack, _) in built.items()}


def _of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


def _one(template: dict[str, Any], type_name: str) -> dict[str, Any]:
    (resource,) = _of_type(template, type_name).values()
    return resource["Properties"]  # type: ignore[no-any-return]


def _methods(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, full path) → method properties."""
    resources = _of_type(template, "AWS::ApiGateway::Resource")

    def path(resource_id: Any) -> str:
        if "Fn::GetAtt" in resource_id:
            return ""
        props = resources[resource_id["Ref"]]["Properties"]
        return f"{path(props['ParentId'])}/{props['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], path(m["Properties"]["ResourceId"]) or "/"): m["Properties"]
        for m in _of_type(template, "AWS::ApiGateway::Method").values()
    }


def _statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to the role whose logical ID starts with role_prefix."""
    (role_id,) = [k for k in _of_type(template, "AWS::IAM::Role") if k.startswith(role_prefix)]
    statements = []
    for policy in _of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _endpoint_id(template: dict[str, Any]) -> str:
    (endpoint_id,) = _of_type(template, "AWS::SageMaker::Endpoint")
    return endpoint_id


# --- routes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Default", "Direct"])
def test_routes_and_methods(templates: dict[str, dict[str, Any]], name: str) -> None:
    methods = _methods(templates[name])
    assert set(methods) == ROUTES
    api = _one(templates[name], "AWS::ApiGateway::RestApi")
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


# --- stage -------------------------------------------------------------------------------------


def test_stage_throttling_logging_tracing_and_access_logs(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Default"]
    stage = _one(template, "AWS::ApiGateway::Stage")
    assert stage["StageName"] == "v1"
    assert stage["TracingEnabled"] is True
    assert stage["MethodSettings"] == [
        {
            "DataTraceEnabled": False,
            "HttpMethod": "*",
            "LoggingLevel": "ERROR",
            "MetricsEnabled": True,
            "ResourcePath": "/*",
            "ThrottlingBurstLimit": 100,
            "ThrottlingRateLimit": 50,
        }
    ]
    access_log_id = next(k for k in _of_type(template, "AWS::Logs::LogGroup") if k.startswith("FrontDoorAccessLogs"))
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": [access_log_id, "Arn"]}
    raw_format = stage["AccessLogSetting"]["Format"]
    # messageString comes quoted and escaped from API Gateway: unquoted here, so a quote in the message
    # cannot break the line's JSON.
    assert '"errorMessage": $context.error.messageString,' in raw_format
    assert '$context.error.message"' not in raw_format
    log_format = json.loads(raw_format.replace("$context.error.messageString", '"a \\"quoted\\" message"'))
    assert log_format["errorMessage"] == 'a "quoted" message'
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"
    assert log_format["integrationLatency"] == "$context.integration.latency"
    assert not any("body" in v.lower() for v in log_format.values())
    assert template["Resources"][access_log_id]["Properties"]["RetentionInDays"] == 90
    # No account-level CloudWatch role unless asked for.
    assert not _of_type(template, "AWS::ApiGateway::Account")


def test_stage_options_are_configurable(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Extras"]
    stage = _one(template, "AWS::ApiGateway::Stage")
    assert stage["StageName"] == "prod"
    (settings,) = stage["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (200, 400)
    assert settings["LoggingLevel"] == "INFO" and settings["DataTraceEnabled"] is False
    for group in _of_type(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == 7
    (account,) = _of_type(template, "AWS::ApiGateway::Account").values()
    assert "CloudWatchRoleArn" in account["Properties"]


def test_binary_media_types(templates: dict[str, dict[str, Any]]) -> None:
    api = _one(templates["Default"], "AWS::ApiGateway::RestApi")
    assert api["BinaryMediaTypes"] == ["image/*", "application/octet-stream", "application/x-npy"]
    assert not any("json" in t or "csv" in t for t in api["BinaryMediaTypes"])
    assert _one(templates["Extras"], "AWS::ApiGateway::RestApi")["BinaryMediaTypes"] == ["image/png"]


def test_request_validator_and_required_parameters(templates: dict[str, dict[str, Any]]) -> None:
    for name in ("Default", "Direct"):
        template = templates[name]
        (validator_id, validator) = next(iter(_of_type(template, "AWS::ApiGateway::RequestValidator").items()))
        assert validator["Properties"]["ValidateRequestBody"] is True
        assert validator["Properties"]["ValidateRequestParameters"] is True
        methods = _methods(template)
        for method in methods.values():
            assert method["RequestValidatorId"] == {"Ref": validator_id}
        assert methods[("POST", "/invocations")]["RequestParameters"]["method.request.header.Content-Type"] is True
        variant = methods[("POST", "/variants/{variant}/invocations")]["RequestParameters"]
        assert variant["method.request.path.variant"] is True


def test_no_cors_unless_configured(templates: dict[str, dict[str, Any]]) -> None:
    assert not any(m == "OPTIONS" for m, _ in _methods(templates["Default"]))
    assert "Access-Control" not in json.dumps(templates["Default"])
    options = {path: m for (verb, path), m in _methods(templates["Extras"]).items() if verb == "OPTIONS"}
    assert set(options) >= {"/invocations", "/health"}
    headers = options["/invocations"]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
    assert "'*'" not in json.dumps(templates["Extras"])


def test_waf_is_associated_with_the_stage_when_on(templates: dict[str, dict[str, Any]]) -> None:
    assert not _of_type(templates["Default"], "AWS::WAFv2::WebACL")
    template = templates["Extras"]
    acl = _one(template, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": 500}
    assert rules["RateLimitPerIp"]["Action"] == {"Block": {}}
    managed = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert managed["VendorName"] == "AWS" and managed["Name"] == "AWSManagedRulesCommonRuleSet"
    # Inference bodies are often > 8 KB: the size rule counts instead of blocking.
    assert managed["RuleActionOverrides"] == [{"ActionToUse": {"Count": {}}, "Name": "SizeRestrictions_BODY"}]
    (acl_id,) = _of_type(template, "AWS::WAFv2::WebACL")
    (stage_id,) = _of_type(template, "AWS::ApiGateway::Stage")
    association = _one(template, "AWS::WAFv2::WebACLAssociation")
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["ResourceArn"]["Fn::Join"][1]


# --- Lambda mode -------------------------------------------------------------------------------


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
        "VARIANT_NAMES": "champion,challenger",
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


# --- direct mode -------------------------------------------------------------------------------


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


@pytest.mark.parametrize("name", ["Default", "Direct"])
def test_gateway_responses_have_the_same_json_error_body(templates: dict[str, dict[str, Any]], name: str) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in _of_type(templates[name], "AWS::ApiGateway::GatewayResponse").values()
    }
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "ACCESS_DENIED", "THROTTLED", "UNAUTHORIZED", "QUOTA_EXCEEDED"} <= set(
        responses
    )
    assert responses["THROTTLED"]["ResponseTemplates"]["application/json"].count("$context.error.messageString") == 1
    for response in responses.values():
        template = response["ResponseTemplates"]["application/json"]
        body = json.loads(template.replace("$context.error.messageString", '"Too Many Requests"'))
        assert body["requestId"] == "$context.requestId" and body["error"]["message"] == "Too Many Requests"
        assert response["ResponseParameters"] == {"gatewayresponse.header.Content-Type": "'application/json'"}
    assert (
        json.loads(
            responses["THROTTLED"]["ResponseTemplates"]["application/json"].replace(
                "$context.error.messageString", '""'
            )
        )["error"]["code"]
        == "TooManyRequests"
    )


# --- public attributes -------------------------------------------------------------------------


def test_public_attributes_url_and_metrics(
    built: dict[str, tuple[cdk.Stack, FrontDoor]], templates: dict[str, dict[str, Any]]
) -> None:
    stack, front_door = built["Default"]
    assert front_door.function is not None and front_door.function_log_group is not None
    assert front_door.web_acl is None and front_door.usage_plan is None and front_door.api_key is None
    assert front_door.user_pool is None and front_door.integration_role is None
    assert built["Extras"][1].web_acl is not None
    (api_id,) = _of_type(templates["Default"], "AWS::ApiGateway::RestApi")
    url = stack.resolve(front_door.url)["Fn::Join"][1]
    assert url[:3] == ["https://", {"Ref": api_id}, ".execute-api."] and url[-1] == "/"
    metric = front_door.metric_server_errors()
    assert metric.metric_name == "5XXError" and metric.namespace == "AWS/ApiGateway"
    assert set(metric.dimensions) == {"ApiName", "Stage"}
    assert front_door.metric_client_errors().metric_name == "4XXError"
    assert front_door.metric_latency().metric_name == "Latency"
    assert front_door.metric_integration_latency().metric_name == "IntegrationLatency"
    assert front_door.metric_count().metric_name == "Count"


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"variant_names": ["nope"]}, "variant_names: ['nope'] are not variants of the endpoint"),
        ({"variant_names": ["champion", "champion"]}, "names must be unique"),
        ({"variant_names": []}, "variant_names: [] is not allowed; expected a non-empty list"),
        ({"integration": "grpc"}, "integration: 'grpc' is not allowed; expected 'lambda' or 'direct'"),
        ({"stage_name": "my stage"}, "stage_name: 'my stage' is not allowed"),
        ({"throttling_rate_limit": 0}, "throttling_rate_limit: 0 is not allowed"),
        ({"throttling_burst_limit": 6000}, "throttling_burst_limit: 6000 is not allowed; must be an integer from 0"),
        ({"binary_media_types": ["*"]}, "binary_media_types: '*' is not allowed"),
        (
            {"cors_allowed_origins": ["https://a.example.com/path"]},
            "cors_allowed_origins: 'https://a.example.com/path'",
        ),
        ({"integration_timeout": cdk.Duration.seconds(30)}, "integration_timeout: 30000 ms is not allowed"),
        ({"waf": WafOptions(rate_limit_per_5_minutes=50)}, "waf.rate_limit_per_5_minutes: 50 is not allowed"),
        ({"allowed_content_types": []}, "allowed_content_types: [] is not allowed"),
        ({"allowed_content_types": ["json"]}, "allowed_content_types: 'json' is not allowed"),
        ({"max_body_bytes": 7 * 1024 * 1024}, "max_body_bytes: 7340032 is not allowed; must be an integer from 1 to"),
        (
            {"max_body_bytes": 4 * 1024 * 1024 + 1},
            "max_body_bytes: 4194305 is not allowed; must be an integer from 1 to 4194304 (4 MiB: Serverless",
        ),
        ({"sagemaker_max_attempts": 0}, "sagemaker_max_attempts: 0 is not allowed"),
        (
            {"sagemaker_read_timeout": cdk.Duration.seconds(20)},
            "sagemaker timeouts: 2 attempt(s) × (1000 ms connect + 20000 ms read) + back-off = 42200 ms is not "
            "allowed; must be ≤ 27000 ms",
        ),
        (
            {"integration_timeout": cdk.Duration.seconds(10)},
            "back-off = 20200 ms is not allowed; must be ≤ 8000 ms",
        ),
        ({"sagemaker_connect_timeout": cdk.Duration.seconds(0)}, "sagemaker_connect_timeout: 0 ms is not allowed"),
        ({"memory_size": 100}, "memory_size: 100 is not allowed; must be an integer from 128 to 10240"),
        ({"reserved_concurrent_executions": 0}, "reserved_concurrent_executions: 0 is not allowed"),
        ({"powertools_layer_arn": "my-layer"}, "powertools_layer_arn: 'my-layer' is not allowed"),
        ({"metrics_namespace": "AWS/Mine"}, "metrics_namespace: 'AWS/Mine' is not allowed"),
        ({"log_level": "TRACE"}, "log_level: 'TRACE' is not allowed; expected DEBUG, INFO, WARNING or ERROR"),
        ({"security_groups": ["sg"]}, "vpc_subnets/security_groups: not allowed without vpc"),
    ],
)
def test_each_validation_rule(stack: cdk.Stack, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), **props)


def test_an_imported_endpoint_needs_variant_names(stack: cdk.Stack) -> None:
    endpoint = Endpoint.from_endpoint_name(stack, "Imported", "my-endpoint")
    with pytest.raises(ValidationError, match=re.escape("variant_names: None is not allowed for an imported endpoint")):
        FrontDoor(stack, "FrontDoor", endpoint=endpoint)


LAMBDA_ONLY = {
    "allowed_content_types": ["application/json"],
    "max_body_bytes": 1_000,
    "sagemaker_connect_timeout": cdk.Duration.seconds(2),
    "sagemaker_read_timeout": cdk.Duration.seconds(60),
    "sagemaker_max_attempts": 3,
    "memory_size": 512,
    "reserved_concurrent_executions": 5,
    "code": lambda_.Code.from_inline("def handler(event, context): pass"),
    "handler": "main.handler",
    "powertools_layer_arn": "arn:aws:lambda:eu-west-1:123456789012:layer:mine:3",
    "service_name": "svc",
    "metrics_namespace": "Mine",
    "log_level": "DEBUG",
}


@pytest.mark.parametrize("name", sorted(LAMBDA_ONLY))
def test_direct_mode_refuses_each_lambda_only_setting(stack: cdk.Stack, name: str) -> None:
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), integration="direct", **{name: LAMBDA_ONLY[name]})
    (problem,) = info.value.problems
    assert problem.startswith(f"{name}: ") and "is not allowed with integration='direct'" in problem


def test_direct_mode_names_every_lambda_only_setting_at_once(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), integration="direct", **LAMBDA_ONLY)
    assert sorted(p.split(":", 1)[0] for p in info.value.problems) == sorted(LAMBDA_ONLY)


def test_direct_mode_accepts_lambda_only_settings_at_their_defaults(stack: cdk.Stack) -> None:
    """What a caller that always passes every option (like the reference stack) sends."""
    FrontDoor(
        stack,
        "FrontDoor",
        endpoint=_endpoint(stack),
        integration="direct",
        allowed_content_types=list(front_door_module.DEFAULT_ALLOWED_CONTENT_TYPES),
        sagemaker_connect_timeout=cdk.Duration.millis(1000),
        sagemaker_read_timeout=cdk.Duration.seconds(9),
        sagemaker_max_attempts=2,
        memory_size=256,
        handler="handler.handler",
        service_name="front-door",
        metrics_namespace="SageMakerServing",
        log_level="INFO",
        reserved_concurrent_executions=None,
        powertools_layer_arn=None,
    )


def test_all_problems_are_reported_at_once(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        FrontDoor(
            stack,
            "FrontDoor",
            endpoint=_endpoint(stack),
            auth=NoAuth(),
            stage_name="",
            memory_size=64,
            log_level="LOUD",  # type: ignore[arg-type]
        )
    assert "Invalid front door props: 4 problem(s)" in str(info.value)
    assert len(info.value.problems) == 4


def test_missing_default_asset_needs_a_code_override(
    stack: cdk.Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when pip-installed: no lambda/ folder next to the package."""
    monkeypatch.setattr(front_door_module, "DEFAULT_CODE_DIR", tmp_path / "missing")
    endpoint = _endpoint(stack)
    with pytest.raises(ValidationError, match=r"code: None is not allowed here; the default .*missing has no handler"):
        FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    code = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
    front_door = FrontDoor(stack, "WithCode", endpoint=endpoint, code=code, handler="index.handler")
    assert front_door.function is not None
    fn = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    (props,) = [r["Properties"] for r in fn.values()]
    assert props["Handler"] == "index.handler" and "ZipFile" in props["Code"]


# --- encryption, VPC and compliance acknowledgements ---------------------------------------------


def test_log_groups_are_encrypted_with_a_rotating_key_logs_may_use(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["Default"]
    (key_id,) = _of_type(template, "AWS::KMS::Key")
    key = _one(template, "AWS::KMS::Key")
    assert key["EnableKeyRotation"] is True
    (logs_statement,) = [
        s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"] and "logs." in json.dumps(s)
    ]
    assert "kms:EncryptionContext:aws:logs:arn" in json.dumps(logs_statement["Condition"])
    groups = _of_type(template, "AWS::Logs::LogGroup").values()
    assert len(groups) == 2
    assert all(g["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} for g in groups)
    own = templates["OwnKey"]
    assert len(_of_type(own, "AWS::KMS::Key")) == 1  # the given key only
    (own_key_id,) = _of_type(own, "AWS::KMS::Key")
    assert all(
        g["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [own_key_id, "Arn"]}
        for g in _of_type(own, "AWS::Logs::LogGroup").values()
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


def test_vpc_is_refused_in_direct_mode(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    with pytest.raises(ValidationError, match=re.escape("is not allowed with integration='direct'")):
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), integration="direct", vpc=network.vpc)


def _acknowledged(front_door: FrontDoor) -> dict[str, set[str]]:
    """Acknowledged rule IDs by construct path (relative to the front door)."""
    found: dict[str, set[str]] = {}
    for construct in front_door.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                path = construct.node.path.removeprefix(front_door.node.path + "/")
                found.setdefault(path, set()).update(r.removeprefix("Annotation::") for r in entry.data)
    return found


def test_acknowledgements_follow_the_configuration(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> None:
    def rules(name: str) -> set[str]:
        return {r for found in _acknowledged(built[name][1]).values() for r in found}

    default = rules("Default")
    assert {"AwsSolutions-COG4", "NIST.800.53.R5-LambdaInsideVPC", "NIST.800.53.R5-LambdaConcurrency"} <= default
    assert {"AwsSolutions-APIG3", "NIST.800.53.R5-APIGWAssociatedWithWAF"} <= default
    assert "AwsSolutions-APIG4" not in default and "NIST.800.53.R5-WAFv2LoggingEnabled" not in default
    in_vpc = rules("InVpc")
    assert "NIST.800.53.R5-LambdaInsideVPC" not in in_vpc
    assert any("network-interface/*" in r for r in in_vpc)
    extras = rules("Extras")  # reserved concurrency, WAF, CloudWatch role
    assert "NIST.800.53.R5-LambdaConcurrency" not in extras and "AwsSolutions-APIG3" not in extras
    assert "NIST.800.53.R5-WAFv2LoggingEnabled" in extras
    assert any(r.startswith("AwsSolutions-IAM4[") for r in extras)
    assert not any(r.startswith("AwsSolutions-IAM4[") for r in default)
    direct = rules("Direct")  # no function: no function acknowledgements
    assert not any("Lambda" in r or r == "AwsSolutions-L1" for r in direct)


def test_powertools_layer_needs_an_arn_where_powertools_documents_none() -> None:
    stack = cdk.Stack(cdk.App(), "Ningxia", env=cdk.Environment(account="123456789012", region="cn-northwest-1"))
    with pytest.raises(ValidationError, match=re.escape("powertools_layer_arn: None is not allowed in region")):
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack))
    given = cdk.Stack(cdk.App(), "Given", env=cdk.Environment(account="123456789012", region="cn-northwest-1"))
    FrontDoor(
        given,
        "FrontDoor",
        endpoint=_endpoint(given),
        powertools_layer_arn="arn:aws-cn:lambda:cn-northwest-1:123456789012:layer:powertools:1",
    )


# --- review fixes: health, direct-mode headers, CORS -------------------------------------------


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
    with pytest.raises(ValidationError, match=re.escape("direct mode can only send one static")):
        FrontDoor(
            stack,
            "FrontDoor",
            endpoint=_endpoint(stack),
            integration="direct",
            cors_allowed_origins=["https://a.example.com", "https://b.example.com"],
        )


def test_gateway_responses_carry_a_single_cors_origin(templates: dict[str, dict[str, Any]]) -> None:
    def headers(name: str) -> list[dict[str, str]]:
        return [
            r["Properties"]["ResponseParameters"]
            for r in _of_type(templates[name], "AWS::ApiGateway::GatewayResponse").values()
        ]

    for name in ("Extras", "DirectCors"):
        for params in headers(name):
            assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
    # Several origins: no static value is right for all of them (documented); the handler echoes its own.
    for params in headers("Origins"):
        assert "gatewayresponse.header.Access-Control-Allow-Origin" not in params
    env = _one(templates["Origins"], "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["CORS_ALLOWED_ORIGINS"] == "https://a.example.com,https://b.example.com"
