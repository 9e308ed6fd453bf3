"""The AWS-published Powertools for AWS Lambda (Python) layer the front-door function uses.

Version 27 of ``AWSLambdaPowertoolsPythonV3-python312-arm64`` is the one documented on the Powertools
install page (``aws-powertools/powertools-lambda-python``, ``docs/getting-started/install.md``) when this
was written, with its publisher account per region: 017000801446 in the commercial regions, others in
China and GovCloud. A region not listed (cn-northwest-1, which Powertools does not document) needs an
explicit layer ARN.
"""

from __future__ import annotations

import re

import aws_cdk as cdk

POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python312-arm64"
POWERTOOLS_LAYER_VERSION = 27
_COMMERCIAL_REGIONS = [
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
]
#: The layer's publisher account per region, as the Powertools install page documents it.
POWERTOOLS_LAYER_ACCOUNTS = {
    **dict.fromkeys(_COMMERCIAL_REGIONS, "017000801446"),
    "cn-north-1": "498634801083",
    "us-gov-east-1": "165087284144",
    "us-gov-west-1": "165093116878",
}

_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")


def powertools_layer_problems(stack: cdk.Stack, layer_arn: str | None, where: str) -> list[str]:
    """A given ARN must be a layer version ARN; without one, the stack's region must have a documented layer."""
    if layer_arn is not None:
        if cdk.Token.is_unresolved(layer_arn) or _LAYER_ARN.match(layer_arn):
            return []
        return [
            f"{where}: {layer_arn!r} is not allowed; expected a layer version ARN "
            "(arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>)"
        ]
    region = stack.region
    if not cdk.Token.is_unresolved(region) and region not in POWERTOOLS_LAYER_ACCOUNTS:
        return [
            f"{where}: None is not allowed in region {region!r}; Powertools documents no layer "
            "there: pass the ARN of a Powertools v3 python3.12/arm64 layer you can use in that region"
        ]
    return []


def powertools_layer_arn(stack: cdk.Stack) -> str:
    """The layer's ARN in ``stack``'s region: the publisher account is a literal for a known region, else
    a ``Fn::FindInMap`` on a region-keyed ``PowertoolsLayerAccounts`` mapping (created once per stack)."""
    region = stack.region
    account: str
    if cdk.Token.is_unresolved(region):
        mapping = stack.node.try_find_child("PowertoolsLayerAccounts")
        if not isinstance(mapping, cdk.CfnMapping):
            mapping = cdk.CfnMapping(
                stack,
                "PowertoolsLayerAccounts",
                mapping={r: {"account": a} for r, a in sorted(POWERTOOLS_LAYER_ACCOUNTS.items())},
                lazy=True,
            )
        account = mapping.find_in_map(region, "account")
    else:
        account = POWERTOOLS_LAYER_ACCOUNTS[region]  # checked by powertools_layer_problems
    return f"arn:{stack.partition}:lambda:{region}:{account}:layer:{POWERTOOLS_LAYER_NAME}:{POWERTOOLS_LAYER_VERSION}"
