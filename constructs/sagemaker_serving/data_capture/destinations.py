"""Where captured data goes: a :class:`CaptureBucket` (created, secure by default) or an :class:`ExistingCaptureBucket`.

A choice of destination is an object with a ``bind()``, not a flag: :class:`~sagemaker_serving.DataCapture`
binds its destination under the endpoint config and never asks which kind it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.data_capture.validation import int_problem

#: Storage classes that S3 lets an object enter only after 30 days in S3 Standard (lifecycle transition rules:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
_THIRTY_DAY_CLASSES = ("STANDARD_IA", "ONEZONE_IA")


@dataclass(frozen=True)
class CaptureDestinationBinding:
    """What a destination gives the endpoint config: the bucket and key to write to, and what it created."""

    bucket: s3.IBucket
    encryption_key: kms.IKey
    #: The server access log bucket created with a :class:`CaptureBucket` (``None`` otherwise).
    access_log_bucket: s3.IBucket | None = None


class CaptureDestination(ABC):
    """Where captured data goes: :class:`CaptureBucket` (a new bucket) or :class:`ExistingCaptureBucket`."""

    @abstractmethod
    def problems(self, where: str) -> list[str]:
        """Every rule this destination breaks, prefixed with ``where``."""

    @abstractmethod
    def bind(self, scope: Construct) -> CaptureDestinationBinding:
        """Create (or reference) the bucket and key under ``scope``."""


@dataclass(frozen=True, kw_only=True)
class CaptureBucket(CaptureDestination):
    """A new bucket for captured data, secure by default.

    KMS-encrypted with a new key with rotation (S3 Bucket Keys on, which cut the KMS requests), TLS 1.2+
    only (bucket policy), public access blocked, ACLs disabled, versioned, and its server access logs in
    a second bucket (SSE-S3, TLS-only, versioned: the log bucket cannot log to itself). A lifecycle rule
    moves objects to cheaper storage after ``transition_after_days`` and expires them after
    ``retention_days`` (noncurrent versions 30 days later, incomplete uploads after 7 days). The log
    bucket keeps its logs for ``retention_days`` too.

    Kept on stack deletion by default (``RemovalPolicy.RETAIN``, buckets and key): captured requests are
    data to retrain on. ``destroy_on_delete=True`` (a development environment) empties and deletes them
    with the stack instead, through CDK's auto-delete-objects custom resource.
    """

    #: Days an object is kept (the expiration rule), at least 1. Default 365: a year of traffic to retrain on.
    retention_days: int = 365
    #: Days before objects move to ``transition_storage_class``; ``None``: never. Default 30, the minimum S3
    #: allows before Standard-IA (captured data is read in batch, by retraining jobs, rarely).
    transition_after_days: int | None = 30
    #: The cheaper storage class. Default ``s3.StorageClass.INFREQUENT_ACCESS`` (instant reads, lower price).
    transition_storage_class: s3.StorageClass = s3.StorageClass.INFREQUENT_ACCESS
    #: Empty and delete the buckets (and schedule the key's deletion) with the stack. Default ``False``.
    destroy_on_delete: bool = False

    def problems(self, where: str) -> list[str]:
        """Retention, transition and removal settings."""
        problems = int_problem(f"{where}.retention_days", self.retention_days, 1)
        days = self.transition_after_days
        if days is not None:
            storage_class = str(self.transition_storage_class.value) if self.transition_storage_class else ""
            low = 30 if storage_class in _THIRTY_DAY_CLASSES else 0
            found = int_problem(f"{where}.transition_after_days", days, low)
            if found and low:
                found = [f"{found[0]} (S3 moves objects to {storage_class} only after 30 days in S3 Standard)"]
            problems += found
            if not found and not problems and days >= self.retention_days:
                problems.append(
                    f"{where}.transition_after_days: {days} is not allowed; must be less than retention_days "
                    f"{self.retention_days} (objects would expire before they move)"
                )
        if not isinstance(self.destroy_on_delete, bool):
            problems.append(f"{where}.destroy_on_delete: {self.destroy_on_delete!r} is not allowed; expected a bool")
        return problems

    def bind(self, scope: Construct) -> CaptureDestinationBinding:
        """The key, the access log bucket and the capture bucket, under ``scope``."""
        removal = cdk.RemovalPolicy.DESTROY if self.destroy_on_delete else cdk.RemovalPolicy.RETAIN
        key = kms.Key(
            scope,
            "Key",
            description=f"Encrypts the data captured by {scope.node.path}",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        expiry = cdk.Duration.days(self.retention_days)
        common: dict[str, Any] = {
            "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
            "enforce_ssl": True,
            "minimum_tls_version": 1.2,
            "versioned": True,
            "removal_policy": removal,
            "auto_delete_objects": self.destroy_on_delete,
        }
        logs = s3.Bucket(
            scope,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[_expiring(expiry)],
            **common,
        )
        bucket = s3.Bucket(
            scope,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="capture-bucket/",
            lifecycle_rules=[_expiring(expiry, transitions=self._transitions())],
            **common,
        )
        _acknowledge_log_bucket(logs)
        _acknowledge_capture_bucket(bucket)
        if self.destroy_on_delete:
            _acknowledge_auto_delete_provider(scope)
        return CaptureDestinationBinding(bucket=bucket, encryption_key=key, access_log_bucket=logs)

    def _transitions(self) -> list[s3.Transition] | None:
        """The move to ``transition_storage_class`` after ``transition_after_days`` (``None``: never)."""
        if self.transition_after_days is None:
            return None
        return [
            s3.Transition(
                storage_class=self.transition_storage_class,
                transition_after=cdk.Duration.days(self.transition_after_days),
            )
        ]


def _expiring(expiry: cdk.Duration, *, transitions: list[s3.Transition] | None = None) -> s3.LifecycleRule:
    """Expire objects after ``expiry``, noncurrent versions 30 days later, incomplete uploads after 7 days."""
    return s3.LifecycleRule(
        transitions=transitions,
        expiration=expiry,
        noncurrent_version_expiration=cdk.Duration.days(30),
        abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
    )


@dataclass(frozen=True, kw_only=True)
class ExistingCaptureBucket(CaptureDestination):
    """A bucket of yours and the KMS key SageMaker encrypts captured objects with.

    The models' roles get ``s3:PutObject`` on the prefix and ``kms:GenerateDataKey``/``kms:Encrypt`` on
    the key through their identity policy, which is enough when the key's policy lets this account's
    IAM policies grant its use (the default key policy does) and the bucket policy does not deny them.
    Its encryption, access logs, lifecycle and retention are yours.
    """

    #: The destination bucket (``s3.Bucket.from_bucket_name`` imports one).
    bucket: s3.IBucket
    #: The KMS key for the captured objects (``kms.Key.from_key_arn`` imports one).
    encryption_key: kms.IKey

    def problems(self, where: str) -> list[str]:
        """Nothing to check here: the bucket and key exist (CloudFormation and SageMaker check them)."""
        return []

    def bind(self, scope: Construct) -> CaptureDestinationBinding:
        """The given bucket and key."""
        return CaptureDestinationBinding(bucket=self.bucket, encryption_key=self.encryption_key)


def _acknowledge_log_bucket(logs: s3.Bucket) -> None:
    acknowledge(
        logs,
        ["AwsSolutions-S1", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketLoggingEnabled"],
        "This is the server access log bucket of the data capture bucket: logging its own writes to itself "
        "would loop, and logging them to a third bucket only moves the question.",
    )
    acknowledge(
        logs,
        ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
        "S3 server access log delivery supports SSE-S3 default encryption on the target bucket without a key "
        "policy for the logging service; the logs hold request metadata, never captured data.",
    )
    acknowledge(
        logs,
        ["HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled"],
        "Access logs are kept in the region of the endpoint they describe; cross-region replication would "
        "double their storage for no recovery need.",
    )


def _acknowledge_capture_bucket(bucket: s3.Bucket) -> None:
    """The capture bucket's own reviewed finding (replication)."""
    acknowledge(
        bucket,
        ["HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled"],
        "Captured requests are a sample kept for retraining, re-creatable from new traffic: they stay in the "
        "endpoint's region (where the data was sent), versioned, without a cross-region copy.",
    )


def _acknowledge_auto_delete_provider(scope: Construct) -> None:
    """The stack-wide provider CDK adds for ``auto_delete_objects`` (only with ``destroy_on_delete``)."""
    stack = cdk.Stack.of(scope)
    provider = stack.node.try_find_child("Custom::S3AutoDeleteObjectsCustomResourceProvider")
    if provider is None:
        return
    acknowledge(
        provider,
        [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "AwsSolutions-L1",
            "HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5-LambdaConcurrency",
            "HIPAA.Security-LambdaDLQ",
            "NIST.800.53.R5-LambdaDLQ",
            "HIPAA.Security-LambdaInsideVPC",
            "NIST.800.53.R5-LambdaInsideVPC",
        ],
        "CDK's own auto-delete-objects provider, present only because destroy_on_delete=True asked to empty "
        "the capture buckets when the stack is deleted (a development environment): it runs once, at deletion.",
    )
