"""Scheduled batch predictions: SageMaker Batch Transform run by a Step Functions state machine.

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

import re
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from sagemaker_serving._shared import log_group_key, regional_arn
from sagemaker_serving.batch.compliance import acknowledge_findings
from sagemaker_serving.batch.loading import LoadingContext, PredictionLoading
from sagemaker_serving.batch.options import TransformOptions
from sagemaker_serving.batch.validation import props_problems
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.variants import has_local_storage

if TYPE_CHECKING:
    from aws_cdk import aws_events as events
    from aws_cdk import aws_scheduler as scheduler

    from sagemaker_serving.model import ModelBase

#: The optimised integration's resource (``.sync``: run the job and wait for it).
TRANSFORM_RESOURCE = "states:::sagemaker:createTransformJob.sync"
#: The tag that names the execution that started a job.
EXECUTION_TAG = "sagemaker-serving:execution"


class BatchPredictions(Construct):
    """Batch Transform of a model on a schedule (EventBridge Scheduler) and, optionally, on new input.

    Secure by default: a bucket is created when none is given (KMS key with rotation, TLS only, versioned,
    public access blocked, access logs to a log bucket); the job's volumes and output are encrypted with
    that key; the state machine logs every event to a KMS-encrypted log group and is traced with X-Ray;
    a CloudWatch alarm on failed or timed-out executions notifies a KMS-encrypted SNS topic.

    Least privilege: the state machine may create, describe and stop only transform jobs named
    ``<job_name_prefix>-*``; the model's role may read only the input prefix and write only the output
    prefix; the loading may write only its table. See the module docstring for the state machine,
    job names, throughput and retries.

    Attributes: ``bucket``, ``encryption_key`` (the bucket's; ``None`` for a given bucket without one),
    ``access_log_bucket`` (or ``None``), ``state_machine``, ``transform_state``, ``log_group``,
    ``schedule`` (or ``None``), ``new_input_rule`` (or ``None``), ``alarm``, ``alarm_topic``, ``loading``,
    ``job_name_prefix``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model: ModelBase,
        instance_type: str = "ml.m5.large",
        instance_count: int = 1,
        transform: TransformOptions | None = None,
        bucket: s3.IBucket | None = None,
        input_prefix: str = "input/",
        output_prefix: str = "output/",
        schedule: str | None = "cron(0 2 * * ? *)",
        time_zone: str = "UTC",
        run_on_new_input: bool = False,
        job_name_prefix: str | None = None,
        timeout: cdk.Duration | None = None,
        api_retries: int = 3,
        job_retries: int = 0,
        loading: PredictionLoading | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """Create the bucket (unless given), state machine, triggers, alarm and loading.

        :param model: the model to run (its role gets read access to the input, write access to the output).
        :param instance_type: a Batch Transform instance type (``TRANSFORM_INSTANCE_TYPES``). Default ``ml.m5.large``.
        :param instance_count: instances of each job (≥ 1): input files are spread over them. Default 1.
        :param transform: how records are split, batched and assembled. Default ``TransformOptions()``.
        :param bucket: holds the input and output prefixes. Default: a new secure bucket. A given bucket
            must send events to EventBridge for ``run_on_new_input``.
        :param input_prefix: key prefix of the input files, ending in ``/``. Default ``input/``.
        :param output_prefix: key prefix of the predictions (``<output_prefix><run>/``), ending in ``/``,
            neither inside the input prefix nor containing it. Default ``output/``.
        :param schedule: when to run over the whole input prefix: six-field ``cron(...)``, ``rate(...)``
            or ``at(...)`` (EventBridge Scheduler). Default ``cron(0 2 * * ? *)`` (02:00 daily); ``None``: no schedule.
        :param time_zone: IANA time zone of the schedule. Default ``UTC``.
        :param run_on_new_input: also run on each object created under the input prefix (that object only).
            Default off.
        :param job_name_prefix: 1-26 alphanumerics or hyphens. Default: from the construct's ID and address.
        :param timeout: longest a job may run before it is stopped. Default 12 hours.
        :param api_retries: retries of SageMaker API errors (0-10). Default 3.
        :param job_retries: retries of a failed job (0-3). Default 0.
        :param loading: what to do with the predictions after the job, e.g. ``DynamoDbLoading``. Default: none.
        :param alarm_topic: where the failure alarm notifies. Default: a new KMS-encrypted topic.
        """
        options = transform or TransformOptions()
        run_timeout = timeout or cdk.Duration.hours(12)
        problems = props_problems(
            instance_type=instance_type,
            instance_count=instance_count,
            options=options,
            input_prefix=input_prefix,
            output_prefix=output_prefix,
            schedule=schedule,
            time_zone=time_zone,
            run_on_new_input=run_on_new_input,
            job_name_prefix=job_name_prefix,
            timeout=run_timeout,
            api_retries=api_retries,
            job_retries=job_retries,
        )
        if loading is not None:
            problems += loading.problems(writes_json_lines=options.writes_json_lines())
        raise_if_problems("Invalid batch predictions", problems)
        super().__init__(scope, construct_id)
        self.model = model
        self.loading = loading
        self.job_name_prefix = job_name_prefix or _default_prefix(self)
        self.input_prefix, self.output_prefix = input_prefix, output_prefix

        self.access_log_bucket: s3.Bucket | None = None
        self.encryption_key: kms.IKey | None
        if bucket is None:
            self.bucket, self.encryption_key = self._secure_bucket(events_on=run_on_new_input)
        else:
            self.bucket, self.encryption_key = bucket, bucket.encryption_key
        self._grant_model(model)
        self.transform_state = sfn.CustomState(
            self,
            "Transform",
            state_json=self._transform_state_json(model, instance_type, instance_count, options, run_timeout),
        )
        self.transform_state.add_retry(
            errors=["SageMaker.AmazonSageMakerException"],
            interval=cdk.Duration.seconds(60),
            backoff_rate=2,
            max_attempts=api_retries,
        )
        if job_retries:
            self.transform_state.add_retry(
                errors=["States.TaskFailed"], interval=cdk.Duration.minutes(5), max_attempts=job_retries
            )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=log_group_key(self, "LogsKey", description=f"Encrypts the logs of {self.node.path}"),
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(self._definition()),
            timeout=run_timeout.plus(cdk.Duration.hours(1)),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        self._grant_state_machine(options)
        self.schedule: scheduler.Schedule | None = None
        self.schedule_role: iam.Role | None = None
        if schedule is not None:
            self.schedule = self._schedule(schedule, time_zone)
        self.new_input_rule: events.Rule | None = None
        if run_on_new_input:
            self.new_input_rule = self._new_input_rule()
        self.alarm_topic, self.alarm = self._alarm(alarm_topic)
        acknowledge_findings(self)

    # ------------------------------------------------------------------------------------------
    # Storage and grants
    # ------------------------------------------------------------------------------------------
    def _secure_bucket(self, *, events_on: bool) -> tuple[s3.Bucket, kms.Key]:
        key = kms.Key(self, "Key", description=f"Encrypts the data of {self.node.path}", enable_key_rotation=True)
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # server access logs cannot go to an SSE-KMS bucket
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="bucket/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        if events_on:
            # CloudFormation's own setting: the L2's event_bridge_enabled adds a custom-resource function.
            cfn_bucket = bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.add_property_override(
                "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
            )
        return bucket, key

    def _grant_model(self, model: ModelBase) -> None:
        """The job runs as the model's role: read the input prefix, write the output prefix, use the key."""
        arn = self.bucket.bucket_arn
        statements = [
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{arn}/{self.input_prefix}*"]),
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[arn],
                conditions={"StringLike": {"s3:prefix": [f"{self.input_prefix}*"]}},
            ),
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"], resources=[f"{arn}/{self.output_prefix}*"]
            ),
        ]
        if self.encryption_key is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.encryption_key.key_arn]
                )
            )
        for statement in statements:
            model.add_to_role_policy(statement)

    def _grant_state_machine(self, options: TransformOptions) -> None:
        """What the ``.sync`` transform integration needs, for this construct's jobs only."""
        jobs = regional_arn(self, "sagemaker", "transform-job", f"{self.job_name_prefix.lower()}-*")
        role = self.state_machine.role
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
                resources=[regional_arn(self, "events", "rule", "StepFunctionsGetEventsForSageMakerTransformJobsRule")],
            )
        )
        if self.encryption_key is not None:
            # CreateTransformJob with KmsKeyId/VolumeKmsKeyId: the caller lets SageMaker use the key.
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["kms:CreateGrant", "kms:DescribeKey"],
                    resources=[self.encryption_key.key_arn],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                )
            )

    # ------------------------------------------------------------------------------------------
    # The state machine
    # ------------------------------------------------------------------------------------------
    def _transform_state_json(
        self,
        model: ModelBase,
        instance_type: str,
        instance_count: int,
        options: TransformOptions,
        timeout: cdk.Duration,
    ) -> dict[str, Any]:
        key_arn = self.encryption_key.key_arn if self.encryption_key is not None else None
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
            "TransformJobName.$": f"States.Format('{self.job_name_prefix}-{{}}', States.UUID())",
            "ModelName": model.model_name,
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

    def _definition(self) -> sfn.IChainable:
        bucket = self.bucket.bucket_name
        output_prefix = sfn.JsonPath.format(f"{self.output_prefix}{{}}/", sfn.JsonPath.execution_name)
        output_uri = sfn.JsonPath.format(f"s3://{{}}/{self.output_prefix}{{}}/", bucket, sfn.JsonPath.execution_name)
        on_object = sfn.Pass(
            self,
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
            self,
            "RunOnPrefix",
            parameters={
                "input_uri": f"s3://{bucket}/{self.input_prefix}",
                "output_uri": output_uri,
                "output_prefix": output_prefix,
            },
            result_path="$.run",
        )
        done = sfn.Succeed(self, "Done")
        after: sfn.IChainable = done
        if self.loading is not None:
            binding = self.loading.bind(
                self,
                LoadingContext(
                    bucket=self.bucket, output_prefix_path="$.run.output_prefix", job_name_path="$.job.name"
                ),
            )
            binding.end.next(done)
            after = binding.start
        self.transform_state.next(after)
        on_object.next(self.transform_state)
        on_prefix.next(self.transform_state)
        return (
            sfn.Choice(self, "SelectInput")
            .when(sfn.Condition.is_present("$.detail.object.key"), on_object)
            .otherwise(on_prefix)
        )

    # ------------------------------------------------------------------------------------------
    # Triggers and the alarm
    # ------------------------------------------------------------------------------------------
    def _schedule(self, expression: str, time_zone: str) -> scheduler.Schedule:
        from aws_cdk import aws_scheduler as scheduler
        from aws_cdk import aws_scheduler_targets as targets

        self.schedule_role = iam.Role(
            self,
            "ScheduleRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description=f"EventBridge Scheduler starts the batch predictions of {self.node.path}",
        )
        return scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(expression, cdk.TimeZone.of(time_zone)),
            target=targets.StepFunctionsStartExecution(
                self.state_machine,
                input=scheduler.ScheduleTargetInput.from_object({"trigger": "schedule"}),
                role=self.schedule_role,
                retry_attempts=3,
            ),
            description=f"Runs the batch predictions of {self.node.path}",
        )

    def _new_input_rule(self) -> events.Rule:
        from aws_cdk import aws_events as events
        from aws_cdk import aws_events_targets as events_targets

        rule = events.Rule(
            self,
            "NewInput",
            description=f"Runs the batch predictions of {self.node.path} on each new input object",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [self.bucket.bucket_name]},
                    "object": {"key": [{"prefix": self.input_prefix}]},
                },
            ),
        )
        rule.add_target(events_targets.SfnStateMachine(self.state_machine, retry_attempts=3))
        return rule

    def _alarm(self, topic: sns.ITopic | None) -> tuple[sns.ITopic, cloudwatch.Alarm]:
        from aws_cdk import aws_cloudwatch_actions as actions

        if topic is None:
            key = kms.Key(
                self, "AlarmKey", description=f"Encrypts the alarm topic of {self.node.path}", enable_key_rotation=True
            )
            # CloudWatch publishes to an encrypted topic only if the key lets it (SNS encryption at rest:
            # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],  # In a key policy, "*" is this key.
                )
            )
            topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        expression = cloudwatch.MathExpression(
            expression="FILL(failed, 0) + FILL(timedOut, 0)",
            using_metrics={
                "failed": self.state_machine.metric_failed(statistic="Sum"),
                "timedOut": self.state_machine.metric_timed_out(statistic="Sum"),
            },
            period=cdk.Duration.minutes(5),
            label="Failed or timed-out runs",
        )
        alarm = expression.create_alarm(
            self,
            "FailureAlarm",
            alarm_description=f"A batch predictions run of {self.node.path} failed or timed out",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(topic))
        return topic, alarm


def _default_prefix(scope: Construct) -> str:
    """``<construct id, alphanumerics, ≤ 17>-<8 hex of the construct's address>``: readable and unique."""
    readable = re.sub(r"[^a-z0-9]", "", scope.node.id.lower())[:17] or "batch"
    return f"{readable}-{scope.node.addr[-8:]}"
