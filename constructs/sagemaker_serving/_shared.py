"""Small helpers shared by several constructs (not public API)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2


# Per-process memos of values that cost a jsii round trip each time they are asked for.
_SUBNET_IDS: dict[tuple[int, int], tuple[ec2.IVpc, ec2.SubnetSelection | None, list[str]]] = {}
_STACK_ENV: weakref.WeakKeyDictionary[cdk.Stack, tuple[str, str, str]] = weakref.WeakKeyDictionary()


def select_subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[str]:
    """Subnet IDs of ``selection`` (a struct, which Python bindings take as keyword arguments).

    Remembered per VPC and selection object: a model and the front door in the same subnets ask once.
    """
    key = (id(vpc), id(selection))
    known = _SUBNET_IDS.get(key)
    if known is not None and known[0] is vpc and known[1] is selection:
        return list(known[2])
    ids = _select_subnet_ids(vpc, selection)
    _SUBNET_IDS[key] = (vpc, selection, ids)
    return list(ids)


def regional_arn(scope: Construct, service: str, resource: str, resource_name: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>/<resource_name>`` of the scope's stack.

    The same tokens as ``Stack.format_arn`` (so the same template), with the stack's partition, region
    and account fetched once per stack instead of one jsii call per ARN.
    """
    stack = cdk.Stack.of(scope)
    env = _STACK_ENV.get(stack)
    if env is None:
        env = _STACK_ENV[stack] = (stack.partition, stack.region, stack.account)
    partition, region, account = env
    return f"arn:{partition}:{service}:{region}:{account}:{resource}/{resource_name}"


def _select_subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[str]:
    if selection is None:
        return vpc.select_subnets().subnet_ids
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    ).subnet_ids


def log_group_key(scope: Construct, construct_id: str, *, description: str) -> kms.Key:
    """A KMS key with rotation that CloudWatch Logs of this region may use for this account's log groups."""
    stack = cdk.Stack.of(scope)
    key = kms.Key(scope, construct_id, description=description, enable_key_rotation=True)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],  # In a key policy, "*" is this key.
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key
