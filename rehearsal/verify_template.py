"""What moto accepts but does not emulate: report lines read from the template, and the "moto skipped" line."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from rehearsal.report import Check, _Checks

#: Resource types moto accepts in a template but does not create (or does not emulate), and why
#: the template tests check them instead.
TEMPLATE_ONLY: Mapping[str, str] = {
    "AWS::ApplicationAutoScaling::ScalableTarget": "autoscaling target (capacity range, schedules)",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "autoscaling policy (target tracking)",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::SNS::TopicPolicy": "SNS topic policy (TLS-only publishing)",
    "AWS::S3::BucketPolicy": "S3 bucket policy (TLS only; log delivery to an access log bucket)",
    "AWS::ApiGateway::Stage": "API Gateway stage (logging, tracing, throttling)",
    "AWS::ApiGateway::Account": "API Gateway account (CloudWatch role)",
    "AWS::ApiGateway::GatewayResponse": "API Gateway gateway responses (JSON error bodies)",
    "AWS::ApiGateway::RequestValidator": "API Gateway request validator",
    "AWS::ApiGateway::UsagePlan": "API Gateway usage plan (throttle, quota)",
    "AWS::ApiGateway::UsagePlanKey": "API Gateway usage plan key",
    "AWS::ApiGateway::ApiKey": "API Gateway API key",
    "AWS::WAFv2::WebACL": "WAF web ACL (rate-based + managed rules)",
    "AWS::WAFv2::WebACLAssociation": "WAF association with the API stage",
    "AWS::ApiGateway::Authorizer": "API Gateway authorizer (Cognito user pool)",
    "AWS::Cognito::UserPool": "Cognito user pool",
    "AWS::Cognito::UserPoolClient": "Cognito user pool client",
    "AWS::Scheduler::Schedule": "EventBridge Scheduler schedule of batch predictions (cron, time zone, target)",
    "AWS::CDK::Metadata": "CDK metadata",
    "AWS::SageMaker::InferenceComponent": "inference component (model, compute per copy, copies, rolling update)",
}


def _template_only(resources: Mapping[str, Any]) -> list[Check]:
    """Lines for what moto accepts but does not emulate, read from the template."""
    checks = _Checks("Template")
    for logical_id, resource in resources.items():
        type_name, props = resource["Type"], resource.get("Properties", {})
        if type_name == "AWS::ApplicationAutoScaling::ScalableTarget" and str(props.get("ResourceId")).startswith(
            "inference-component/"
        ):
            checks.template(
                f"autoscaling of {props['ResourceId']}",
                f"{props.get('MinCapacity')}–{props.get('MaxCapacity')} copies, "
                f"{len(props.get('ScheduledActions', []))} schedule(s)",
            )
        elif type_name == "AWS::SageMaker::InferenceComponent":
            spec = props.get("Specification", {})
            compute = spec.get("ComputeResourceRequirements", {})
            checks.template(
                f"inference component {props.get('InferenceComponentName')}",
                f"{compute.get('NumberOfCpuCoresRequired', 0)} CPU, {compute.get('MinMemoryRequiredInMb')} MB, "
                f"{compute.get('NumberOfAcceleratorDevicesRequired', 0)} accelerators per copy; "
                f"{props.get('RuntimeConfig', {}).get('CopyCount')} copies",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalingPolicy" and props.get("PolicyType") == "StepScaling":
            steps = props.get("StepScalingPolicyConfiguration", {}).get("StepAdjustments", [])
            checks.template(
                f"scaling policy {logical_id}",
                f"step scaling {[s.get('ScalingAdjustment') for s in steps]} (brings the first copy back)",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalableTarget":
            match = re.search(r"/variant/([A-Za-z0-9-]+)", json.dumps(props.get("ResourceId")))
            variant = match.group(1) if match else logical_id
            schedules = len(props.get("ScheduledActions", []))
            checks.template(
                f"autoscaling of variant {variant}",
                f"{props.get('MinCapacity')}–{props.get('MaxCapacity')} instances, {schedules} schedule(s)",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalingPolicy":
            tracking = props.get("TargetTrackingScalingPolicyConfiguration", {})
            metric = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType", "custom metric")
            checks.template(f"scaling policy {logical_id}", f"{metric} target {tracking.get('TargetValue')}")
        elif type_name == "AWS::SageMaker::Endpoint" and props.get("DeploymentConfig"):
            checks.template("deployment guardrails", _guardrails_summary(props["DeploymentConfig"]))
        elif type_name == "AWS::ApiGateway::RestApi" and props.get("BinaryMediaTypes"):
            checks.template("API binary media types", "moto drops them: " + ", ".join(props["BinaryMediaTypes"]))
        elif type_name in TEMPLATE_ONLY and type_name != "AWS::CDK::Metadata":
            checks.template(f"{TEMPLATE_ONLY[type_name]} {logical_id}")
    return checks.out


def _guardrails_summary(deployment: Mapping[str, Any]) -> str:
    """``blue/green CANARY 1 INSTANCE_COUNT, 600 s baking, rollback on 4 alarm(s)`` (moto ignores DeploymentConfig:
    it never updates an endpoint in steps)."""
    alarms = len(deployment.get("AutoRollbackConfiguration", {}).get("Alarms", []))
    if "RollingUpdatePolicy" in deployment:
        rolling = deployment["RollingUpdatePolicy"]
        size = rolling.get("MaximumBatchSize", {})
        wait = rolling.get("WaitIntervalInSeconds")
        text = f"rolling, batches of {size.get('Value')} {size.get('Type')}, {wait} s baking"
    else:
        routing = deployment.get("BlueGreenUpdatePolicy", {}).get("TrafficRoutingConfiguration", {})
        size = routing.get("CanarySize") or routing.get("LinearStepSize") or {}
        step = f" {size.get('Value')} {size.get('Type')}" if size else ""
        text = (
            f"blue/green {routing.get('Type', 'ALL_AT_ONCE')}{step}, {routing.get('WaitIntervalInSeconds', 0)} s baking"
        )
    return f"{text}, rollback on {alarms} alarm(s)"


def skipped_summary(skipped_types: Iterable[str], template: Mapping[str, Any]) -> str:
    """One line in place of moto's "No Moto CloudFormation support for <type>" warnings (hidden unless asked).

    :param skipped_types: the types moto skipped (``MotoServer.skipped_types``).
    :param template: the deployed stack's template: the line counts its resources of those types.
    """
    skipped = set(skipped_types)
    in_stack = Counter(r["Type"] for r in template.get("Resources", {}).values() if r["Type"] in skipped)
    unlisted = sorted(t for t in in_stack if t not in TEMPLATE_ONLY)
    line = f"moto skipped {sum(in_stack.values())} resource(s) of {len(in_stack)} type(s) it does not emulate"
    if unlisted:
        line += f": {', '.join(unlisted)} not covered by this report, the others checked by the template tests"
    elif in_stack:
        line += ": checked by the template tests"
    return line + " (--verbose or VERBOSE=1 shows moto's own warnings)."
