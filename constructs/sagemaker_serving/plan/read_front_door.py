"""The front door and network of a template: API Gateway, WAF, the Lambda function, the VPC.

Properties read (CloudFormation resource reference): ``AWS::ApiGateway::RestApi``
``EndpointConfiguration``; ``AWS::ApiGateway::Stage`` ``MethodSettings`` (the ``/*`` ``*`` entry holds
stage-wide throttling) and ``AccessLogSetting``; ``AWS::ApiGateway::Method`` ``AuthorizationType``,
``ApiKeyRequired`` and ``Integration``; ``AWS::ApiGateway::UsagePlan`` ``Throttle`` and ``Quota`` with its
``AWS::ApiGateway::UsagePlanKey`` resources; ``AWS::WAFv2::WebACL`` ``Rules`` (``RateBasedStatement``
``Limit`` per ``EvaluationWindowSec``, 300 s by default); ``AWS::Lambda::Function`` ``MemorySize``
(default 128), ``Architectures`` (default x86_64), ``ReservedConcurrentExecutions``;
``AWS::EC2::VPCEndpoint`` ``VpcEndpointType`` (default ``Gateway``) and ``SubnetIds``.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-wafv2-webacl-ratebasedstatement.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_serving.plan.cfn import Resources, integer, number, of_type, props, referenced_ids, refers_to
from sagemaker_serving.plan.model import FrontDoor, Function, Network, RateRule, UsagePlan, Waf

#: ``EvaluationWindowSec`` when a rate-based statement leaves it out.
DEFAULT_WAF_WINDOW_SECONDS = 300
#: Resource types that cost money but that the plan does not price; each is named in the output.
UNPRICED_TYPES = {
    "AWS::Cognito::UserPool": "Cognito user pool (priced per monthly active user)",
    "AWS::EC2::NatGateway": "NAT gateway (hourly and per GB)",
    "AWS::ApiGateway::DomainName": "custom domain (its certificate and DNS)",
    "AWS::SageMaker::MonitoringSchedule": "model monitoring jobs",
    "AWS::CloudWatch::Dashboard": "CloudWatch dashboard",
}


def read_front_door(resources: Resources) -> FrontDoor | None:
    """The first REST API of the template, with what stands in front of and behind it."""
    apis = of_type(resources, "AWS::ApiGateway::RestApi")
    if not apis:
        return None
    api_id, api = next(iter(apis.items()))
    methods = [m for m in of_type(resources, "AWS::ApiGateway::Method").values() if refers_to(props(m), api_id)]
    stages = [s for s in of_type(resources, "AWS::ApiGateway::Stage").values() if refers_to(props(s), api_id)]
    rate, burst = _stage_throttle(stages)
    types = (props(api).get("EndpointConfiguration") or {}).get("Types") or ["EDGE"]
    return FrontDoor(
        endpoint_type=str(types[0]),
        auth=tuple(sorted({str(props(m).get("AuthorizationType", "NONE")) for m in methods})),
        api_key_required=any(props(m).get("ApiKeyRequired") is True for m in methods),
        integration=_integration(methods),
        stage_rate_limit=rate,
        stage_burst_limit=burst,
        usage_plans=_usage_plans(resources, api_id),
        waf=_waf(resources),
        function=_function(resources, methods),
        access_logs=any("AccessLogSetting" in props(s) for s in stages),
    )


def read_network(resources: Resources) -> Network:
    """VPCs, VPC endpoints (interface endpoints with their subnets) and NAT gateways."""
    interface: list[int] = []
    gateway = 0
    for endpoint in of_type(resources, "AWS::EC2::VPCEndpoint").values():
        p = props(endpoint)
        if p.get("VpcEndpointType", "Gateway") == "Interface":
            interface.append(max(1, len(p.get("SubnetIds") or [])))
        else:
            gateway += 1
    return Network(
        vpcs=len(of_type(resources, "AWS::EC2::VPC")),
        interface_endpoint_azs=tuple(interface),
        gateway_endpoints=gateway,
        nat_gateways=len(of_type(resources, "AWS::EC2::NatGateway")),
    )


def unpriced(resources: Resources) -> tuple[str, ...]:
    """What the template holds that costs money and is not in the estimate."""
    present = {r.get("Type") for r in resources.values()}
    return tuple(label for type_, label in UNPRICED_TYPES.items() if type_ in present)


def _stage_throttle(stages: list[Mapping[str, Any]]) -> tuple[float | None, int | None]:
    for stage in stages:
        for setting in props(stage).get("MethodSettings") or []:
            if setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*":
                return number(setting.get("ThrottlingRateLimit")), integer(setting.get("ThrottlingBurstLimit"))
    return None, None


def _integration(methods: list[Mapping[str, Any]]) -> str:
    kinds = set()
    for method in methods:
        integration = props(method).get("Integration") or {}
        uri = str(integration.get("Uri"))
        if integration.get("Type") == "AWS_PROXY" and "lambda" in uri:
            kinds.add("lambda")
        elif "sagemaker" in uri:
            kinds.add("direct")
        else:
            kinds.add(str(integration.get("Type", "MOCK")).lower())
    return " + ".join(sorted(kinds)) or "none"


def _usage_plans(resources: Resources, api_id: str) -> tuple[UsagePlan, ...]:
    keys = of_type(resources, "AWS::ApiGateway::UsagePlanKey")
    plans = []
    for plan_id, plan in of_type(resources, "AWS::ApiGateway::UsagePlan").items():
        p = props(plan)
        if not refers_to(p.get("ApiStages"), api_id):
            continue
        throttle = p.get("Throttle") or {}
        quota = p.get("Quota") or {}
        plans.append(
            UsagePlan(
                name=plan_id,
                rate_limit=number(throttle.get("RateLimit")),
                burst_limit=integer(throttle.get("BurstLimit")),
                quota=f"{quota.get('Limit')} per {str(quota.get('Period')).lower()}" if quota else None,
                keys=sum(1 for k in keys.values() if plan_id in set(referenced_ids(props(k).get("UsagePlanId")))),
            )
        )
    return tuple(plans)


def _waf(resources: Resources) -> Waf | None:
    acls = of_type(resources, "AWS::WAFv2::WebACL")
    if not acls:
        return None
    rules = props(next(iter(acls.values()))).get("Rules") or []
    rate_rules = []
    managed = []
    for rule in rules:
        statement = rule.get("Statement") or {}
        rate = statement.get("RateBasedStatement")
        if isinstance(rate, Mapping):
            rate_rules.append(
                RateRule(
                    name=str(rule.get("Name")),
                    limit=integer(rate.get("Limit")) or 0,
                    window_seconds=integer(rate.get("EvaluationWindowSec")) or DEFAULT_WAF_WINDOW_SECONDS,
                    aggregate=str(rate.get("AggregateKeyType", "IP")),
                )
            )
        group = statement.get("ManagedRuleGroupStatement")
        if isinstance(group, Mapping):
            managed.append(str(group.get("Name")))
    return Waf(rules=len(rules), rate_rules=tuple(rate_rules), managed_groups=tuple(managed))


def _function(resources: Resources, methods: list[Mapping[str, Any]]) -> Function | None:
    integrated = {i for m in methods for i in referenced_ids((props(m).get("Integration") or {}).get("Uri"))}
    for function_id, function in of_type(resources, "AWS::Lambda::Function").items():
        if function_id not in integrated:
            continue
        p = props(function)
        return Function(
            memory_mb=integer(p.get("MemorySize")) or 128,
            architecture=str((p.get("Architectures") or ["x86_64"])[0]),
            reserved_concurrency=integer(p.get("ReservedConcurrentExecutions")),
        )
    return None
