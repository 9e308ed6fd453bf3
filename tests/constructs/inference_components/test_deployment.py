"""A component's rolling update (ComponentRollingUpdate): its DeploymentConfig and its rules relative to the copies."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template

from sagemaker_serving import (
    Batch,
    ComponentRollingUpdate,
    ComputeRequirements,
    InferenceComponent,
    Model,
    ValidationError,
)
from tests.constructs.inference_components.support import ONE_CPU
from tests.constructs.inference_components.support import pool_endpoint as _endpoint


def test_rolling_update_with_rollback_alarms(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack)
    alarm = cloudwatch.Alarm.from_alarm_arn(
        stack, "Latency", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fraud-p99"
    )
    InferenceComponent(
        stack,
        "Fraud",
        endpoint=endpoint,
        name="fraud",
        model=model,
        compute=ONE_CPU,
        copy_count=2,
        rolling_update=ComponentRollingUpdate(
            maximum_batch=Batch.copies(1),
            wait_interval=cdk.Duration.minutes(10),
            maximum_execution_timeout=cdk.Duration.hours(1),
            rollback_maximum_batch=Batch.percent(100),
            rollback_alarms=[alarm],
        ),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "DeploymentConfig": {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 600,
                    "MaximumExecutionTimeoutInSeconds": 3600,
                    "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "fraud-p99"}]},
            }
        },
    )


def test_rolling_update_batch_relative_to_copies(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "A",
            endpoint=_endpoint(stack),
            name="a",
            model=model,
            compute=ComputeRequirements(cpu_cores=0.5, min_memory_mb=256),
            copy_count=3,
            rolling_update=ComponentRollingUpdate(
                maximum_batch=Batch.copies(2),
                rollback_maximum_batch=Batch.percent(0),
                maximum_execution_timeout=cdk.Duration.minutes(5),
                rollback_alarms=[cloudwatch.Alarm.from_alarm_name(stack, f"A{i}", f"a{i}") for i in range(11)],
            ),
        )
    assert info.value.problems == (
        "rolling_update.maximum_batch: 2 of 3 copies (67%) is not allowed; a batch must be 5 % to 50 % of the copy count: raise copy_count or use Batch.percent()",
        "rolling_update.rollback_maximum_batch: 0 is not allowed; must be an integer ≥ 1",
        "rolling_update.maximum_execution_timeout: 300 s is not allowed; must be whole seconds from 600 to 28800",
        "rolling_update.rollback_alarms: 11 alarms is not allowed; at most 10",
    )
