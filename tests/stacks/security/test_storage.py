"""Encryption and logging of everything that stores data, in every environment.

KMS keys rotate; topics, queues, log groups and buckets are encrypted; log groups have a retention;
buckets block public access, are versioned, TLS-only and log their access (unless an exemption
below says why not); API Gateway never logs bodies.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Synthesised

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
