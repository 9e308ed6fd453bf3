"""The batch predictions' bucket (created secure unless one is given) and the model's access to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

if TYPE_CHECKING:
    from sagemaker_serving.model import ModelBase


def secure_bucket(scope: Construct, *, events_on: bool) -> tuple[s3.Bucket, kms.Key, s3.Bucket]:
    """The key, the server access log bucket and the bucket (``events_on``: it sends events to EventBridge).

    Returns ``(bucket, key, access_log_bucket)``.
    """
    key = kms.Key(scope, "Key", description=f"Encrypts the data of {scope.node.path}", enable_key_rotation=True)
    access_log_bucket = s3.Bucket(
        scope,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,  # server access logs cannot go to an SSE-KMS bucket
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    bucket = s3.Bucket(
        scope,
        "Bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=access_log_bucket,
        server_access_logs_prefix="bucket/",
        lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30))],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    if events_on:
        # CloudFormation's own setting: the L2's event_bridge_enabled adds a custom-resource function.
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.add_property_override("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True)
    return bucket, key, access_log_bucket


def grant_model(
    model: ModelBase, bucket: s3.IBucket, encryption_key: kms.IKey | None, *, reads: str, writes: str
) -> None:
    """The job runs as the model's role: it reads the ``reads`` prefix, writes the ``writes`` prefix, uses the key."""
    arn = bucket.bucket_arn
    statements = [
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{arn}/{reads}*"]),
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[arn],
            conditions={"StringLike": {"s3:prefix": [f"{reads}*"]}},
        ),
        iam.PolicyStatement(actions=["s3:PutObject", "s3:AbortMultipartUpload"], resources=[f"{arn}/{writes}*"]),
    ]
    if encryption_key is not None:
        statements.append(
            iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[encryption_key.key_arn])
        )
    for statement in statements:
        model.add_to_role_policy(statement)
