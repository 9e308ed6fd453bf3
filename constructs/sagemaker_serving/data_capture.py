"""Data capture for retraining: what an endpoint config records of its requests and answers, and where.

:class:`DataCapture` is a value object bound into an :class:`~sagemaker_serving.EndpointConfig`
(``EndpointConfig(..., data_capture=DataCapture(...))``). It renders the endpoint config's
``DataCaptureConfig`` (CloudFormation ``AWS::SageMaker::EndpointConfig`` DataCaptureConfig:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpointconfig-datacaptureconfig.html,
API: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html) and creates
or uses its destination: a :class:`CaptureBucket` (created, secure by default) or an
:class:`ExistingCaptureBucket` (yours, with its KMS key). A choice of destination is an object with a
``bind()``, not a flag.

SageMaker writes one JSON Lines object per batch of captured requests under
``s3://<bucket>/<prefix>/<endpoint name>/<variant name>/<yyyy>/<mm>/<dd>/<hh>/``
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html). Capture is
asynchronous (it adds no latency), and SageMaker stops capturing while an instance's disk is more than
about 75% full: the monitoring's disk alarm (:class:`~sagemaker_serving.monitoring.AlarmThresholds`)
defaults to that level.

**Who writes.** SageMaker writes captured data with the execution role of the variant's model (the
``ExecutionRoleArn`` of ``CreateModel``, the role it assumes "for deployment on ML compute
instances"; the endpoint config here has no role of its own). So the roles of exactly the models the
variants serve get ``s3:PutObject`` on ``<prefix>/*`` of the bucket and ``kms:GenerateDataKey`` /
``kms:Encrypt`` on its key, in one managed policy (``write_policy``) that the endpoint config depends
on, so it is attached before any endpoint can capture. The models' own execution policies are left as
they are. A model imported without its role cannot be granted: a synth warning says so.

**Serverless variants** cannot capture: Serverless Inference lists data capture among its feature
exclusions (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions),
so a config with a serverless variant refuses a ``DataCapture`` with a :class:`ValidationError`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.variants import ServerlessVariant

if TYPE_CHECKING:
    from sagemaker_serving.model import ModelBase
    from sagemaker_serving.variants import Variant

#: ``CaptureContentTypeHeader``'s ``CsvContentType`` / ``JsonContentType`` (botocore's SageMaker model):
#: 1-256 characters, ``type/subtype``, at most 10 of each.
CONTENT_TYPE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$")
MAX_CONTENT_TYPES = 10
#: ``DestinationS3Uri`` is at most 512 characters; ``s3://`` and a 63-character bucket name leave this for the prefix.
MAX_PREFIX_LENGTH = 512 - len("s3://") - 63 - 1
#: S3 key characters that need no encoding (the "safe characters" of the S3 object key naming rules).
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$")
_UNSAFE = re.compile(r"[^a-zA-Z0-9!_.*'()/-]+")
#: Storage classes that S3 lets an object enter only after 30 days in S3 Standard (lifecycle transition rules:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
_THIRTY_DAY_CLASSES = ("STANDARD_IA", "ONEZONE_IA")


def _int_problem(where: str, value: object, low: int, high: int | None = None) -> list[str]:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)
    if ok:
        return []
    allowed = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    return [f"{where}: {value!r} is not allowed; must be {allowed}"]


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
        problems = _int_problem(f"{where}.retention_days", self.retention_days, 1)
        days = self.transition_after_days
        if days is not None:
            storage_class = str(self.transition_storage_class.value) if self.transition_storage_class else ""
            low = 30 if storage_class in _THIRTY_DAY_CLASSES else 0
            found = _int_problem(f"{where}.transition_after_days", days, low)
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
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=expiry,
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            **common,
        )
        transitions = None
        if self.transition_after_days is not None:
            transitions = [
                s3.Transition(
                    storage_class=self.transition_storage_class,
                    transition_after=cdk.Duration.days(self.transition_after_days),
                )
            ]
        bucket = s3.Bucket(
            scope,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="capture-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    transitions=transitions,
                    expiration=expiry,
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            **common,
        )
        _acknowledge_log_bucket(logs)
        _acknowledge_capture_bucket(bucket)
        if self.destroy_on_delete:
            _acknowledge_auto_delete_provider(scope)
        return CaptureDestinationBinding(bucket=bucket, encryption_key=key, access_log_bucket=logs)


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


@dataclass(frozen=True, kw_only=True)
class DataCapture:
    """Capture a sample of an endpoint's requests and/or answers to S3, for retraining and debugging.

    Example: ``EndpointConfig(..., data_capture=DataCapture(sampling_percentage=10))`` captures one
    request and answer in ten, as JSON Lines, in a new secure bucket kept for a year.
    """

    #: Percentage of requests captured (0-100, ``InitialSamplingPercentage``). Default 20, the SageMaker
    #: Python SDK's default; the API reference recommends a lower value for endpoints with high traffic.
    sampling_percentage: int = 20
    #: Capture what callers send (``Input``). Default ``True``.
    capture_request: bool = True
    #: Capture what the model answers (``Output``). Default ``True``; at least one of the two.
    capture_response: bool = True
    #: Content types captured as JSON text (up to 10). Default ``application/json``.
    json_content_types: tuple[str, ...] = ("application/json",)
    #: Content types captured as CSV text (up to 10). Default ``text/csv``. Any other content type is
    #: captured base64-encoded; both empty leaves the header out (everything base64).
    csv_content_types: tuple[str, ...] = ("text/csv",)
    #: Where to write. Default :class:`CaptureBucket` ``()``: a new secure bucket.
    destination: CaptureDestination = field(default_factory=CaptureBucket)
    #: Key prefix in the bucket, one per endpoint config (SageMaker adds endpoint and variant names below it).
    #: Default ``data-capture/<the endpoint config's construct path>``.
    prefix: str | None = None

    def problems(self, where: str, variants: Sequence[Variant]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``data_capture``), including the variants' kind."""
        problems = _int_problem(f"{where}.sampling_percentage", self.sampling_percentage, 0, 100)
        if not (self.capture_request or self.capture_response):
            problems.append(
                f"{where}.capture_request/capture_response: both False is not allowed; capture the request, "
                "the response or both"
            )
        for name in ("json_content_types", "csv_content_types"):
            problems += _content_type_problems(f"{where}.{name}", getattr(self, name))
        prefix = self.prefix
        if prefix is not None and not cdk.Token.is_unresolved(prefix) and not _valid_prefix(prefix):
            problems.append(
                f"{where}.prefix: {self.prefix!r} is not allowed; expected 1-{MAX_PREFIX_LENGTH} characters of "
                "letters, digits and !_.*'()- in /-separated parts, without a leading or trailing /"
            )
        if isinstance(self.destination, CaptureDestination):
            problems += self.destination.problems(f"{where}.destination")
        else:
            problems.append(
                f"{where}.destination: {self.destination!r} is not allowed; expected CaptureBucket or "
                "ExistingCaptureBucket"
            )
        serverless = [v.name for v in variants if isinstance(v, ServerlessVariant)]
        if serverless:
            problems.append(
                f"{where}: not allowed with ServerlessVariant {serverless!r}; Serverless Inference does not "
                "support data capture (use an InstanceVariant, or leave data_capture out)"
            )
        return problems

    def bind(self, scope: Construct, variants: Sequence[Variant]) -> BoundDataCapture:
        """Create the destination and the write policy under ``scope`` (the endpoint config); see the module."""
        home = Construct(scope, "DataCapture")
        destination = self.destination.bind(home)
        prefix = self.prefix if self.prefix is not None else default_prefix(scope)
        bound = BoundDataCapture(home, capture=self, destination=destination, prefix=prefix)
        for variant in variants:
            bound.grant_write(variant.model)
        return bound


