"""FrontDoor of an asynchronous endpoint: its routes (and the ones it does not have), the function's environment
and exact grants, the routes' authorisation and grant_invoke, what is refused, and a clean cdk-nag run."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from sagemaker_serving import (
    AsyncInferenceConfig,
    ContainerImage,
    DirectIntegration,
    Endpoint,
    EndpointConfig,
    FrontDoor,
    InstanceVariant,
    LambdaIntegration,
    Model,
    ValidationError,
)
from tests.constructs.front_door import support


def _async_endpoint(stack: cdk.Stack, **config: Any) -> Endpoint:
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    endpoint_config = EndpointConfig(
        stack,
        "Config",
        variants=[InstanceVariant(name="champion", model=model, instance_type="ml.m5.large")],
        async_inference=AsyncInferenceConfig(**config),
    )
    return Endpoint(stack, "Endpoint", endpoint_config=endpoint_config)


@pytest.fixture(scope="module")
def async_built() -> tuple[cdk.Stack, FrontDoor, dict[str, Any]]:
    stack = cdk.Stack(cdk.App(), "Async")
    endpoint = _async_endpoint(stack, invocation_timeout=cdk.Duration.minutes(30), request_ttl=cdk.Duration.hours(1))
    endpoint.autoscale_on_backlog("champion", max_capacity=2)
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    return stack, front_door, support.template(stack)


def _bucket_id(template: dict[str, Any]) -> str:
    (bucket_id,) = support.of_type(template, "AWS::S3::Bucket")
    return bucket_id


def test_only_the_async_routes_and_health_exist(async_built: tuple[cdk.Stack, FrontDoor, dict[str, Any]]) -> None:
    _, front_door, template = async_built
    methods = support.methods(template)
    assert set(methods) == {
        ("POST", "/async-invocations"),
        ("GET", "/async-invocations/{inference_id}"),
        ("GET", "/health"),
    }
    assert methods[("POST", "/async-invocations")]["RequestParameters"] == {
        "method.request.header.Content-Type": True,
        "method.request.header.Accept": False,
    }
    assert methods[("GET", "/async-invocations/{inference_id}")]["RequestParameters"] == {
        "method.request.path.inference_id": True,
        "method.request.header.Accept": False,
    }
    (validator_id,) = support.of_type(template, "AWS::ApiGateway::RequestValidator")
    for method in methods.values():
        assert method["AuthorizationType"] == "AWS_IAM"
        assert method["RequestValidatorId"] == {"Ref": validator_id}
        assert method["Integration"]["Type"] == "AWS_PROXY"
    assert front_door.invocations_method is None and front_door.variant_invocations_method is None
    assert [m.http_method for m in front_door.methods] == ["POST", "GET", "GET"]
    assert front_door.methods == (
        front_door.async_invocations_method,
        front_door.async_result_method,
        front_door.health_method,
    )
    assert front_door.async_inference is not None


def test_the_function_is_told_where_requests_go_and_the_limits(
    async_built: tuple[cdk.Stack, FrontDoor, dict[str, Any]],
) -> None:
    _, _, template = async_built
    variables = support.one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert {k: v for k, v in variables.items() if k.startswith(("INVOCATION", "ASYNC"))} == {
        "INVOCATION_MODE": "async",
        "ASYNC_BUCKET": {"Ref": _bucket_id(template)},
        "ASYNC_INPUT_PREFIX": "input/",
        "ASYNC_INVOCATION_TIMEOUT_SECONDS": "1800",
        "ASYNC_REQUEST_TTL_SECONDS": "3600",
    }
    assert variables["MAX_BODY_BYTES"] == "4521984"


def test_the_function_may_do_exactly_what_the_routes_need(
    async_built: tuple[cdk.Stack, FrontDoor, dict[str, Any]],
) -> None:
    _, _, template = async_built
    bucket = {"Fn::GetAtt": [_bucket_id(template), "Arn"]}
    (key_id,) = [k for k in support.of_type(template, "AWS::KMS::Key") if k.startswith("ConfigAsyncInferenceKey")]
    key = {"Fn::GetAtt": [key_id, "Arn"]}
    endpoint = {"Ref": support.endpoint_id(template)}

    def objects(prefix: str) -> dict[str, Any]:
        return {"Fn::Join": ["", [bucket, f"/{prefix}*"]]}

    found = support.statements(template, "FrontDoorFunctionRole")
    relevant = [s for s in found if not any(a.startswith(("logs:", "xray:")) for a in support.actions(s))]
    assert relevant == [
        {"Action": "sagemaker:InvokeEndpointAsync", "Effect": "Allow", "Resource": endpoint},
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": objects("input/")},
        {"Action": "kms:GenerateDataKey", "Effect": "Allow", "Resource": key},
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": [objects("output/"), objects("failure/")]},
        {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key},
        {"Action": ["s3:PutObject", "s3:GetObject"], "Effect": "Allow", "Resource": objects("requests/")},
        {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": bucket},
        {"Action": "sagemaker:DescribeEndpoint", "Effect": "Allow", "Resource": endpoint},
    ]
    assert "sagemaker:InvokeEndpoint" not in json.dumps(found).replace("sagemaker:InvokeEndpointAsync", "")


def test_grant_invoke_covers_the_async_routes() -> None:
    stack = cdk.Stack(cdk.App(), "Grant")
    front_door = FrontDoor(stack, "FrontDoor", endpoint=_async_endpoint(stack))
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    front_door.grant_invoke(caller)
    template = support.template(stack)
    (statement,) = support.statements(template, "Caller")
    paths = sorted(json.dumps(r).split('"/')[-1].rstrip('"]}') for r in statement["Resource"])
    assert paths == [
        "GET/async-invocations/*",
        "GET/health",
        "POST/async-invocations",
    ]


def test_the_async_front_door_passes_the_nag_packs(async_built: tuple[cdk.Stack, FrontDoor, dict[str, Any]]) -> None:
    from app import nag_packs

    stack, front_door, _ = async_built
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for pack in nag_packs()
        for v in pack.validate_scope(stack).violations
        for r in v.violating_resources
    ]
    assert findings == []
    acknowledged = support.acknowledged(front_door)["FunctionRole/DefaultPolicy"]
    bucket_id = _bucket_id(support.template(stack))
    assert {
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]"
        for prefix in ("input/", "output/", "failure/", "requests/")
    } <= set(acknowledged)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"integration": DirectIntegration()},
            "integration: DirectIntegration is not allowed for an asynchronous endpoint; InvokeEndpointAsync reads "
            "the request body from S3, which API Gateway cannot write in the same call: use LambdaIntegration, "
            "whose function stores the body and answers the result routes",
        ),
        (
            {"variant_names": ["champion"]},
            "variant_names: ['champion'] is not allowed for an asynchronous endpoint; InvokeEndpointAsync takes no "
            "TargetVariant, so its front door has no /variants route",
        ),
        (
            {"integration": LambdaIntegration(max_body_bytes=5_000_000)},
            "integration.max_body_bytes: 5000000 is not allowed; must be an integer from 1 to 4521984 (Lambda's 6 MB "
            "event limit less 256 KiB, as base64; a larger asynchronous payload, up to SageMaker's 1 GB, is stored "
            "under the input prefix by the caller: AsyncInference.grant_put_input)",
        ),
    ],
    ids=["direct-integration", "variant-names", "body-over-lambda-limit"],
)
def test_what_makes_no_sense_for_an_async_endpoint_is_refused(props: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Refused")
    endpoint = _async_endpoint(stack)
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint, **props)
    assert info.value.problems == (message,)
    assert stack.node.try_find_child("FrontDoor") is None or not Template.from_stack(stack).find_resources(
        "AWS::ApiGateway::RestApi"
    )


def test_a_real_time_front_door_is_unchanged_by_the_async_code(templates: dict[str, dict[str, Any]]) -> None:
    variables = support.one(templates["Default"], "AWS::Lambda::Function")["Environment"]["Variables"]
    assert not any(k.startswith(("INVOCATION", "ASYNC")) for k in variables)
    assert set(support.methods(templates["Default"])) == support.ROUTES
