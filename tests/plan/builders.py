"""Fixture templates written by hand, in the shape CDK synthesises (``Fn::GetAtt``/``Fn::Join`` where CDK
puts them), and cloud assemblies holding them. Every number a test expects is worked out from these."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Resources = dict[str, dict[str, Any]]


def instance_variant(
    name: str, instance_type: str = "ml.m5.large", count: int = 1, weight: float = 1.0
) -> dict[str, Any]:
    return {
        "VariantName": name,
        "InstanceType": instance_type,
        "InitialInstanceCount": count,
        "InitialVariantWeight": weight,
        "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
    }


def serverless_variant(name: str, memory_mb: int, concurrency: int, provisioned: int | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"MemorySizeInMB": memory_mb, "MaxConcurrency": concurrency}
    if provisioned is not None:
        config["ProvisionedConcurrency"] = provisioned
    return {"VariantName": name, "InitialVariantWeight": 1, "ServerlessConfig": config, "ModelName": "m"}


def endpoint(variants: list[dict[str, Any]], deployment: Mapping[str, Any] | None = None, **config: Any) -> Resources:
    """An endpoint config and the endpoint deploying it (logical IDs ``Config`` and ``Endpoint``)."""
    endpoint_props: dict[str, Any] = {"EndpointConfigName": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}}
    if deployment is not None:
        endpoint_props["DeploymentConfig"] = deployment
    return {
        "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": variants, **config}},
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": endpoint_props},
    }


def autoscaling(
    variant: str,
    min_capacity: int,
    max_capacity: int,
    *,
    target: float | None = 200,
    schedules: list[dict[str, Any]] | None = None,
) -> Resources:
    """A scalable target on ``Endpoint``'s ``variant`` and its invocations policy, as CDK writes them."""
    target_props: dict[str, Any] = {
        "MinCapacity": min_capacity,
        "MaxCapacity": max_capacity,
        "ResourceId": {
            "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, f"/variant/{variant}"]]
        },
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker",
    }
    if schedules:
        target_props["ScheduledActions"] = schedules
    resources: Resources = {
        f"Target{variant}": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": target_props}
    }
    if target is not None:
        resources[f"Policy{variant}"] = {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": {
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": {"Ref": f"Target{variant}"},
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                    "TargetValue": target,
                },
            },
        }
    return resources


def schedule(
    name: str,
    expression: str,
    *,
    min_capacity: int | None = None,
    max_capacity: int | None = None,
    time_zone: str | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {}
    if min_capacity is not None:
        action["MinCapacity"] = min_capacity
    if max_capacity is not None:
        action["MaxCapacity"] = max_capacity
    spec: dict[str, Any] = {"ScheduledActionName": name, "Schedule": expression, "ScalableTargetAction": action}
    if time_zone is not None:
        spec["Timezone"] = time_zone
    return spec


def front_door(
    *,
    rate: float | None = 200,
    burst: int | None = 400,
    memory_mb: int = 512,
    architecture: str = "arm64",
    api_key: bool = False,
) -> Resources:
    """A REST API with one Lambda-proxy POST method, a stage with stage-wide throttling, access logs."""
    method_settings = [{"HttpMethod": "*", "ResourcePath": "/*"}]
    if rate is not None:
        method_settings[0] |= {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
    uri = {
        "Fn::Join": [
            "",
            ["arn:aws:apigateway:lambda:path/functions/", {"Fn::GetAtt": ["Function", "Arn"]}, "/invocations"],
        ]
    }
    return {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"EndpointConfiguration": {"Types": ["REGIONAL"]}}},
        "Method": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "AuthorizationType": "AWS_IAM",
                "ApiKeyRequired": api_key,
                "HttpMethod": "POST",
                "RestApiId": {"Ref": "Api"},
                "Integration": {"Type": "AWS_PROXY", "Uri": uri},
            },
        },
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "StageName": "v1",
                "MethodSettings": method_settings,
                "AccessLogSetting": {"DestinationArn": "arn"},
            },
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"MemorySize": memory_mb, "Architectures": [architecture]},
        },
    }


