"""The front-door function's least-privilege VPC grants and its cdk-nag acknowledgements."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from sagemaker_serving._shared import regional_arn, select_subnet_ids
from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.front_door.integrations.powertools import POWERTOOLS_LAYER_NAME

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_lambda as lambda_


def lambda_vpc_statements(
    function: lambda_.Function, vpc: ec2.IVpc, vpc_subnets: ec2.SubnetSelection | None
) -> list[iam.PolicyStatement]:
    """The EC2 calls Lambda makes with the execution role for a function in a VPC (the actions of
    ``AWSLambdaVPCAccessExecutionRole``), with ENI creation limited to its subnets and security groups."""
    stack = cdk.Stack.of(function)

    def arn(resource: str, name: str) -> str:
        return regional_arn(stack, "ec2", resource, name)

    any_eni = arn("network-interface", "*")
    return [
        iam.PolicyStatement(actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources=["*"]),
        iam.PolicyStatement(
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                any_eni,
                *(arn("subnet", s) for s in select_subnet_ids(vpc, vpc_subnets)),
                *(arn("security-group", g.security_group_id) for g in function.connections.security_groups),
            ],
        ),
        iam.PolicyStatement(
            actions=["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=[any_eni],
        ),
    ]


def acknowledge_function(function: lambda_.Function, role: iam.Role, *, reserved: int | None, in_vpc: bool) -> None:
    """Findings on the function that are true of every synchronous API Gateway proxy function."""
    acknowledge(
        function,
        ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ"],
        "API Gateway invokes the function synchronously (proxy integration) and returns its errors to the "
        "caller; a dead-letter queue only receives failed asynchronous invocations, so it would stay empty.",
    )
    acknowledge(
        function,
        ["AwsSolutions-L1"],
        f"Python 3.12 on purpose: the AWS-published Powertools layer used is the python3.12/arm64 build "
        f"({POWERTOOLS_LAYER_NAME}); move runtime and layer together.",
    )
    if reserved is None:
        acknowledge(
            function,
            ["HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"],
            "No reserved concurrency by default (reserved_concurrent_executions=None): reserving takes "
            "capacity from every other function of the account and fails in accounts with a low quota; "
            "the API stage's throttling (rate and burst) limits concurrent invocations instead.",
        )
    if not in_vpc:
        acknowledge(
            function,
            ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC"],
            "No VPC configured for this front door (e.g. dev, whose serverless endpoint cannot be in a VPC): "
            "the function only calls the SageMaker and CloudWatch APIs over TLS with SigV4. Pass vpc= "
            "(ServingStack does when the environment has a network) to run it in the model's VPC.",
        )
    _acknowledge_role_policy(role, in_vpc=in_vpc)


def _acknowledge_role_policy(role: iam.Role, *, in_vpc: bool) -> None:
    policy = role.node.try_find_child("DefaultPolicy")
    assert policy is not None, "the function role has grants, so it has a default policy"
    acknowledge(
        policy,
        ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
        "The function role's grants (invoke/describe one endpoint, write its own log group, X-Ray) belong to "
        "this one role only and live and die with it; an inline policy cannot be attached elsewhere by mistake.",
    )
    acknowledge(
        policy,
        ["AwsSolutions-IAM5[Resource::*]"],
        "Resource '*' only for actions AWS defines without resource-level permissions: xray:PutTraceSegments "
        "and xray:PutTelemetryRecords (Lambda active tracing) and, in a VPC, ec2:DescribeNetworkInterfaces "
        "and ec2:DescribeSubnets (Lambda attaching the function to its subnets).",
    )
    if in_vpc:
        acknowledge(
            policy,
            [
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
                "network-interface/*]"
            ],
            "Lambda creates the function's network interfaces (Hyperplane ENIs) itself, so their IDs are "
            "unknown; creating one is also limited to the function's subnets and security groups.",
        )
