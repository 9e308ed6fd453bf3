"""The cdk-nag findings that follow from what batch predictions are, acknowledged on their resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from sagemaker_serving._shared import regional_arn
from sagemaker_serving.compliance import acknowledge, nag_resource

if TYPE_CHECKING:
    from sagemaker_serving.batch.batch_predictions import BatchPredictions


def acknowledge_findings(predictions: BatchPredictions) -> None:
    """Findings that follow from what batch predictions are, each with its reason, on its resource."""
    iam5 = "AwsSolutions-IAM5[Resource::{}]"
    inline = ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"]
    arn = predictions.bucket.bucket_arn
    policy = getattr(predictions.model, "policy", None)
    if policy is not None:
        acknowledge(
            policy,
            [
                iam5.format(nag_resource(predictions, f"{arn}/{p}*"))
                for p in (predictions.input_prefix, predictions.output_prefix)
            ],
            "Batch Transform runs as the model's role: it reads the objects under the input prefix and "
            "writes the predictions under the output prefix of its bucket, whose keys are not known ahead.",
        )
    role = predictions.state_machine.role
    default = role.node.find_child("DefaultPolicy")
    jobs = regional_arn(predictions, "sagemaker", "transform-job", f"{predictions.job_name_prefix.lower()}-*")
    resources = [iam5.format(nag_resource(predictions, jobs)), iam5.format("*")]
    if predictions.loading is not None:
        resources.append(
            iam5.format(nag_resource(predictions, f"arn:{cdk.Aws.PARTITION}:s3:::{predictions.bucket.bucket_name}/*"))
        )
    acknowledge(
        default,
        [*resources, *inline],
        "The state machine's grants: transform jobs named <job_name_prefix>-* (each run's name ends in a "
        "UUID), the CloudWatch Logs delivery and X-Ray actions Step Functions defines on '*' only, and "
        "(with a loading) the run's output objects, whose keys are known only at run time.",
    )
    for child in ("DistributedMapPolicy", "EventsRole"):
        found = predictions.state_machine.node.try_find_child(child)
        if found is None:
            continue
        target = found if child == "DistributedMapPolicy" else found.node.find_child("DefaultPolicy")
        rules = list(inline)
        if child == "DistributedMapPolicy":
            executions = cdk.Stack.of(predictions).format_arn(
                service="states",
                resource="execution",
                resource_name=cdk.Fn.select(6, cdk.Fn.split(":", predictions.state_machine.state_machine_arn)),
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
            rules += [
                iam5.format(nag_resource(predictions, f"{executions}:*")),
                iam5.format(nag_resource(predictions, f"{executions}/*:*")),
            ]
        acknowledge(
            target,
            rules,
            "Grants of this state machine's own triggers and distributed maps: start, describe and stop "
            "executions of this state machine only (the child executions' names are made at run time).",
        )
    if predictions.schedule_role is not None:
        acknowledge(
            predictions.schedule_role.node.find_child("DefaultPolicy"),
            inline,
            "Grants of this state machine's own triggers and distributed maps: the schedule may start "
            "executions of this state machine only.",
        )
    buckets = [
        b
        for b in (
            predictions.bucket if isinstance(predictions.bucket, s3.Bucket) else None,
            predictions.access_log_bucket,
        )
        if b
    ]
    for bucket in buckets:
        acknowledge(
            bucket.node.default_child,  # type: ignore[arg-type]
            ["HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled"],
            "Batch data is recomputable: inputs are copies of the system of record and predictions are "
            "made again by the next run; the bucket is versioned and KMS- or S3-encrypted.",
        )
    if predictions.access_log_bucket is not None:
        acknowledge(
            predictions.access_log_bucket.node.default_child,  # type: ignore[arg-type]
            ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
            "Server access logs can be delivered only to a bucket encrypted with SSE-S3 (Amazon S3 "
            "server access logging requirements), so the log bucket uses S3-managed keys.",
        )
