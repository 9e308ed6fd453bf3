"""WafOptions: the regional web ACL on the stage, its rules and its validation."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_serving import FrontDoor, ValidationError, WafOptions
from tests.constructs.front_door.support import acknowledged, endpoint, of_type, one, template


def test_waf_is_associated_with_the_stage_when_on(templates: dict[str, dict[str, Any]]) -> None:
    assert not of_type(templates["Default"], "AWS::WAFv2::WebACL")
    template = templates["Extras"]
    acl = one(template, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"] == {"AggregateKeyType": "IP", "Limit": 500}
    assert rules["RateLimitPerIp"]["Action"] == {"Block": {}}
    managed = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert managed["VendorName"] == "AWS" and managed["Name"] == "AWSManagedRulesCommonRuleSet"
    # Inference bodies are often > 8 KB: the size rule counts instead of blocking.
    assert managed["RuleActionOverrides"] == [{"ActionToUse": {"Count": {}}, "Name": "SizeRestrictions_BODY"}]
    (acl_id,) = of_type(template, "AWS::WAFv2::WebACL")
    (stage_id,) = of_type(template, "AWS::ApiGateway::Stage")
    association = one(template, "AWS::WAFv2::WebACLAssociation")
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["ResourceArn"]["Fn::Join"][1]


def test_large_bodies_can_stay_blocked_and_the_acl_carries_its_acknowledgement() -> None:
    stack = cdk.Stack(cdk.App(), "Blocking")
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), waf=WafOptions(block_large_bodies=True))
    acl = one(template(stack), "AWS::WAFv2::WebACL")
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]["Limit"] == 2000
    managed = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert "RuleActionOverrides" not in managed
    assert {r["Name"] for r in acl["Rules"]} >= {"AWSManagedRulesKnownBadInputsRuleSet"}
    assert front_door.web_acl is not None
    assert acknowledged(front_door)["WebAcl"] == {
        "HIPAA.Security-WAFv2LoggingEnabled",
        "NIST.800.53.R5-WAFv2LoggingEnabled",
    }


@pytest.mark.parametrize(
    ("waf", "message"),
    [
        (
            WafOptions(rate_limit_per_5_minutes=50),
            "waf.rate_limit_per_5_minutes: 50 is not allowed; must be an integer from 100 to 2000000000",
        ),
        (
            WafOptions(rate_limit_per_5_minutes=True),
            "waf.rate_limit_per_5_minutes: True is not allowed; must be an integer from 100",
        ),
    ],
)
def test_waf_validation(stack: cdk.Stack, waf: WafOptions, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as info:
        FrontDoor(stack, "FrontDoor", endpoint=endpoint(stack), waf=waf)
    assert len(info.value.problems) == 1
