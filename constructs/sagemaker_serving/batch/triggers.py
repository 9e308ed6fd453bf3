"""What starts the batch predictions: an EventBridge Scheduler schedule and, optionally, a rule on new input.

Both are imported lazily: an app without a schedule loads no aws_scheduler, one without
``run_on_new_input`` no aws_events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

if TYPE_CHECKING:
    from aws_cdk import aws_events as events
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_stepfunctions as sfn


def schedule_trigger(
    scope: Construct, state_machine: sfn.StateMachine, *, expression: str, time_zone: str
) -> tuple[scheduler.Schedule, iam.Role]:
    """A schedule (``expression`` in ``time_zone``) that starts the state machine over the whole input prefix.

    Returns ``(schedule, role)``: the role EventBridge Scheduler assumes to start executions.
    """
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_scheduler_targets as targets

    role = iam.Role(
        scope,
        "ScheduleRole",
        assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
        description=f"EventBridge Scheduler starts the batch predictions of {scope.node.path}",
    )
    created = scheduler.Schedule(
        scope,
        "Schedule",
        schedule=scheduler.ScheduleExpression.expression(expression, cdk.TimeZone.of(time_zone)),
        target=targets.StepFunctionsStartExecution(
            state_machine,
            input=scheduler.ScheduleTargetInput.from_object({"trigger": "schedule"}),
            role=role,
            retry_attempts=3,
        ),
        description=f"Runs the batch predictions of {scope.node.path}",
    )
    return created, role


def new_input_rule(
    scope: Construct, state_machine: sfn.StateMachine, *, bucket: s3.IBucket, input_prefix: str
) -> events.Rule:
    """A rule that starts the state machine on each S3 "Object Created" event under ``input_prefix``."""
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as events_targets

    rule = events.Rule(
        scope,
        "NewInput",
        description=f"Runs the batch predictions of {scope.node.path} on each new input object",
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={
                "bucket": {"name": [bucket.bucket_name]},
                "object": {"key": [{"prefix": input_prefix}]},
            },
        ),
    )
    rule.add_target(events_targets.SfnStateMachine(state_machine, retry_attempts=3))
    return rule
