"""Acknowledging compliance findings (cdk-nag 3 rules) next to the construct that owns the reason."""

from __future__ import annotations

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

    cdk-nag writes ``Ref`` as ``<LogicalId>``, ``Fn::GetAtt`` as ``<LogicalId.Attribute>``, pseudo parameters
    as ``<AWS::Region>``, joins the parts of ``Fn::Join`` and writes any other function as its JSON.
    """
    import json

    def render(part: object) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, dict) and len(part) == 1:
            ((name, arg),) = part.items()
            if name == "Ref":
                return f"<{arg}>"
            if name == "Fn::GetAtt":
                return f"<{arg[0]}.{arg[1]}>"
            if name == "Fn::Join":
                return str(arg[0]).join(render(p) for p in arg[1])
        return json.dumps(part, separators=(",", ":"))

    return render(cdk.Stack.of(scope).resolve(value))
