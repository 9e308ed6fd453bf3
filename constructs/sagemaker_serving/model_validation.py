"""The rules :class:`~sagemaker_serving.Model` checks its props (and imports) against: CreateModel's limits.

Each function returns every problem it finds (field, bad value, what is allowed); the model raises them
together (:func:`~sagemaker_serving.errors.raise_if_problems`). Tokens are left to CloudFormation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2

_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
_MODEL_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_MODEL_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_MAX_ENV_VARS = 100  # CreateModel: Environment map, at most 100 entries of up to 1024 characters.
_MAX_SUBNETS, _MAX_SECURITY_GROUPS = 16, 5  # CreateModel: VpcConfig limits.


def environment_problems(env: Mapping[str, str]) -> list[str]:
    """CreateModel's ``Environment``: keys, values of at most 1024 characters, at most 100 entries."""
    problems: list[str] = []
    for key in env:
        if not _ENV_KEY.match(key):
            problems.append(f"environment: key {key!r} is not allowed; expected [a-zA-Z_][a-zA-Z0-9_]* (≤1024)")
    for key, value in env.items():
        if not isinstance(value, str) or len(value) > 1024:
            problems.append(f"environment[{key!r}]: {value!r} is not allowed; expected a string of ≤1024 chars")
    if len(env) > _MAX_ENV_VARS:
        problems.append(f"environment: {len(env)} variables is not allowed; at most {_MAX_ENV_VARS}")
    return problems


def model_name_problems(model_name: str | None) -> list[str]:
    """A model name is 1-63 alphanumerics or hyphens (tokens are checked by CloudFormation)."""
    if model_name is not None and not cdk.Token.is_unresolved(model_name) and not _MODEL_NAME.match(model_name):
        return [f"model_name: {model_name!r} is not allowed; expected 1-63 alphanumerics or hyphens"]
    return []


def model_arn_problems(model_arn: str) -> list[str]:
    """A model ARN is ``arn:<partition>:sagemaker:<region>:<account>:model/<name>`` (tokens are not checked)."""
    if not cdk.Token.is_unresolved(model_arn) and not _MODEL_ARN.match(model_arn):
        return [
            f"model_arn: {model_arn!r} is not allowed; "
            "expected arn:<partition>:sagemaker:<region>:<account>:model/<name>"
        ]
    return []


def vpc_problems(
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    subnet_ids: Sequence[str],
) -> list[str]:
    """Subnets and security groups only with a VPC, and within CreateModel's ``VpcConfig`` limits."""
    if vpc is None:
        given = {"vpc_subnets": vpc_subnets is not None, "security_groups": security_groups is not None}
        return [f"{k}: given without vpc, which is not allowed; pass vpc too" for k, v in given.items() if v]
    problems: list[str] = []
    if not 1 <= len(subnet_ids) <= _MAX_SUBNETS:
        problems.append(f"vpc_subnets: {len(subnet_ids)} subnets selected is not allowed; expected 1 to 16")
    if security_groups is not None and not 1 <= len(security_groups) <= _MAX_SECURITY_GROUPS:
        problems.append(f"security_groups: {len(security_groups)} given is not allowed; expected 1 to 5")
    return problems
