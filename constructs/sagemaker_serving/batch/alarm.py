"""The batch predictions' failure alarm: failed or timed-out executions, notified to an SNS topic."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


def failure_alarm(
    scope: Construct, state_machine: sfn.StateMachine, topic: sns.ITopic | None
) -> tuple[sns.ITopic, cloudwatch.Alarm]:
    """The alarm on the state machine's failed or timed-out runs, notifying ``topic`` (default: a new one).

    A new topic is encrypted with a new KMS key (with rotation) whose policy lets CloudWatch publish.
    Returns ``(topic, alarm)``.
    """
    from aws_cdk import aws_cloudwatch_actions as actions

    if topic is None:
        key = kms.Key(
            scope, "AlarmKey", description=f"Encrypts the alarm topic of {scope.node.path}", enable_key_rotation=True
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
        topic = sns.Topic(scope, "AlarmTopic", master_key=key, enforce_ssl=True)
    expression = cloudwatch.MathExpression(
        expression="FILL(failed, 0) + FILL(timedOut, 0)",
        using_metrics={
            "failed": state_machine.metric_failed(statistic="Sum"),
            "timedOut": state_machine.metric_timed_out(statistic="Sum"),
        },
        period=cdk.Duration.minutes(5),
        label="Failed or timed-out runs",
    )
    alarm = expression.create_alarm(
        scope,
        "FailureAlarm",
        alarm_description=f"A batch predictions run of {scope.node.path} failed or timed out",
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(actions.SnsAction(topic))
    return topic, alarm