def usage_plan(rate: float, burst: int, keys: int) -> Resources:
    resources: Resources = {
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}],
                "Throttle": {"RateLimit": rate, "BurstLimit": burst},
                "Quota": {"Limit": 50000, "Period": "DAY"},
            },
        }
    }
    for i in range(keys):
        resources[f"PlanKey{i}"] = {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {"UsagePlanId": {"Ref": "Plan"}},
        }
    return resources


def web_acl(limit: int, window: int | None = None) -> Resources:
    statement: dict[str, Any] = {"Limit": limit, "AggregateKeyType": "IP"}
    if window is not None:
        statement["EvaluationWindowSec"] = window
    rules = [
        {"Name": "RatePerIp", "Priority": 0, "Statement": {"RateBasedStatement": statement}},
        {
            "Name": "Common",
            "Priority": 1,
            "Statement": {"ManagedRuleGroupStatement": {"Name": "AWSManagedRulesCommonRuleSet"}},
        },
    ]
    return {"WebAcl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": rules}}}


def interface_endpoints(count: int, azs: int) -> Resources:
    subnets = [{"Ref": f"Subnet{i}"} for i in range(azs)]
    resources: Resources = {
        f"Vpce{i}": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {"VpcEndpointType": "Interface", "SubnetIds": subnets},
        }
        for i in range(count)
    }
    resources["S3"] = {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}}
    resources["Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {}}
    return resources


def template(*parts: Resources) -> dict[str, Any]:
    resources: Resources = {}
    for part in parts:
        resources |= part
    return {"Resources": resources}


def write_assembly(where: Path, stacks: Mapping[str, Mapping[str, Any]], region: str | None = None) -> Path:
    """A cloud assembly in ``where``: one stack ``Serving-<name>`` tagged ``Environment=<name>`` per entry."""
    where.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for name, stack_template in stacks.items():
        stack = f"Serving-{name}"
        (where / f"{stack}.template.json").write_text(json.dumps(stack_template))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://123456789012/{region}" if region else "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{stack}.template.json", "tags": {"Environment": name}},
            "displayName": stack,
        }
    (where / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}))
    return where


#: Round prices so the expected numbers are easy to work out by hand.
PRICES = """
[file]
currency = "USD"
hours_per_month = 730
checked = "2026-11-30"

[regions.us-east-1.instance_hour]
"ml.m5.large" = { usd = 0.10, unit = "instance-hour", status = "aws-page", checked = "2026-11-30", source = "https://example.test/a" }

[regions.us-east-1.rates]
sagemaker_data_gb = { usd = 0.02, unit = "GB", status = "aws-page", checked = "2026-11-30", source = "https://example.test/b" }
sagemaker_serverless_gb_second = { usd = 0.00002, unit = "GB-second", status = "aws-page", checked = "2026-11-30", source = "https://example.test/c" }
api_gateway_rest_million = { usd = 3.50, unit = "million requests", tiers = [[333, 3.50], [667, 2.80], [19000, 2.38], [inf, 1.51]], status = "aws-page", checked = "2026-11-30", source = "https://example.test/d" }
lambda_request_million = { usd = 0.20, unit = "million requests", status = "aws-page", checked = "2026-11-30", source = "https://example.test/e" }
lambda_gb_second_arm64 = { usd = 0.00001, unit = "GB-second", status = "aws-page", checked = "2026-11-30", source = "https://example.test/f" }
waf_web_acl_month = { usd = 5, unit = "web ACL-month", status = "aws-page", checked = "2026-11-30", source = "https://example.test/g" }
waf_rule_month = { usd = 1, unit = "rule-month", status = "aws-page", checked = "2026-11-30", source = "https://example.test/h" }
waf_request_million = { usd = 0.60, unit = "million requests", status = "aws-page", checked = "2026-11-30", source = "https://example.test/i" }
vpc_interface_endpoint_az_hour = { usd = 0.01, unit = "endpoint-AZ-hour", status = "aws-page", checked = "2026-11-30", source = "https://example.test/j" }
vpc_endpoint_data_gb = { usd = 0.01, unit = "GB", status = "aws-page", checked = "2026-11-30", source = "https://example.test/k" }
kms_key_month = { usd = 1, unit = "key-month", status = "aws-page", checked = "2026-11-30", source = "https://example.test/l" }
logs_ingestion_gb = { usd = 0.50, unit = "GB", status = "aws-page", checked = "2026-11-30", source = "https://example.test/m" }
"""
