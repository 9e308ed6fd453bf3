"""The front door of an endpoint with inference components: the route, the function's settings, IAM and grants."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from sagemaker_serving import (
    ComponentEndpointConfig,
    ComputeRequirements,
    ContainerImage,
    DirectIntegration,
    Endpoint,
    FrontDoor,
    InferenceComponent,
    InstancePool,
    Model,
    ValidationError,
)
from tests.constructs.front_door.support import ROUTES, methods, of_type, one, template

ONE_CPU = ComputeRequirements(cpu_cores=1, min_memory_mb=1024)


def _pool_endpoint(stack: cdk.Stack, *names: str) -> tuple[Endpoint, list[InferenceComponent]]:
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(instance_type="ml.m5.xlarge"))
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    components = [
        InferenceComponent(stack, f"C{name.title()}", endpoint=endpoint, name=name, model=model, compute=ONE_CPU)
        for name in names
    ]
    return endpoint, components


@pytest.fixture(scope="module")
def built() -> tuple[cdk.Stack, FrontDoor, list[InferenceComponent]]:
    stack = cdk.Stack(cdk.App(), "Components")
    endpoint, components = _pool_endpoint(stack, "fraud", "churn")
    return stack, FrontDoor(stack, "FrontDoor", endpoint=endpoint), components


@pytest.fixture(scope="module")
def synthesised(built: tuple[cdk.Stack, FrontDoor, list[InferenceComponent]]) -> dict[str, Any]:
    return template(built[0])


def test_the_component_route_is_added_with_the_same_auth(synthesised: dict[str, Any]) -> None:
    found = methods(synthesised)
    assert set(found) == {*ROUTES, ("POST", "/models/{component}/invocations")}
    route = found[("POST", "/models/{component}/invocations")]
    assert route["AuthorizationType"] == "AWS_IAM"
    assert route["RequestParameters"] == {
        "method.request.header.Content-Type": True,
        "method.request.header.Accept": False,
        "method.request.path.component": True,
    }
    assert route["Integration"]["Type"] == "AWS_PROXY"
    assert route["Integration"]["Uri"] == found[("POST", "/invocations")]["Integration"]["Uri"]


def test_the_function_knows_each_components_name(
    built: tuple[cdk.Stack, FrontDoor, list[InferenceComponent]], synthesised: dict[str, Any]
) -> None:
    _, front_door, (fraud, churn) = built
    variables = one(synthesised, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert variables["INFERENCE_COMPONENTS"] == (
        f"fraud={fraud.inference_component_name},churn={churn.inference_component_name}"
    )
    assert variables["VARIANT_NAMES"] == ""  # the pool serves no model of its own
    assert front_door.inference_components == (fraud, churn)


def test_the_function_may_invoke_and_describe_the_endpoint_and_its_components_only(
    built: tuple[cdk.Stack, FrontDoor, list[InferenceComponent]], synthesised: dict[str, Any]
) -> None:
    stack, front_door, components = built
    role_id = stack.get_logical_id(front_door.function.role.node.default_child)  # type: ignore[union-attr]
    policies = [
        p for p in of_type(synthesised, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    allowed: dict[str, list[Any]] = {}
    for statement in policies[0]["Properties"]["PolicyDocument"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            if action.startswith("sagemaker:"):
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                allowed.setdefault(action, []).extend(resources)
    endpoint = {"Ref": stack.get_logical_id(front_door.endpoint.cfn_endpoint)}  # type: ignore[attr-defined]
    refs = [{"Ref": stack.get_logical_id(c.cfn_inference_component)} for c in components]
    assert sorted(map(str, allowed["sagemaker:InvokeEndpoint"])) == sorted(map(str, [endpoint, *refs]))
    assert allowed["sagemaker:DescribeEndpoint"] == [endpoint]
    assert sorted(map(str, allowed["sagemaker:DescribeInferenceComponent"])) == sorted(map(str, refs))
    assert set(allowed) == {
        "sagemaker:InvokeEndpoint",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeInferenceComponent",
    }


def test_grant_invoke_covers_the_component_route(built: tuple[cdk.Stack, FrontDoor, list[InferenceComponent]]) -> None:
    stack, front_door, _ = built
    user = iam.User(stack, "Caller")
    front_door.grant_invoke(user)
    document = stack.resolve(user.node.find_child("DefaultPolicy").document)  # type: ignore[attr-defined]
    (statement,) = document["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    assert len(statement["Resource"]) == 4
    assert any("/models/*/invocations" in str(r) for r in statement["Resource"])


def test_no_component_no_route_and_no_setting(synthesised: dict[str, Any]) -> None:
    stack = cdk.Stack(cdk.App(), "Plain")
    endpoint, _ = _pool_endpoint(stack)
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    plain = template(stack)
    assert set(methods(plain)) == ROUTES
    assert "INFERENCE_COMPONENTS" not in one(plain, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert front_door.component_invocations_method is None


def test_direct_integration_refuses_components() -> None:
    stack = cdk.Stack(cdk.App(), "Direct")
    endpoint, _ = _pool_endpoint(stack, "fraud")
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint, integration=DirectIntegration())
    assert info.value.problems == (
        "inference_components: ['fraud'] are not allowed with DirectIntegration; API Gateway cannot map a model name to its inference component: use LambdaIntegration",
    )


def test_components_of_another_endpoint_or_twice_are_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Mixed")
    endpoint, (fraud,) = _pool_endpoint(stack, "fraud")
    other_stack = cdk.Stack(cdk.App(), "Other")
    _, (stranger,) = _pool_endpoint(other_stack, "stranger")
    with pytest.raises(ValidationError) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint, inference_components=[fraud, fraud, stranger, "x"])  # type: ignore[list-item]
    assert info.value.problems == (
        "inference_components[1]: 'fraud' is given twice; names must be unique",
        "inference_components[2]: 'stranger' is hosted on another endpoint, which is not allowed; give the components of this front door's endpoint",
        "inference_components[3]: 'x' is not allowed; expected an InferenceComponent",
    )


def test_a_component_added_after_the_front_door_fails_the_synth() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Late")
    endpoint, (fraud,) = _pool_endpoint(stack, "fraud")
    FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    InferenceComponent(stack, "Late", endpoint=endpoint, name="late", model=fraud.model, compute=ONE_CPU)
    with pytest.raises(
        RuntimeError, match=r"inference_components: \['late'\] were added to the endpoint after its front door"
    ):
        app.synth()
