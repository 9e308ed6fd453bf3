"""A usage plan and an API key for a front door: per-key throttle and quota.

Any auth may carry one (``IamAuth(usage_plan=...)``, ``CognitoAuth(usage_plan=...)``; ``ApiKeyAuth``
always does): its methods then also require the key (``ApiKeyRequired``), and the front door gets a
usage plan on its stage with one key in it. API Gateway allows an API key together with IAM or Cognito
authorization: "You can use API keys together with Lambda authorizers, IAM roles, or Amazon Cognito to
control access to your APIs"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aws_cdk import aws_apigateway as apigateway

from sagemaker_serving.front_door._checks import integer_problems, number_problems

if TYPE_CHECKING:
    from sagemaker_serving.front_door.front_door import FrontDoor

QuotaPeriod = Literal["DAY", "WEEK", "MONTH"]


@dataclass(frozen=True, kw_only=True)
class UsagePlanOptions:
    """Throttle and quota per API key, in a usage plan on the front door's stage."""

    #: Steady-state requests per second per key. Default 10.
    rate_limit: float = 10
    #: Burst per key. Default 20.
    burst_limit: int = 20
    #: Requests per ``quota_period`` per key. Default 10 000; ``None``: no quota.
    quota_limit: int | None = 10_000
    #: ``DAY``, ``WEEK`` or ``MONTH``. Default ``DAY``.
    quota_period: QuotaPeriod = "DAY"

    def validate(self, where: str) -> list[str]:
        """Problems with these options, each named ``<where>.<field>``; empty when valid."""
        problems = number_problems(f"{where}.rate_limit", self.rate_limit, 0, 10_000, low_open=True)
        problems += integer_problems(f"{where}.burst_limit", self.burst_limit, 0, 5_000)
        if self.quota_limit is not None:
            problems += integer_problems(f"{where}.quota_limit", self.quota_limit, 1, 2_000_000_000)
        if self.quota_period not in ("DAY", "WEEK", "MONTH"):
            problems.append(f"{where}.quota_period: {self.quota_period!r} is not allowed; expected DAY, WEEK or MONTH")
        return problems

    def bind(self, front_door: FrontDoor) -> tuple[apigateway.UsagePlan, apigateway.IApiKey]:
        """Create the usage plan (``Api/UsagePlan``) on the front door's stage and one key in it (``Api/ApiKey``)."""
        api = front_door.api
        usage_plan = api.add_usage_plan(
            "UsagePlan",
            description=f"Callers of {front_door.node.path}",
            throttle=apigateway.ThrottleSettings(rate_limit=self.rate_limit, burst_limit=self.burst_limit),
            quota=(
                apigateway.QuotaSettings(limit=self.quota_limit, period=getattr(apigateway.Period, self.quota_period))
                if self.quota_limit is not None
                else None
            ),
            api_stages=[apigateway.UsagePlanPerApiStage(api=api, stage=front_door.stage)],
        )
        api_key = api.add_api_key("ApiKey", description=f"API key of {front_door.node.path}")
        usage_plan.add_api_key(api_key)
        return usage_plan, api_key
