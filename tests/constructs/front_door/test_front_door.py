"""FrontDoor: routes, stage settings, logs, CORS, gateway responses, attributes, grants, metrics, the
API's own validation and acknowledgements (the auth, integration, WAF and private-API parts have their own
test modules)."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from sagemaker_serving import (
    DirectIntegration,
    Endpoint,
    FrontDoor,
    LambdaIntegration,
    NoAuth,
    ValidationError,
)
from tests.constructs.front_door import support

_acknowledged_rules = support.acknowledged_rules
_endpoint = support.endpoint
_methods = support.methods
_of_type = support.of_type
_one = support.one


# --- routes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Default", "Direct"])
def test_routes_and_methods(templates: dict[str, dict[str, Any]], name: str) -> None:
    methods = _methods(templates[name])
    assert set(methods) == support.ROUTES
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


# --- public attributes, grants, metrics ---------------------------------------------------------


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


def test_grant_invoke_allows_exactly_the_three_methods_on_the_stage() -> None:
    stack = cdk.Stack(cdk.App(), "Grant")
    front_door = FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack))
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    grant = front_door.grant_invoke(caller)
    assert grant.success
    template = Template.from_stack(stack).to_json()
    (caller_id,) = [k for k in _of_type(template, "AWS::IAM::Role") if k.startswith("Caller")]
    (policy,) = [
        p["Properties"]
        for p in _of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": caller_id} in p["Properties"]["Roles"]
    ]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    (api_id,) = _of_type(template, "AWS::ApiGateway::RestApi")
    (stage_id,) = _of_type(template, "AWS::ApiGateway::Stage")

    def arn(joined: dict[str, Any]) -> str:
        """The ARN with its tokens named: <partition>, <region>, <account>, <api>, <stage>."""
        names = {"AWS::Partition": "<partition>", "AWS::Region": "<region>", "AWS::AccountId": "<account>"}
        names |= {api_id: "<api>", stage_id: "<stage>"}
        return "".join(p if isinstance(p, str) else names[p["Ref"]] for p in joined["Fn::Join"][1])

    prefix = "arn:<partition>:execute-api:<region>:<account>:<api>/<stage>"
    assert sorted(arn(r) for r in statement["Resource"]) == [
        f"{prefix}/GET/health",
        f"{prefix}/POST/invocations",
        f"{prefix}/POST/variants/*/invocations",
    ]
    # Through the stage's own name: nothing on other stages, the console's test-invoke stage or OPTIONS.
    assert _one(template, "AWS::ApiGateway::Stage")["StageName"] == "v1"
    assert not any("test-invoke-stage" in json.dumps(r) or "OPTIONS" in json.dumps(r) for r in statement["Resource"])
    assert [m.http_method for m in front_door.methods] == ["POST", "POST", "GET"]


def test_metrics_take_typed_metric_options(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> None:
    front_door = built["Default"][1]
    latency = front_door.metric_latency(
        period=cdk.Duration.minutes(1),
        statistic="p99",
        label="front door p99",
        color=cloudwatch.Color.RED,
        unit=cloudwatch.Unit.MILLISECONDS,
        account="123456789012",
        region="eu-west-1",
    )
    assert latency.metric_name == "Latency" and latency.namespace == "AWS/ApiGateway"
    assert latency.period.to_seconds() == 60 and latency.statistic == "p99"
    assert (latency.label, latency.color, latency.unit) == ("front door p99", "#d62728", cloudwatch.Unit.MILLISECONDS)
    assert (latency.account, latency.region) == ("123456789012", "eu-west-1")
    assert set(latency.dimensions) == {"ApiName", "Stage"}
    errors = front_door.metric_server_errors(statistic="Sum", period=cdk.Duration.hours(1))
    assert errors.statistic == "Sum" and errors.period.to_seconds() == 3600
    assert front_door.metric_count(statistic="SampleCount").statistic == "SampleCount"
    assert front_door.metric_client_errors(label="4xx").label == "4xx"
    assert front_door.metric_integration_latency(statistic="p50").statistic == "p50"
    # The options are typed keyword arguments (MetricOptions), not **Any: an unknown one is an error.
    with pytest.raises(ValidationError, match="colour: is not a metric option; did you mean 'color'"):
        front_door.metric_latency(colour="#000000")  # type: ignore[call-arg]


# --- validation of the API's own values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"variant_names": ["nope"]}, "variant_names: ['nope'] are not variants of the endpoint"),
        ({"variant_names": ["champion", "champion"]}, "names must be unique"),
        ({"variant_names": []}, "variant_names: [] is not allowed; expected a non-empty list"),
        (
            {"integration": "grpc"},
            "integration: 'grpc' is not allowed; expected a FrontDoorIntegration (LambdaIntegration or "
            "DirectIntegration)",
        ),
        ({"stage_name": "my stage"}, "stage_name: 'my stage' is not allowed"),
        ({"throttling_rate_limit": 0}, "throttling_rate_limit: 0 is not allowed"),
        ({"throttling_burst_limit": 6000}, "throttling_burst_limit: 6000 is not allowed; must be an integer from 0"),
        ({"binary_media_types": ["*"]}, "binary_media_types: '*' is not allowed"),
        (
            {"cors_allowed_origins": ["https://a.example.com/path"]},
            "cors_allowed_origins: 'https://a.example.com/path'",
        ),
    ],
)
def test_each_validation_rule(stack: cdk.Stack, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        FrontDoor(stack, "FrontDoor", endpoint=_endpoint(stack), **props)


def test_an_imported_endpoint_needs_variant_names(stack: cdk.Stack) -> None:
    imported = Endpoint.from_endpoint_name(stack, "Imported", "my-endpoint")
    with pytest.raises(ValidationError, match=re.escape("variant_names: None is not allowed for an imported endpoint")):
        FrontDoor(stack, "FrontDoor", endpoint=imported)


def test_all_problems_are_reported_at_once(stack: cdk.Stack) -> None:
    """The API's own problems and every part's, in one ValidationError, before anything is created."""
    with pytest.raises(ValidationError) as info:
        FrontDoor(
            stack,
            "FrontDoor",
            endpoint=_endpoint(stack),
            auth=NoAuth(),
            stage_name="",
            integration=LambdaIntegration(memory_size=64, log_level="LOUD"),  # type: ignore[arg-type]
        )
    assert "Invalid front door props: 4 problem(s)" in str(info.value)
    assert len(info.value.problems) == 4
    assert [p.split(":")[0] for p in info.value.problems] == [
        "stage_name",
        "auth",
        "integration.memory_size",
        "integration.log_level",
    ]
    front_door = stack.node.try_find_child("FrontDoor")
    assert front_door is not None and front_door.node.children == []


# --- acknowledgements ------------------------------------------------------------------------------


def test_acknowledgements_follow_the_configuration(built: dict[str, tuple[cdk.Stack, FrontDoor]]) -> None:
    def rules(name: str) -> set[str]:
        return _acknowledged_rules(built[name][1])

    default = rules("Default")
    assert {"AwsSolutions-COG4", "NIST.800.53.R5-LambdaInsideVPC", "NIST.800.53.R5-LambdaConcurrency"} <= default
    assert {"AwsSolutions-APIG3", "NIST.800.53.R5-APIGWAssociatedWithWAF"} <= default
    assert "AwsSolutions-APIG4" not in default and "NIST.800.53.R5-WAFv2LoggingEnabled" not in default
    extras = rules("Extras")  # reserved concurrency, WAF, CloudWatch role
    assert "NIST.800.53.R5-LambdaConcurrency" not in extras and "AwsSolutions-APIG3" not in extras
    assert "NIST.800.53.R5-WAFv2LoggingEnabled" in extras
    assert any(r.startswith("AwsSolutions-IAM4[") for r in extras)
    assert not any(r.startswith("AwsSolutions-IAM4[") for r in default)
    direct = rules("Direct")  # the stage's own reasons hold for both integrations
    assert {"HIPAA.Security-APIGWSSLEnabled", "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted"} <= direct
    assert isinstance(built["Direct"][1].integration, DirectIntegration)
