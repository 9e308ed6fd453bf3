"""The batch predictions' Step Functions state machine: its definition, the ``Transform`` task and its grants.

The state machine::

    SelectInput (Choice: an S3 "Object Created" event names the new object, else the input prefix)
      → RunOnObject / RunOnPrefix (Pass: input URI, output prefix of this run)
      → Transform (Task, arn:aws:states:::sagemaker:createTransformJob.sync)
      → [the loading's states, e.g. DynamoDbLoading] → Succeeded

``Transform`` uses the optimised ``CreateTransformJob`` integration with ``.sync``: Step Functions
starts the job, waits for it to finish and fails the state if the job fails
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html). It is written as a
``CustomState`` rather than ``aws_stepfunctions_tasks.SageMakerCreateTransformJob``, whose task creates a
role with ``AmazonSageMakerFullAccess`` (or needs ``iam:PassRole`` on one, though CreateTransformJob takes
no role), grants ``sagemaker:ListTags`` on ``*`` and cannot render ``DataProcessing`` (``JoinSource``) or
a per-run tag; this construct grants the state machine exactly what the integration's documented
policy needs (https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html), scoped to its
own job names.

**Job names.** ``<job_name_prefix>-<UUID>``, from ``States.UUID()`` evaluated on every attempt, so a
retried job gets a new name (names are unique per account and region); each job is tagged with the
execution's ARN (``sagemaker-serving:execution``) and writes to ``<output_prefix><execution name>/``.

**Throughput.** A transform job spreads the *files* (S3 objects) under its input over its
``instance_count`` instances; within an instance, records are split (``split_type``), batched up to
``max_payload_mb`` and sent ``max_concurrent_transforms`` requests at a time
(https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html). Throughput grows
with the instance count only while there are at least as many input files as instances.

**Retries.** API errors of the integration (``SageMaker.AmazonSageMakerException``: throttling, a
resource limit) are retried ``api_retries`` times (60 s, then doubling); a failed job
(``States.TaskFailed``) is retried ``job_retries`` times (default 0: a failed job usually means bad
input, and each attempt bills the instances again). A job still running after ``timeout`` is stopped
(``States.Timeout``). Any failure fails the execution, which the alarm reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from sagemaker_serving._shared import log_group_key, regional_arn
from sagemaker_serving.batch.loading import LoadingContext
from sagemaker_serving.variants import has_local_storage

if TYPE_CHECKING:
    from sagemaker_serving.batch.batch_predictions import BatchPredictions
    from sagemaker_serving.batch.options import TransformOptions

#: The optimised integration's resource (``.sync``: run the job and wait for it).
TRANSFORM_RESOURCE = "states:::sagemaker:createTransformJob.sync"
#: The tag that names the execution that started a job.
EXECUTION_TAG = "sagemaker-serving:execution"


def transform_state(
    predictions: BatchPredictions,
    *,
    instance_type: str,
    instance_count: int,
    options: TransformOptions,
    timeout: cdk.Duration,
    api_retries: int,
    job_retries: int,
) -> sfn.CustomState:
    """The ``Transform`` task of ``predictions`` (its model, bucket key and job names) and its retries."""
    state = sfn.CustomState(
        predictions,
        "Transform",
        state_json=_transform_state_json(predictions, instance_type, instance_count, options, timeout),
    )
    state.add_retry(
        errors=["SageMaker.AmazonSageMakerException"],
        interval=cdk.Duration.seconds(60),
        backoff_rate=2,
        max_attempts=api_retries,
    )
    if job_retries:
        state.add_retry(errors=["States.TaskFailed"], interval=cdk.Duration.minutes(5), max_attempts=job_retries)
    return state


def logged_state_machine(
    predictions: BatchPredictions, *, timeout: cdk.Duration
) -> tuple[logs.LogGroup, sfn.StateMachine]:
    """The log group and the state machine (the definition above), traced, stopped an hour after ``timeout``.

    Returns ``(log_group, state_machine)``. ``predictions.transform_state`` must exist already.
    """
    log_group = logs.LogGroup(
        predictions,
        "Logs",
        encryption_key=log_group_key(
            predictions, "LogsKey", description=f"Encrypts the logs of {predictions.node.path}"
        ),
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    machine = sfn.StateMachine(
        predictions,
        "StateMachine",
        definition_body=sfn.DefinitionBody.from_chainable(_definition(predictions)),
        timeout=timeout.plus(cdk.Duration.hours(1)),
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
    )
    return log_group, machine


def grant_state_machine(predictions: BatchPredictions) -> None:
    """What the ``.sync`` transform integration needs, for the jobs of ``predictions`` only."""
    jobs = regional_arn(predictions, "sagemaker", "transform-job", f"{predictions.job_name_prefix.lower()}-*")
    role = predictions.state_machine.role
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[
                "sagemaker:CreateTransformJob",
                "sagemaker:DescribeTransformJob",
                "sagemaker:StopTransformJob",
                "sagemaker:AddTags",
                "sagemaker:ListTags",
            ],
            resources=[jobs],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[
                regional_arn(predictions, "events", "rule", "StepFunctionsGetEventsForSageMakerTransformJobsRule")
            ],
        )
    )
    if predictions.encryption_key is not None:
        # CreateTransformJob with KmsKeyId/VolumeKmsKeyId: the caller lets SageMaker use the key.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:CreateGrant", "kms:DescribeKey"],
                resources=[predictions.encryption_key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )


def _transform_state_json(
    predictions: BatchPredictions,
    instance_type: str,
    instance_count: int,
    options: TransformOptions,
    timeout: cdk.Duration,
) -> dict[str, Any]:
    key_arn = predictions.encryption_key.key_arn if predictions.encryption_key is not None else None
    resources: dict[str, Any] = {"InstanceType": instance_type, "InstanceCount": instance_count}
    if key_arn is not None and not has_local_storage(instance_type):
        resources["VolumeKmsKeyId"] = key_arn
    output: dict[str, Any] = {"S3OutputPath.$": "$.run.output_uri", "Accept": options.accept}
    if options.assemble_with != "None":
        output["AssembleWith"] = options.assemble_with
    if key_arn is not None:
        output["KmsKeyId"] = key_arn
    transform_input: dict[str, Any] = {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.run.input_uri"}},
        "ContentType": options.content_type,
        "SplitType": options.split_type,
        "CompressionType": options.compression,
    }
    parameters: dict[str, Any] = {
        "TransformJobName.$": f"States.Format('{predictions.job_name_prefix}-{{}}', States.UUID())",
        "ModelName": predictions.model.model_name,
        "TransformInput": transform_input,
        "TransformOutput": output,
        "TransformResources": resources,
        **options.render(),
        "Tags": [{"Key": EXECUTION_TAG, "Value.$": "$$.Execution.Id"}],
    }
    return {
        "Type": "Task",
        "Resource": f"arn:{cdk.Aws.PARTITION}:{TRANSFORM_RESOURCE}",
        "Parameters": parameters,
        "TimeoutSeconds": int(timeout.to_seconds()),
        "ResultSelector": {
            "name.$": "$.TransformJobName",
            "arn.$": "$.TransformJobArn",
            "status.$": "$.TransformJobStatus",
            "output_uri.$": "$.TransformOutput.S3OutputPath",
        },
        "ResultPath": "$.job",
    }


def _definition(predictions: BatchPredictions) -> sfn.IChainable:
    bucket = predictions.bucket.bucket_name
    output_prefix = sfn.JsonPath.format(f"{predictions.output_prefix}{{}}/", sfn.JsonPath.execution_name)
    output_uri = sfn.JsonPath.format(f"s3://{{}}/{predictions.output_prefix}{{}}/", bucket, sfn.JsonPath.execution_name)
    on_object = sfn.Pass(
        predictions,
        "RunOnObject",
        parameters={
            "input_uri": sfn.JsonPath.format(
                "s3://{}/{}",
                sfn.JsonPath.string_at("$.detail.bucket.name"),
                sfn.JsonPath.string_at("$.detail.object.key"),
            ),
            "output_uri": output_uri,
            "output_prefix": output_prefix,
        },
        result_path="$.run",
    )
    on_prefix = sfn.Pass(
        predictions,
        "RunOnPrefix",
        parameters={
            "input_uri": f"s3://{bucket}/{predictions.input_prefix}",
            "output_uri": output_uri,
            "output_prefix": output_prefix,
        },
        result_path="$.run",
    )
    done = sfn.Succeed(predictions, "Done")
    after: sfn.IChainable = done
    if predictions.loading is not None:
        binding = predictions.loading.bind(
            predictions,
            LoadingContext(
                bucket=predictions.bucket, output_prefix_path="$.run.output_prefix", job_name_path="$.job.name"
            ),
        )
        binding.end.next(done)
        after = binding.start
    transform = predictions.transform_state
    transform.next(after)
    on_object.next(transform)
    on_prefix.next(transform)
    return (
        sfn.Choice(predictions, "SelectInput")
        .when(sfn.Condition.is_present("$.detail.object.key"), on_object)
        .otherwise(on_prefix)
    )
