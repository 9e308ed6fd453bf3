"""Acknowledging compliance findings (cdk-nag 3 rules) next to the construct that owns the reason."""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence

import aws_cdk as cdk
from constructs import IConstruct

MIN_REASON_LENGTH = 10
_VALIDATIONS: weakref.WeakKeyDictionary[IConstruct, cdk.Validations] = weakref.WeakKeyDictionary()


def acknowledge(construct: IConstruct, rule_ids: Sequence[str], reason: str) -> None:
    """Acknowledge ``rule_ids`` (e.g. ``AwsSolutions-IAM5[Resource::*]``) on one construct, with a reason.

    Acknowledgements are recorded with ``Validations.of(construct)``, so they apply to that
    construct and its children only, and show up in the cloud assembly's validation report.
    """
    if len(reason.strip()) < MIN_REASON_LENGTH or not rule_ids:
        raise ValueError(f"acknowledge: {list(rule_ids)!r} needs a reason of at least {MIN_REASON_LENGTH} characters")
    validations = _VALIDATIONS.get(construct)
    if validations is None:  # one jsii round trip per construct, however many reasons it has
        validations = _VALIDATIONS[construct] = cdk.Validations.of(construct)
    validations.acknowledge(*(cdk.Acknowledgment(id=r, reason=reason) for r in rule_ids))


def acknowledge_endpoint_config_without_key(cfn_endpoint_config: IConstruct) -> None:
    """Acknowledge the KMS-key rules on an endpoint config that has no key of ours, with why (the one reason
    every endpoint config of this package gives: a key is only allowed where there is an ML storage volume)."""
    acknowledge(
        cfn_endpoint_config,
        [
            "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
            "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
        ],
        "No ML storage volume to encrypt with a key of ours: serverless variants and instance types "
        "with local NVMe storage are encrypted by SageMaker, and CreateEndpointConfig rejects a "
        "KmsKeyId for them.",
    )


def nag_resource(scope: IConstruct, value: str) -> str:
    """``value`` (an ARN with tokens) written as cdk-nag names it in a finding's ``Resource::`` part.

    A port of cdk-nag 3's ``flattenCfnReference`` (``src/utils/flatten-cfn-reference.ts``), which its IAM5 rule
    applies to each resolved resource: ``Ref`` is ``<LogicalId>``, ``Fn::GetAtt`` ``<LogicalId.Attribute>``,
    ``Fn::Join`` joins its parts, ``Fn::Sub`` and ``Fn::ImportValue`` are their argument, ``${`` and ``}`` in
    strings become ``<`` and ``>``, and anything else is its JSON.
    """
    return flatten_cfn_reference(cdk.Stack.of(scope).resolve(value))


def flatten_cfn_reference(node: object) -> str:
    """cdk-nag's flat string for a resolved CloudFormation value (see :func:`nag_resource`)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if node.get("Fn::Join"):
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(item) for item in items)
        if node.get("Fn::Sub"):
            return flatten_cfn_reference(node["Fn::Sub"])
        if node.get("Fn::GetAtt"):
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if node.get("Fn::ImportValue"):
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if node.get("Ref"):
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"), ensure_ascii=False)
