"""Asynchronous inference: an endpoint config's ``AsyncInferenceConfig``, and what it needs around it.

"Amazon SageMaker Asynchronous Inference ... queues incoming requests and processes them asynchronously.
This option is ideal for requests with large payload sizes (up to 1GB), long processing times (up to one
hour) ... by autoscaling the instance count to zero when there are no requests to process"; "the presence
of an asynchronous inference configuration (``AsyncInferenceConfig``) object in the endpoint configuration
implies that the endpoint can only receive asynchronous invocations"
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html).

A caller stores the request body in S3 and calls ``InvokeEndpointAsync`` with its ``InputLocation``;
SageMaker queues it, then writes the result under ``S3OutputPath`` or the error under ``S3FailurePath``
and publishes to the success or error SNS topic. It does so with the model's execution role: the role
"has permission to access Amazon S3 and Amazon SNS"
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-create-endpoint-prerequisites.html), and
"in order to receive Amazon SNS notifications, your IAM role must have ``sns:Publish`` permissions"
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html).

:class:`AsyncInferenceConfig` is the value object an :class:`~sagemaker_serving.EndpointConfig` takes
(``async_inference=``); the endpoint config binds it into an :class:`AsyncInference` construct that owns
the bucket, key and topics and grants each variant's model exactly what SageMaker does with its role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.runtime_assets import front_door_contract

if TYPE_CHECKING:
    from sagemaker_serving.model import ModelBase
    from sagemaker_serving.variants import Variant

_contract = front_door_contract()
#: An S3 key prefix: safe characters only, ending in ``/`` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,199}/$")
#: Days a request, its result and its failure are kept in a bucket created here.
DEFAULT_EXPIRATION_DAYS = 7
MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE = 1000  # AsyncInferenceClientConfig: 1 to 1000.


@dataclass(frozen=True, kw_only=True)
class AsyncInferenceConfig:
    """An endpoint config's asynchronous inference: where requests and results live, who is told, how many
    requests each instance takes at once, and the per-request limits callers (the front door) use.

    Secure by default: a new bucket with SSE-KMS under a new key with rotation, TLS-only, public access blocked,
    versioned, and a lifecycle rule that expires every object (and old versions) after
    :data:`DEFAULT_EXPIRATION_DAYS` days; two new SNS topics (success, error), encrypted with the same key and
    TLS-only. Or your own bucket and its key, and your own topics.

    Asynchronous inference runs on instance variants (its point is scaling their instance count, down to
    zero): a serverless variant is refused. Several instance variants are allowed (``CreateEndpointConfig``
    takes "one or more models"; https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-create-endpoint.html),
    but the backlog metrics autoscaling uses are per endpoint (``EndpointName`` only).
    """

    #: The bucket of requests, results and failures. Default: a new one (see the class docstring).
    bucket: s3.IBucket | None = None
    #: The KMS key of the bucket, of SageMaker's outputs (``KmsKeyId``) and of the topics created here. Required
    #: with a ``bucket`` that has no ``encryption_key`` of its own. Default: the bucket's, or a new key with rotation.
    encryption_key: kms.IKey | None = None
    #: Topic SageMaker publishes to when an inference succeeds. Default: a new encrypted topic.
    success_topic: sns.ITopic | None = None
    #: Topic SageMaker publishes to when an inference fails. Default: a new encrypted topic.
    error_topic: sns.ITopic | None = None
    #: Where request bodies are stored (``InputLocation``). Default ``input/``.
    input_prefix: str = _contract.DEFAULT_ASYNC_INPUT_PREFIX
    #: Where SageMaker writes results (``S3OutputPath``). Default ``output/``.
    output_prefix: str = _contract.DEFAULT_ASYNC_OUTPUT_PREFIX
    #: Where SageMaker writes failures (``S3FailurePath``). Default ``failure/``.
    failure_prefix: str = _contract.DEFAULT_ASYNC_FAILURE_PREFIX
    #: How long objects stay in a bucket created here, whole days ≥ 1. Default 7 days. Not allowed with ``bucket``.
    expiration: cdk.Duration | None = None
    #: Access logs of a bucket created here go to this bucket. Default: none (CloudTrail data events are the
    #: audit trail of object access; see the acknowledgement on the bucket).
    server_access_logs_bucket: s3.IBucket | None = None
    #: Requests SageMaker sends each instance's container at once (1 to 1000). Default: SageMaker's choice.
    max_concurrent_invocations_per_instance: int | None = None
    #: ``InvocationTimeoutSeconds`` callers use (the front door does): 1 s to 1 hour. Default 15 minutes.
    invocation_timeout: cdk.Duration = field(
        default_factory=lambda: cdk.Duration.seconds(_contract.DEFAULT_ASYNC_INVOCATION_TIMEOUT_SECONDS)
    )
    #: ``RequestTTLSeconds`` callers use: how long a request may wait in the queue, 1 minute to 6 hours.
    #: Default 6 hours.
    request_ttl: cdk.Duration = field(
        default_factory=lambda: cdk.Duration.seconds(_contract.DEFAULT_ASYNC_REQUEST_TTL_SECONDS)
    )

    def problems(self, variants: Sequence[Variant]) -> list[str]:
        """Every rule this config breaks with these variants, each naming ``async_inference.<field>``."""
        from sagemaker_serving.variants import ServerlessVariant

        problems = [
            f"async_inference: ServerlessVariant {v.name!r} is not allowed; asynchronous inference runs on "
            "instance variants (it queues requests for their instances and scales their count, down to zero): "
            "use an InstanceVariant"
            for v in variants
            if isinstance(v, ServerlessVariant)
        ]
        problems += self._prefix_problems()
        if self.bucket is not None:
            if self.encryption_key is None and self.bucket.encryption_key is None:
                problems.append(
                    "async_inference.encryption_key: None is not allowed with a given bucket that has no key of "
                    "its own; pass the KMS key that encrypts the bucket (SageMaker encrypts its outputs with it)"
                )
            if self.expiration is not None:
                problems.append(
                    "async_inference.expiration: not allowed with a given bucket; its lifecycle rules are yours"
                )
            if self.server_access_logs_bucket is not None:
                problems.append(
                    "async_inference.server_access_logs_bucket: not allowed with a given bucket; its logging is yours"
                )
        if self.expiration is not None and not self.expiration.is_unresolved():
            days = self.expiration.to_days(integral=False)
            if days < 1 or days != int(days):
                problems.append(
                    f"async_inference.expiration: {self.expiration.to_human_string()} is not allowed; "
                    "expected whole days, at least 1 (an S3 lifecycle expiration)"
                )
        concurrency = self.max_concurrent_invocations_per_instance
        if concurrency is not None and (
            isinstance(concurrency, bool)
            or not isinstance(concurrency, int)
            or not 1 <= concurrency <= MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE
        ):
            problems.append(
                f"async_inference.max_concurrent_invocations_per_instance: {concurrency!r} is not allowed; "
                f"must be an integer from 1 to {MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE}"
            )
        problems += _seconds_problems(
            "async_inference.invocation_timeout",
            self.invocation_timeout,
            _contract.MIN_ASYNC_INVOCATION_TIMEOUT_SECONDS,
            _contract.MAX_ASYNC_INVOCATION_TIMEOUT_SECONDS,
            "InvokeEndpointAsync's InvocationTimeoutSeconds",
        )
        problems += _seconds_problems(
            "async_inference.request_ttl",
            self.request_ttl,
            _contract.MIN_ASYNC_REQUEST_TTL_SECONDS,
            _contract.MAX_ASYNC_REQUEST_TTL_SECONDS,
            "InvokeEndpointAsync's RequestTTLSeconds",
        )
        return problems

    def _prefix_problems(self) -> list[str]:
        prefixes = {
            "input_prefix": self.input_prefix,
            "output_prefix": self.output_prefix,
            "failure_prefix": self.failure_prefix,
        }
        problems = [
            f"async_inference.{name}: {value!r} is not allowed; expected an S3 key prefix ending in '/' "
            "(letters, digits, !_.*'()- and '/', not starting with '/')"
            for name, value in prefixes.items()
            if not isinstance(value, str) or not _PREFIX.match(value)
        ]
        if problems:
            return problems
        # Each prefix is granted to different principals: none may contain another (or the front door's records).
        named = [*prefixes.items(), ("the front door's request records", _contract.ASYNC_REQUESTS_PREFIX)]
        for i, (name, value) in enumerate(named):
            for other, other_value in named[i + 1 :]:
                if value.startswith(other_value) or other_value.startswith(value):
                    problems.append(
                        f"async_inference.{name}: {value!r} is not allowed; it overlaps {other} ({other_value!r}): "
                        "each prefix is granted to different principals, so none may contain another"
                    )
        return problems

    def bind(self, scope: Construct, models: Sequence[ModelBase]) -> AsyncInference:
        """Create the bucket, key and topics this config needs (as an :class:`AsyncInference` child of ``scope``,
        ``AsyncInference``) and grant ``models`` what SageMaker does with their execution roles."""
        return AsyncInference(scope, "AsyncInference", config=self, models=models)


class AsyncInference(Construct):
    """The resources and grants of one endpoint config's :class:`AsyncInferenceConfig`.

    The models' execution roles may read exactly the input prefix, write exactly the output and failure
    prefixes, use the key for that, and publish to exactly the two topics. Callers get
    :meth:`grant_put_input` (store request bodies) and :meth:`grant_read_results`; the endpoint's
    :meth:`~sagemaker_serving.EndpointBase.grant_invoke_async` lets them call ``InvokeEndpointAsync``.

    Attributes: ``config``, ``bucket``, ``encryption_key``, ``success_topic``, ``error_topic``, ``input_prefix``,
    ``output_prefix``, ``failure_prefix``, ``s3_output_path``, ``s3_failure_path``.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: AsyncInferenceConfig, models: Sequence[ModelBase]
    ) -> None:
        """Create what ``config`` leaves to be created and grant ``models`` (checked by ``config.problems`` first)."""
        super().__init__(scope, construct_id)
        self.config = config
        self.input_prefix, self.output_prefix, self.failure_prefix = (
            config.input_prefix,
            config.output_prefix,
            config.failure_prefix,
        )
        key = config.encryption_key or (config.bucket.encryption_key if config.bucket is not None else None)
        self.encryption_key: kms.IKey = key or kms.Key(
            self,
            "Key",
            description=f"Encrypts the asynchronous inference requests, results and notifications of {scope.node.path}",
            enable_key_rotation=True,
        )
        self.bucket: s3.IBucket = config.bucket or self._bucket(config)
        self.success_topic: sns.ITopic = config.success_topic or self._topic("SuccessTopic")
        self.error_topic: sns.ITopic = config.error_topic or self._topic("ErrorTopic")
        #: ``S3OutputPath``: ``s3://<bucket>/<output prefix without its final '/'>``.
        self.s3_output_path = f"s3://{self.bucket.bucket_name}/{self.output_prefix.rstrip('/')}"
        #: ``S3FailurePath``.
        self.s3_failure_path = f"s3://{self.bucket.bucket_name}/{self.failure_prefix.rstrip('/')}"
        self._models: list[ModelBase] = []
        for model in models:
            self.allow_model(model)

    def render(self) -> sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty:
        """The endpoint config's ``AsyncInferenceConfig``."""
        concurrency = self.config.max_concurrent_invocations_per_instance
        return sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
            output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                s3_output_path=self.s3_output_path,
                s3_failure_path=self.s3_failure_path,
                kms_key_id=self.encryption_key.key_arn,
                notification_config=sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                    success_topic=self.success_topic.topic_arn, error_topic=self.error_topic.topic_arn
                ),
            ),
            client_config=(
                sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=concurrency
                )
                if concurrency is not None
                else None
            ),
        )

    def objects_arn(self, prefix: str) -> str:
        """``arn:...:s3:::<bucket>/<prefix>*``."""
        return self.bucket.arn_for_objects(f"{prefix}*")

    def allow_model(self, model: ModelBase) -> None:
        """Let ``model``'s execution role do what SageMaker does with it for asynchronous requests (once per model):
        read the input prefix, write the output and failure prefixes, use the key, publish to the two topics."""
        if any(m is model for m in self._models):
            return
        self._models.append(model)
        statements = [
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.objects_arn(self.input_prefix)]),
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[self.objects_arn(self.output_prefix), self.objects_arn(self.failure_prefix)],
            ),
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.encryption_key.key_arn]
            ),
            iam.PolicyStatement(
                actions=["sns:Publish"], resources=[self.success_topic.topic_arn, self.error_topic.topic_arn]
            ),
        ]
        for statement in statements:
            model.add_to_role_policy(statement)
        policy = getattr(model, "policy", None)  # a Model's execution policy (an import has none of ours)
        if isinstance(policy, Construct):
            acknowledge(
                policy,
                [
                    f"AwsSolutions-IAM5[Resource::<{_logical_id(self.bucket)}.Arn>/{prefix}*]"
                    for prefix in (self.input_prefix, self.output_prefix, self.failure_prefix)
                ],
                "Asynchronous inference: SageMaker reads each request body under the input prefix and writes "
                "each result or failure under its prefix, with object names it chooses per request, so the "
                "grant is the prefix, in this endpoint config's own bucket.",
            )

    def grant_put_input(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` store request bodies under the input prefix (``s3:PutObject``, encrypting with the key):
        what a caller needs before ``InvokeEndpointAsync`` (with :meth:`EndpointBase.grant_invoke_async`), for
        payloads of up to 1 GB."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:PutObject"], resource_arns=[self.objects_arn(self.input_prefix)]
        )
        self.encryption_key.grant(grantee, "kms:GenerateDataKey")
        return grant

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read results and failures (``s3:GetObject`` on the output and failure prefixes,
        decrypting with the key)."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:GetObject"],
            resource_arns=[self.objects_arn(self.output_prefix), self.objects_arn(self.failure_prefix)],
        )
        self.encryption_key.grant_decrypt(grantee)
        return grant

    def _bucket(self, config: AsyncInferenceConfig) -> s3.Bucket:
        expiration = config.expiration or cdk.Duration.days(DEFAULT_EXPIRATION_DAYS)
        bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.encryption_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=config.server_access_logs_bucket,
            server_access_logs_prefix="async-inference/" if config.server_access_logs_bucket is not None else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-async-inference-data",
                    expiration=expiration,
                    noncurrent_version_expiration=cdk.Duration.days(1),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
        )
        cfn = bucket.node.default_child
        assert isinstance(cfn, Construct)
        acknowledge(
            cfn,
            ["HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled"],
            "Asynchronous inference requests and results are transient (they expire by lifecycle rule) and "
            "SageMaker writes them again if a request is retried; a replica in another region would only keep "
            "copies of data that is meant to disappear.",
        )
        if config.server_access_logs_bucket is None:
            acknowledge(
                cfn,
                [
                    "AwsSolutions-S1",
                    "HIPAA.Security-S3BucketLoggingEnabled",
                    "NIST.800.53.R5-S3BucketLoggingEnabled",
                ],
                "No server access logs bucket given (server_access_logs_bucket=None): only SageMaker (the model "
                "roles) and the callers granted here touch these objects, each with its own IAM role; CloudTrail "
                "S3 data events are the object-level audit trail. Pass a logs bucket to turn access logs on.",
            )
        return bucket

    def _topic(self, construct_id: str) -> sns.Topic:
        return sns.Topic(self, construct_id, master_key=self.encryption_key, enforce_ssl=True)


def _logical_id(bucket: s3.IBucket) -> str:
    """The bucket's logical ID as cdk-nag names it in findings (``<LogicalId.Arn>``)."""
    cfn = bucket.node.default_child
    if isinstance(cfn, cdk.CfnElement):
        return cdk.Stack.of(cfn).get_logical_id(cfn)
    return bucket.node.id


def _seconds_problems(where: str, duration: cdk.Duration, low: int, high: int, what: str) -> list[str]:
    if duration.is_unresolved():
        return []
    seconds = duration.to_seconds(integral=False)
    if seconds != int(seconds) or not low <= seconds <= high:
        return [
            f"{where}: {duration.to_human_string()} is not allowed; must be whole seconds from {low} s to {high} s "
            f"({what})"
        ]
    return []
