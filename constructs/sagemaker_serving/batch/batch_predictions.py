"""Scheduled batch predictions: SageMaker Batch Transform run by a Step Functions state machine.

:class:`BatchPredictions` validates its props and composes the parts, each in its own module:

- :mod:`~sagemaker_serving.batch.storage`: the bucket (created secure unless given) and the model's access to it;
- :mod:`~sagemaker_serving.batch.state_machine`: the ``Transform`` task, the state machine that runs it (its
  states, job names, throughput and retries) and what it may do;
- :mod:`~sagemaker_serving.batch.triggers`: the EventBridge Scheduler schedule and the rule on new input;
- :mod:`~sagemaker_serving.batch.alarm`: the alarm on failed or timed-out runs and its topic;
- :mod:`~sagemaker_serving.batch.loading`: what happens to the predictions after the job (``DynamoDbLoading``);
- :mod:`~sagemaker_serving.batch.compliance`: the cdk-nag findings acknowledged, each with its reason.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving.batch.alarm import failure_alarm
from sagemaker_serving.batch.compliance import acknowledge_findings
from sagemaker_serving.batch.options import TransformOptions
from sagemaker_serving.batch.state_machine import (
    EXECUTION_TAG,
    TRANSFORM_RESOURCE,
    grant_state_machine,
    logged_state_machine,
    transform_state,
)
from sagemaker_serving.batch.storage import grant_model, secure_bucket
from sagemaker_serving.batch.triggers import new_input_rule, schedule_trigger
from sagemaker_serving.batch.validation import props_problems
from sagemaker_serving.errors import raise_if_problems

if TYPE_CHECKING:
    from aws_cdk import aws_events as events
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_sns as sns

    from sagemaker_serving.batch.loading import PredictionLoading
    from sagemaker_serving.model import ModelBase

__all__ = ["EXECUTION_TAG", "TRANSFORM_RESOURCE", "BatchPredictions"]


class BatchPredictions(Construct):
    """Batch Transform of a model on a schedule (EventBridge Scheduler) and, optionally, on new input.

    Secure by default: a bucket is created when none is given (KMS key with rotation, TLS only, versioned,
    public access blocked, access logs to a log bucket); the job's volumes and output are encrypted with
    that key; the state machine logs every event to a KMS-encrypted log group and is traced with X-Ray;
    a CloudWatch alarm on failed or timed-out executions notifies a KMS-encrypted SNS topic.

    Least privilege: the state machine may create, describe and stop only transform jobs named
    ``<job_name_prefix>-*``; the model's role may read only the input prefix and write only the output
    prefix; the loading may write only its table. See :mod:`sagemaker_serving.batch.state_machine` for the
    state machine, job names, throughput and retries.

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
        """Create the bucket (unless given), state machine, triggers, alarm and loading."""
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
        self._storage(bucket, run_on_new_input=run_on_new_input)
        self._state_machine(
            instance_type=instance_type,
            instance_count=instance_count,
            options=options,
            timeout=run_timeout,
            api_retries=api_retries,
            job_retries=job_retries,
        )
        self._triggers(schedule, time_zone=time_zone, run_on_new_input=run_on_new_input)
        self.alarm_topic, self.alarm = failure_alarm(self, self.state_machine, alarm_topic)
        acknowledge_findings(self)

    def _storage(self, bucket: s3.IBucket | None, *, run_on_new_input: bool) -> None:
        """The bucket (given, or created secure) and the model's access to the input and output prefixes."""
        self.access_log_bucket: s3.Bucket | None = None
        self.encryption_key: kms.IKey | None
        if bucket is None:
            self.bucket, self.encryption_key, self.access_log_bucket = secure_bucket(self, events_on=run_on_new_input)
        else:
            self.bucket, self.encryption_key = bucket, bucket.encryption_key
        grant_model(self.model, self.bucket, self.encryption_key, reads=self.input_prefix, writes=self.output_prefix)

    def _state_machine(
        self,
        *,
        instance_type: str,
        instance_count: int,
        options: TransformOptions,
        timeout: cdk.Duration,
        api_retries: int,
        job_retries: int,
    ) -> None:
        """The ``Transform`` task, the logged state machine that runs it, and what the state machine may do."""
        self.transform_state = transform_state(
            self,
            instance_type=instance_type,
            instance_count=instance_count,
            options=options,
            timeout=timeout,
            api_retries=api_retries,
            job_retries=job_retries,
        )
        self.log_group, self.state_machine = logged_state_machine(self, timeout=timeout)
        grant_state_machine(self)

    def _triggers(self, schedule: str | None, *, time_zone: str, run_on_new_input: bool) -> None:
        """What starts a run: the schedule (unless ``None``) and, with ``run_on_new_input``, the rule on new input."""
        self.schedule: scheduler.Schedule | None = None
        self.schedule_role: iam.Role | None = None
        if schedule is not None:
            self.schedule, self.schedule_role = schedule_trigger(
                self, self.state_machine, expression=schedule, time_zone=time_zone
            )
        self.new_input_rule: events.Rule | None = None
        if run_on_new_input:
            self.new_input_rule = new_input_rule(
                self, self.state_machine, bucket=self.bucket, input_prefix=self.input_prefix
            )


def _default_prefix(scope: Construct) -> str:
    """``<construct id, alphanumerics, ≤ 17>-<8 hex of the construct's address>``: readable and unique."""
    readable = re.sub(r"[^a-z0-9]", "", scope.node.id.lower())[:17] or "batch"
    return f"{readable}-{scope.node.addr[-8:]}"