def _valid_prefix(prefix: str) -> bool:
    return bool(_PREFIX.match(prefix)) and len(prefix) <= MAX_PREFIX_LENGTH


def default_prefix(scope: Construct) -> str:
    """``data-capture/<construct path>``, with characters S3 keys should not carry replaced by ``-``."""
    return "data-capture/" + _UNSAFE.sub("-", scope.node.path).strip("/")


def _content_type_problems(where: str, values: object) -> list[str]:
    if not isinstance(values, tuple | list) or not all(isinstance(v, str) for v in values):
        return [f"{where}: {values!r} is not allowed; expected a sequence of content types such as 'text/csv'"]
    problems = []
    if len(values) > MAX_CONTENT_TYPES:
        problems.append(f"{where}: {len(values)} given is not allowed; at most {MAX_CONTENT_TYPES}")
    problems += [
        f"{where}[{i}]: {v!r} is not allowed; expected a content type such as 'application/json' (type/subtype, "
        "at most 256 characters)"
        for i, v in enumerate(values)
        if not CONTENT_TYPE.match(v) or len(v) > 256
    ]
    return problems


class BoundDataCapture:
    """The data capture of one endpoint config: its destination, its write policy and the rendered property.

    Attributes: ``scope`` (the ``DataCapture`` construct under the endpoint config), ``capture`` (the
    :class:`DataCapture`), ``bucket``, ``encryption_key``, ``access_log_bucket``
    (``None`` for an existing bucket), ``prefix``, ``destination_uri`` (``s3://<bucket>/<prefix>``),
    ``write_policy`` (the managed policy on the models' roles) and ``property`` (the CloudFormation
    ``DataCaptureConfig``).
    """

    def __init__(
        self, home: Construct, *, capture: DataCapture, destination: CaptureDestinationBinding, prefix: str
    ) -> None:
        """Not created directly: :meth:`DataCapture.bind` makes one per endpoint config, under ``home``."""
        self.scope = home
        self.capture = capture
        self.bucket = destination.bucket
        self.encryption_key = destination.encryption_key
        self.access_log_bucket = destination.access_log_bucket
        self.prefix = prefix
        self.destination_uri = f"s3://{self.bucket.bucket_name}/{prefix}"
        self._granted: set[int] = set()
        self.write_policy = iam.ManagedPolicy(
            home,
            "WritePolicy",
            description="SageMaker data capture: write captured requests and answers under one prefix",
            statements=[
                iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{prefix}/*")]),
                iam.PolicyStatement(
                    actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[self.encryption_key.key_arn]
                ),
            ],
        )
        acknowledge(
            self.write_policy,
            [f"AwsSolutions-IAM5[Resource::{nag_resource(home, self.bucket.arn_for_objects(f'{prefix}/*'))}]"],
            "SageMaker names each capture object itself (<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/<file>.jsonl) "
            "and the endpoint's name is generated after this policy, so only the endpoint config's own prefix "
            "can be named; s3:PutObject is the only action.",
        )
        self.property = sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            initial_sampling_percentage=capture.sampling_percentage,
            destination_s3_uri=self.destination_uri,
            kms_key_id=self.encryption_key.key_arn,
            capture_options=[
                sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=mode)
                for mode, on in (("Input", capture.capture_request), ("Output", capture.capture_response))
                if on
            ],
            capture_content_type_header=(
                sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                    json_content_types=list(capture.json_content_types) or None,
                    csv_content_types=list(capture.csv_content_types) or None,
                )
                if capture.json_content_types or capture.csv_content_types
                else None
            ),
        )

    def grant_write(self, model: ModelBase) -> None:
        """Attach the write policy to ``model``'s execution role (once per role; a warning if it has none)."""
        role = model.role
        if role is None:
            cdk.Annotations.of(model).add_warning_v2(
                "sagemaker-serving:dataCaptureRole",
                "This model was imported without its execution role, which SageMaker uses to write captured "
                "data: grant it s3:PutObject on the capture prefix and kms:GenerateDataKey on the key yourself.",
            )
            return
        if id(role) not in self._granted:
            self._granted.add(id(role))
            self.write_policy.attach_to_role(role)


def nag_resource(scope: Construct, value: str) -> str:
    """How cdk-nag prints a resource ARN in a rule ID: ``<Logical.Arn>/prefix/*``, ``<AWS::Partition>`` ..."""
    return _render(cdk.Stack.of(scope).resolve(value))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return f"<{'.'.join(value['Fn::GetAtt'])}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(_render(p) for p in parts)
    return str(value)


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
