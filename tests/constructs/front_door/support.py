"""Helpers shared by the front-door construct tests: a small endpoint and template look-ups."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from sagemaker_serving import ContainerImage, Endpoint, EndpointConfig, FrontDoor, Model, ServerlessVariant

ROUTES = {("POST", "/invocations"), ("POST", "/variants/{variant}/invocations"), ("GET", "/health")}


def endpoint(stack: cdk.Stack) -> Endpoint:
    """A serverless endpoint with two variants, ``champion`` and ``challenger``."""
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    config = EndpointConfig(
        stack,
        "Config",
        variants=[ServerlessVariant(name="champion", model=model)],
    )
    return Endpoint(stack, "Endpoint", endpoint_config=config)


def front_door(name: str, **props: Any) -> tuple[cdk.Stack, FrontDoor]:
    """A front door on :func:`endpoint` in a stack of its own app."""
    stack = cdk.Stack(cdk.App(), name)
    return stack, FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), **props)


def template(stack: cdk.Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


def one(template: dict[str, Any], type_name: str) -> dict[str, Any]:
    (resource,) = of_type(template, type_name).values()
    return resource["Properties"]  # type: ignore[no-any-return]


def methods(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, full path) → method properties."""
    resources = of_type(template, "AWS::ApiGateway::Resource")

    def path(resource_id: Any) -> str:
        if "Fn::GetAtt" in resource_id:
            return ""
        props = resources[resource_id["Ref"]]["Properties"]
        return f"{path(props['ParentId'])}/{props['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], path(m["Properties"]["ResourceId"]) or "/"): m["Properties"]
        for m in of_type(template, "AWS::ApiGateway::Method").values()
    }


def statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to the role whose logical ID starts with role_prefix."""
    (role_id,) = [k for k in of_type(template, "AWS::IAM::Role") if k.startswith(role_prefix)]
    found = []
    for policy in of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def endpoint_id(template: dict[str, Any]) -> str:
    (found,) = of_type(template, "AWS::SageMaker::Endpoint")
    return found


def acknowledged(front_door: FrontDoor) -> dict[str, set[str]]:
    """Acknowledged rule IDs by construct path (relative to the front door)."""
    found: dict[str, set[str]] = {}
    for construct in front_door.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                path = construct.node.path.removeprefix(front_door.node.path + "/")
                found.setdefault(path, set()).update(r.removeprefix("Annotation::") for r in entry.data)
    return found


def acknowledged_rules(front_door: FrontDoor) -> set[str]:
    return {r for rules in acknowledged(front_door).values() for r in rules}
