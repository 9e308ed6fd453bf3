"""How an inference component is updated: a rolling update in batches, rolled back when an alarm fires.

``InferenceComponentDeploymentConfig``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html) and
its ``InferenceComponentRollingUpdatePolicy``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html):
when the component's specification changes (a new model, image or requirements), SageMaker starts new
copies in batches of ``MaximumBatchSize`` ("between 5% to 50% of the copy count of the inference
component"), moves traffic to them, waits ``WaitIntervalInSeconds`` while it watches the rollback alarms
(``AutoRollbackConfiguration.Alarms``, 1 to 10 CloudWatch alarms of the account), then retires the old
copies; an alarm in ``ALARM`` rolls the update back, ``RollbackMaximumBatchSize`` at a time (default: all at
once). ``MaximumExecutionTimeoutInSeconds`` (600-28,800) bounds the whole update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import aws_cdk as cdk

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_sagemaker as sagemaker

CapacityType = Literal["COPY_COUNT", "CAPACITY_PERCENT"]
MAX_ROLLBACK_ALARMS = 10


@dataclass(frozen=True)
class Batch:
    """A batch of a rolling update: :meth:`copies` or :meth:`percent` of the component's copies."""

    #: ``COPY_COUNT`` or ``CAPACITY_PERCENT``.
    type: CapacityType
    #: The number of copies, or the percentage.
    value: int

    @staticmethod
    def copies(count: int) -> Batch:
        """``count`` copies at a time."""
        return Batch("COPY_COUNT", count)

    @staticmethod
    def percent(percentage: int) -> Batch:
        """``percentage`` % of the copies at a time."""
        return Batch("CAPACITY_PERCENT", percentage)

    def render(self) -> sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty:
        """The ``InferenceComponentCapacitySize``."""
        from aws_cdk import aws_sagemaker as sagemaker

        return sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(type=self.type, value=self.value)


@dataclass(frozen=True, kw_only=True)
class ComponentRollingUpdate:
    """The deployment config of an :class:`~sagemaker_serving.InferenceComponent`.

    Example: ``ComponentRollingUpdate(maximum_batch=Batch.copies(1), wait_interval=cdk.Duration.minutes(5),
    rollback_alarms=[latency_alarm])``.
    """

    #: Copies replaced per step: 5-50 % of the copy count. Default 50 % (the fewest steps allowed).
    maximum_batch: Batch = Batch.percent(50)  # noqa: RUF009 - frozen value
    #: Bake time after each step, while the rollback alarms are watched (0-3600 s). Default 5 minutes.
    wait_interval: cdk.Duration = field(default_factory=lambda: cdk.Duration.minutes(5))
    #: Longest the whole update may take (600-28,800 s). Default: SageMaker's.
    maximum_execution_timeout: cdk.Duration | None = None
    #: Copies restored per step of a rollback. Default: SageMaker's, all of them at once.
    rollback_maximum_batch: Batch | None = None
    #: Alarms that roll the update back when they go into ``ALARM`` (1-10). Default: none (no rollback).
    rollback_alarms: Sequence[cloudwatch.IAlarm] = ()

    def problems(self, where: str, copy_count: object) -> list[str]:
        """Every rule this update breaks for a component of ``copy_count`` copies, prefixed with ``where``."""
        problems = _batch_problems(f"{where}.maximum_batch", self.maximum_batch, copy_count, rollback=False)
        if self.rollback_maximum_batch is not None:
            problems += _batch_problems(
                f"{where}.rollback_maximum_batch", self.rollback_maximum_batch, copy_count, rollback=True
            )
        problems += _seconds_problems(f"{where}.wait_interval", self.wait_interval, 0, 3600)
        if self.maximum_execution_timeout is not None:
            timeout = self.maximum_execution_timeout
            problems += _seconds_problems(f"{where}.maximum_execution_timeout", timeout, 600, 28_800)
        if len(self.rollback_alarms) > MAX_ROLLBACK_ALARMS:
            problems.append(
                f"{where}.rollback_alarms: {len(self.rollback_alarms)} alarms is not allowed; "
                f"at most {MAX_ROLLBACK_ALARMS}"
            )
        return problems

    def bind(self) -> sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty:
        """The component's ``DeploymentConfig``."""
        from aws_cdk import aws_sagemaker as sagemaker

        cfn = sagemaker.CfnInferenceComponent
        rollback = None
        if self.rollback_alarms:
            rollback = cfn.AutoRollbackConfigurationProperty(
                alarms=[cfn.AlarmProperty(alarm_name=a.alarm_name) for a in self.rollback_alarms]
            )
        timeout = self.maximum_execution_timeout
        return cfn.InferenceComponentDeploymentConfigProperty(
            rolling_update_policy=cfn.InferenceComponentRollingUpdatePolicyProperty(
                maximum_batch_size=self.maximum_batch.render(),
                wait_interval_in_seconds=int(self.wait_interval.to_seconds()),
                maximum_execution_timeout_in_seconds=int(timeout.to_seconds()) if timeout is not None else None,
                rollback_maximum_batch_size=(
                    self.rollback_maximum_batch.render() if self.rollback_maximum_batch is not None else None
                ),
            ),
            auto_rollback_configuration=rollback,
        )


def _batch_problems(where: str, batch: object, copy_count: object, *, rollback: bool) -> list[str]:
    if not isinstance(batch, Batch) or batch.type not in ("COPY_COUNT", "CAPACITY_PERCENT"):
        return [f"{where}: {batch!r} is not allowed; expected Batch.copies(n) or Batch.percent(p)"]
    value = batch.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return [f"{where}: {value!r} is not allowed; must be an integer ≥ 1"]
    if batch.type == "CAPACITY_PERCENT":
        low, high = (1, 100) if rollback else (5, 50)
        if not low <= value <= high:
            return [f"{where}: {value} % is not allowed; must be from {low} to {high} %"]
        return []
    if not rollback and isinstance(copy_count, int) and not isinstance(copy_count, bool) and copy_count > 0:
        share = value / copy_count
        if not 0.05 <= share <= 0.5:
            return [
                f"{where}: {value} of {copy_count} copies ({share:.0%}) is not allowed; a batch must be 5 % to 50 % "
                "of the copy count: raise copy_count or use Batch.percent()"
            ]
    return []


def _seconds_problems(where: str, duration: cdk.Duration, low: int, high: int) -> list[str]:
    if duration.is_unresolved():
        return []
    seconds = duration.to_seconds(integral=False)
    if not low <= seconds <= high or seconds != int(seconds):
        return [f"{where}: {seconds:g} s is not allowed; must be whole seconds from {low} to {high}"]
    return []
