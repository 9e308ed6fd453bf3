"""A regional WAF v2 web ACL on the front door's stage (``FrontDoor(waf=WafOptions())``).

Imported only by apps that use it: ``aws_cdk.aws_wafv2`` costs synth time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.front_door._checks import integer_problems

if TYPE_CHECKING:
    from aws_cdk import aws_wafv2 as wafv2

    from sagemaker_serving.front_door.front_door import FrontDoor


@dataclass(frozen=True, kw_only=True)
class WafOptions:
    """A regional WAF v2 web ACL on the stage: a per-IP rate-based rule, ``AWSManagedRulesCommonRuleSet``
    and ``AWSManagedRulesKnownBadInputsRuleSet`` (Log4j lookups and other known exploit inputs).

    The common rule set's ``SizeRestrictions_BODY`` blocks every body over 8 KB, which would block
    most inference payloads (images, batches): it is set to count unless ``block_large_bodies``.
    """

    #: Requests per client IP per 5 minutes before blocking (100 is the minimum in every region). Default 2000.
    rate_limit_per_5_minutes: int = 2000
    #: Keep ``SizeRestrictions_BODY`` blocking bodies over 8 KB. Default ``False`` (count only).
    block_large_bodies: bool = False

    def validate(self) -> list[str]:
        """Problems with these options (``waf.<field>: ...``); empty when valid."""
        return integer_problems("waf.rate_limit_per_5_minutes", self.rate_limit_per_5_minutes, 100, 2_000_000_000)

    def bind(self, front_door: FrontDoor) -> wafv2.CfnWebACL:
        """Create the web ACL (``WebAcl``) and associate it with the front door's stage."""
        from aws_cdk import aws_wafv2 as wafv2  # only when a web ACL is built

        web_acl = wafv2.CfnWebACL(
            front_door,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{_prefix(front_door)}-WebAcl"),
            rules=self._rules(_prefix(front_door)),
        )
        wafv2.CfnWebACLAssociation(
            front_door, "WebAclAssociation", resource_arn=front_door.stage.stage_arn, web_acl_arn=web_acl.attr_arn
        )
        acknowledge(
            web_acl,
            ["HIPAA.Security-WAFv2LoggingEnabled", "NIST.800.53.R5-WAFv2LoggingEnabled"],
            "WAF full request logs would record every request's headers (SigV4 Authorization, API keys); the "
            "API's access logs record each request with its wafResponseCode, and the web ACL keeps CloudWatch "
            "metrics and sampled requests for every rule.",
        )
        return web_acl

    def _rules(self, prefix: str) -> list[wafv2.CfnWebACL.RuleProperty]:
        from aws_cdk import aws_wafv2 as wafv2  # only when a web ACL is built

        overrides = (
            []
            if self.block_large_bodies
            else [
                wafv2.CfnWebACL.RuleActionOverrideProperty(
                    name="SizeRestrictions_BODY",
                    action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                )
            ]
        )
        return [
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=self.rate_limit_per_5_minutes, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility(f"{prefix}-RateLimitPerIp"),
            ),
            wafv2.CfnWebACL.RuleProperty(
                name="AWSManagedRulesCommonRuleSet",
                priority=1,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name="AWSManagedRulesCommonRuleSet",
                        rule_action_overrides=overrides or None,
                    )
                ),
                visibility_config=_visibility(f"{prefix}-CommonRuleSet"),
            ),
            # Known bad inputs: Log4j (CVE-2021-44228) lookups, localhost Host headers, exploit paths.
            wafv2.CfnWebACL.RuleProperty(
                name="AWSManagedRulesKnownBadInputsRuleSet",
                priority=2,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name="AWSManagedRulesKnownBadInputsRuleSet"
                    )
                ),
                visibility_config=_visibility(f"{prefix}-KnownBadInputs"),
            ),
        ]


def _prefix(front_door: FrontDoor) -> str:
    """Metric names start with the front door's unique ID (at most 200 characters of it)."""
    return cdk.Names.unique_id(front_door)[-200:]


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    from aws_cdk import aws_wafv2 as wafv2  # only when a web ACL is built

    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )
