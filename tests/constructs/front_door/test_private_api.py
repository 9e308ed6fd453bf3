"""FrontDoor(private_endpoint=...): a private REST API reachable only through an execute-api VPC endpoint."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from sagemaker_serving import (
    ApiKeyAuth,
    CognitoAuth,
    ContainerImage,
    DirectIntegration,
    Endpoint,
    EndpointConfig,
    FrontDoor,
    FrontDoorAuth,
    FrontDoorIntegration,
    IamAuth,
    LambdaIntegration,
    Model,
    NoAuth,
    ServerlessVariant,
    ServingNetwork,
    UsagePlanOptions,
    ValidationError,
    WafOptions,
)


def _private(
    *,
    integration: FrontDoorIntegration | None = None,
    auth: FrontDoorAuth | None = None,
    waf: WafOptions | None = None,
) -> tuple[dict[str, Any], ServingNetwork, FrontDoor]:
    stack = cdk.Stack(cdk.App(), "Private")
    network = ServingNetwork(stack, "Network")
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    config = EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="champion", model=model)])
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    front_door = FrontDoor(
        stack,
        "FrontDoor",
        endpoint=endpoint,
        integration=integration,
        auth=auth,
        waf=waf,
        private_endpoint=network.add_api_gateway_endpoint(),
    )
    return Template.from_stack(stack).to_json(), network, front_door


def _one(template: dict[str, Any], type_name: str) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, r["Properties"]) for k, r in template["Resources"].items() if r["Type"] == type_name]
    return found


def _vpce_logical_id(template: dict[str, Any]) -> str:
    (logical_id,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::EC2::VPCEndpoint" and "execute-api" in str(r["Properties"]["ServiceName"])
    ]
    return logical_id


@pytest.mark.parametrize("integration", [LambdaIntegration(), DirectIntegration()])
def test_private_api_is_associated_with_the_endpoint_and_denies_everything_else(
    integration: FrontDoorIntegration,
) -> None:
    template, network, front_door = _private(integration=integration)
    vpce = {"Ref": _vpce_logical_id(template)}
    assert front_door.private_endpoint is network.interface_endpoints["execute-api"]
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    assert api["EndpointConfiguration"] == {"Types": ["PRIVATE"], "VpcEndpointIds": [vpce]}
    deny, allow = api["Policy"]["Statement"]
    assert deny == {
        "Sid": "DenyOutsideTheVpcEndpoint",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": vpce}},
    }
    assert allow["Effect"] == "Allow" and allow["Action"] == "execute-api:Invoke"
    assert allow["Resource"] == "execute-api:/*"
    assert allow["Condition"] == {"StringEquals": {"aws:SourceVpce": vpce}}
    # IAM auth (the default) still applies: the allow delegates to this account's IAM policies.
    assert "root" in str(allow["Principal"]["AWS"])
    methods = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method"]
    assert {m["AuthorizationType"] for m in methods} == {"AWS_IAM"}
    kinds = {m["Integration"]["Type"] for m in methods}
    assert kinds == ({"AWS_PROXY"} if isinstance(integration, LambdaIntegration) else {"AWS"})


@pytest.mark.parametrize(
    "auth", [ApiKeyAuth(), CognitoAuth(), NoAuth(acknowledge_unauthenticated=True)], ids=lambda a: type(a).__name__
)
def test_private_api_with_anonymous_iam_callers_allows_any_principal_through_the_endpoint(auth: FrontDoorAuth) -> None:
    """The principal comes from the auth's binding: callers with a key or a token are anonymous to IAM."""
    template, _, _ = _private(auth=auth)
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    _, allow = api["Policy"]["Statement"]
    assert allow["Principal"] == {"AWS": "*"}
    assert "aws:SourceVpce" in allow["Condition"]["StringEquals"]


def test_private_api_with_iam_and_a_usage_plan_still_allows_only_this_account() -> None:
    template, _, _ = _private(auth=IamAuth(usage_plan=UsagePlanOptions()))
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    _, allow = api["Policy"]["Statement"]
    assert "root" in str(allow["Principal"]["AWS"])


def test_private_api_can_have_a_waf_web_acl() -> None:
    template, _, front_door = _private(auth=IamAuth(), waf=WafOptions())
    assert front_door.web_acl is not None
    _one(template, "AWS::WAFv2::WebACLAssociation")


def test_regional_api_has_no_policy_and_no_execute_api_endpoint(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    config = EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="champion", model=model)])
    FrontDoor(stack, "FrontDoor", endpoint=Endpoint(stack, "Endpoint", endpoint_config=config))
    template = Template.from_stack(stack).to_json()
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert "Policy" not in api
    assert "execute-api" not in network.interface_endpoints
    assert "execute-api" not in str([r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"])


def test_the_execute_api_endpoint_is_created_once(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    first = network.add_api_gateway_endpoint()
    assert network.add_api_gateway_endpoint() is first
    template = Template.from_stack(stack)
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    (props,) = [r["Properties"] for r in endpoints.values() if "execute-api" in str(r["Properties"]["ServiceName"])]
    assert props["VpcEndpointType"] == "Interface" and props["PrivateDnsEnabled"] is True
    assert len(props["SecurityGroupIds"]) == 1


def test_private_endpoint_must_be_an_interface_endpoint(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    config = EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="champion", model=model)])
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    gateway: Any = network.gateway_endpoint
    assert isinstance(gateway, ec2.GatewayVpcEndpoint)
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint, private_endpoint=gateway)
    assert "private_endpoint: " in str(info.value)
    assert "is not allowed; expected an execute-api interface VPC endpoint (ec2.IInterfaceVpcEndpoint" in str(
        info.value
    )


def test_a_private_front_door_passes_the_nag_packs() -> None:
    """No finding beyond what every front door acknowledges: the API policy itself raises none."""
    from app import nag_packs

    _, _, front_door = _private()
    stack = cdk.Stack.of(front_door)
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for pack in nag_packs()
        for v in pack.validate_scope(stack).violations
        for r in v.violating_resources
    ]
    # The serverless endpoint config and the bare model need acknowledgements of their own outside
    # the front door; nothing inside the front door or the network may be reported.
    assert [f for f in findings if "/FrontDoor/" in f or "/Network/" in f] == []
