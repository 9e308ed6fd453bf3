"""The cdk-nag findings that follow from what batch predictions are, acknowledged on their resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from sagemaker_serving._shared import regional_arn
from sagemaker_serving.compliance import acknowledge, nag_resource

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import IConstruct

    from sagemaker_serving.batch.batch_predictions import BatchPredictions

_IAM5 = "AwsSolutions-IAM5[Resource::{}]"
_INLINE = ("HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy")
_REPLICATION = ("HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled")
_KMS_ENCRYPTION = ("HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS")

_JOB_DATA = (
    "Batch Transform runs as the model's role: it reads the objects under the input prefix and "
    "writes the predictions under the output prefix of its bucket, whose keys are not known ahead."
)
_STATE_MACHINE = (
    "The state machine's grants: transform jobs named <job_name_prefix>-* (each run's name ends in a "
    "UUID), the CloudWatch Logs delivery and X-Ray actions Step Functions defines on '*' only, and "
    "(with a loading) the run's output objects, whose keys are known only at run time."
)
_OWN_EXECUTIONS = (
    "Grants of this state machine's own triggers and distributed maps: start, describe and stop "
    "executions of this state machine only (the child executions' names are made at run time)."
)
_SCHEDULE = (
    "Grants of this state machine's own triggers and distributed maps: the schedule may start "
    "executions of this state machine only."
)
_RECOMPUTABLE = (
    "Batch data is recomputable: inputs are copies of the system of record and predictions are "
    "made again by the next run; the bucket is versioned and KMS- or S3-encrypted."
)
_ACCESS_LOG_ENCRYPTION = (
    "Server access logs can be delivered only to a bucket encrypted with SSE-S3 (Amazon S3 "
    "server access logging requirements), so the log bucket uses S3-managed keys."
)


def acknowledge_findings(predictions: BatchPredictions) -> None:
    """Findings that follow from what batch predictions are, each with its reason, on its resource.

    One row per resource: the resource (``None`` when this construct has none), the rule IDs, the reason.
    """
    machine = predictions.state_machine
    model_policy: IConstruct | None = getattr(predictions.model, "policy", None)
    map_policy = machine.node.try_find_child("DistributedMapPolicy")
    own_bucket = predictions.bucket if isinstance(predictions.bucket, s3.Bucket) else None
    log_bucket = predictions.access_log_bucket
    rows: list[tuple[IConstruct | None, Sequence[str], str]] = [
        (model_policy, _job_data_rules(predictions) if model_policy is not None else (), _JOB_DATA),
        (machine.role.node.find_child("DefaultPolicy"), [*_state_machine_rules(predictions), *_INLINE], _STATE_MACHINE),
        (map_policy, [*_INLINE, *_execution_rules(predictions)] if map_policy is not None else (), _OWN_EXECUTIONS),
        (_default_policy(machine.node.try_find_child("EventsRole")), _INLINE, _OWN_EXECUTIONS),
        (_default_policy(predictions.schedule_role), _INLINE, _SCHEDULE),
        (_cfn_bucket(own_bucket), _REPLICATION, _RECOMPUTABLE),
        (_cfn_bucket(log_bucket), _REPLICATION, _RECOMPUTABLE),
        (_cfn_bucket(log_bucket), _KMS_ENCRYPTION, _ACCESS_LOG_ENCRYPTION),
    ]
    for resource, rules, reason in rows:
        if resource is not None:
            acknowledge(resource, rules, reason)


def _default_policy(role: IConstruct | None) -> IConstruct | None:
    return role.node.find_child("DefaultPolicy") if role is not None else None


def _cfn_bucket(bucket: s3.Bucket | None) -> IConstruct | None:
    return bucket.node.default_child if bucket is not None else None


def _job_data_rules(predictions: BatchPredictions) -> list[str]:
    """The model's role: the objects under the input and output prefixes."""
    arn = predictions.bucket.bucket_arn
    return [
        _IAM5.format(nag_resource(predictions, f"{arn}/{prefix}*"))
        for prefix in (predictions.input_prefix, predictions.output_prefix)
    ]


def _state_machine_rules(predictions: BatchPredictions) -> list[str]:
    """The state machine's role: its transform jobs, '*' (logs, X-Ray) and, with a loading, the run's outputs."""
    jobs = regional_arn(predictions, "sagemaker", "transform-job", f"{predictions.job_name_prefix.lower()}-*")
    rules = [_IAM5.format(nag_resource(predictions, jobs)), _IAM5.format("*")]
    if predictions.loading is not None:
        objects = f"arn:{cdk.Aws.PARTITION}:s3:::{predictions.bucket.bucket_name}/*"
        rules.append(_IAM5.format(nag_resource(predictions, objects)))
    return rules


def _execution_rules(predictions: BatchPredictions) -> list[str]:
    """The distributed maps' policy: the child executions of this state machine."""
    executions = cdk.Stack.of(predictions).format_arn(
        service="states",
        resource="execution",
        resource_name=cdk.Fn.select(6, cdk.Fn.split(":", predictions.state_machine.state_machine_arn)),
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return [
        _IAM5.format(nag_resource(predictions, f"{executions}:*")),
        _IAM5.format(nag_resource(predictions, f"{executions}/*:*")),
    ]
