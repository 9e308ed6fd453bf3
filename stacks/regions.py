"""The AWS Regions an environment's ``region`` may name, as of 2026-11-30.

Source: the AWS documentation's Region list ("AWS Regions", and "AWS Region billing codes", which
also lists the newest Regions: ap-east-2 Taipei, ap-southeast-6 New Zealand, mx-central-1 Mexico),
https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html and
https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html,
cross-checked against the partitions ``aws``, ``aws-cn`` and ``aws-us-gov`` of botocore 1.44.8's
``data/endpoints.json``. The isolated partitions (``aws-iso*``, ``aws-eusc``) are left out: they
need their own account type and none of the registries this app resolves images from lists them.

A Region launched after this date is refused with "not a known AWS region": add it here.
"""

from __future__ import annotations

#: Commercial Regions (partition ``aws``).
COMMERCIAL = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
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
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
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
)
#: China Regions (partition ``aws-cn``).
CHINA = ("cn-north-1", "cn-northwest-1")
#: AWS GovCloud (US) Regions (partition ``aws-us-gov``).
GOVCLOUD = ("us-gov-east-1", "us-gov-west-1")

#: Every Region code accepted in ``stacks/environments.toml``.
REGIONS: frozenset[str] = frozenset((*COMMERCIAL, *CHINA, *GOVCLOUD))
