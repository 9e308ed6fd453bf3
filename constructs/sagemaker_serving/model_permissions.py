"""What a model's execution role may do: the statements of :class:`~sagemaker_serving.Model`'s execution policy.

Least privilege: write only SageMaker endpoint logs, publish only SageMaker metrics and, in a VPC, manage
network interfaces only in the model's subnets, security groups and VPC. (The artifact and image statements
come from :mod:`sagemaker_serving.model_data` and :mod:`sagemaker_serving.container_image`; the reasons for the
wildcards that remain sit with the model, :meth:`Model._acknowledge_wildcards`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from sagemaker_serving._shared import regional_arn

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2

# EC2 calls SageMaker makes with the execution role to attach the model to a VPC
# (CreateModel "execution role permissions"). Describe* calls have no resource-level permissions.
_VPC_DESCRIBE_ACTIONS = [
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]
_ENI_ACTIONS = [
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
]


def logs_and_metrics_statements(stack: cdk.Stack) -> list[iam.PolicyStatement]:
    """Write SageMaker endpoint logs and publish SageMaker metrics, nothing else."""
    log_group_arn = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name="/aws/sagemaker/Endpoints/*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return [
        iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            resources=[log_group_arn, f"{log_group_arn}:log-stream:*"],
        ),
        # cloudwatch:PutMetricData has no resource-level permissions; a namespace condition scopes it.
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ),
    ]


def vpc_statements(
    stack: cdk.Stack, vpc: ec2.IVpc, subnet_ids: Sequence[str], security_groups: Sequence[ec2.ISecurityGroup]
) -> list[iam.PolicyStatement]:
    """What SageMaker needs to attach the model's containers to ``vpc``: ENIs in these subnets only."""

    def arn(resource: str, name: str) -> str:
        return regional_arn(stack, "ec2", resource, name)

    any_eni = arn("network-interface", "*")
    return [
        iam.PolicyStatement(actions=_VPC_DESCRIBE_ACTIONS, resources=["*"]),
        iam.PolicyStatement(
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                any_eni,
                *(arn("subnet", s) for s in subnet_ids),
                *(arn("security-group", g.security_group_id) for g in security_groups),
            ],
        ),
        iam.PolicyStatement(
            actions=_ENI_ACTIONS,
            resources=[any_eni],
            conditions={"ArnEquals": {"ec2:Vpc": arn("vpc", vpc.vpc_id)}},
        ),
    ]
