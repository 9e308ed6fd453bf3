"""DirectIntegration: API Gateway AWS integrations with the SageMaker runtime under a scoped role, SageMaker's
errors mapped to statuses and JSON bodies, the health check, headers and CORS as in Lambda mode, and its one
setting, the timeout."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_serving import DirectIntegration, FrontDoor, LambdaIntegration, ValidationError
from sagemaker_serving.front_door.integrations.direct import RUNTIME_ERRORS
from tests.constructs.front_door.support import actions as _actions
from tests.constructs.front_door.support import endpoint as _endpoint
from tests.constructs.front_door.support import endpoint_id as _endpoint_id
from tests.constructs.front_door.support import methods as _methods
from tests.constructs.front_door.support import of_type as _of_type
from tests.constructs.front_door.support import statements as _statements


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
