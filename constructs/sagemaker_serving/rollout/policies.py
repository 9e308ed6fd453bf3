"""How SageMaker moves an endpoint to a new endpoint config: ``BlueGreenUpdate`` or ``RollingUpdate``.

Each renders one update policy of ``AWS::SageMaker::Endpoint`` ``DeploymentConfig`` (CloudFormation:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-deploymentconfig.html),
which takes one of them ("Only one update policy should be used in the deployment configuration").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk

from sagemaker_serving.rollout.capacity import CapacitySize
from sagemaker_serving.rollout.fleet import MAX_WAIT_SECONDS, Fleet, seconds_problems, share_problems
from sagemaker_serving.rollout.traffic import DEFAULT_WAIT, AllAtOnce, Canary, Linear, TrafficRouting

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

#: ``MaximumExecutionTimeoutInSeconds`` of both policies: 600-28800 s in the CloudFormation and SageMaker API
#: references (``BlueGreenUpdatePolicy``, ``RollingUpdatePolicy``). Issue #11 listed 14400 s for blue/green (the
#: Terraform provider's documentation says 14400 for both); the AWS references say 28800 for both, and win.
MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 600, 28800
#: "Value must be between 5% to 50% of the variant's total instance count" (``RollingUpdatePolicy``
#: ``MaximumBatchSize``).
ROLLING_MIN_PERCENT, ROLLING_MAX_PERCENT = 5, 50


def _seconds(duration: cdk.Duration | None) -> int | None:
    return None if duration is None else int(duration.to_seconds())


@dataclass(frozen=True, kw_only=True)
class BlueGreenUpdate:
    """Blue/green: SageMaker provisions a new fleet, shifts traffic to it as ``traffic_routing`` says
    and keeps the old fleet until the shift is done (``BlueGreenUpdatePolicy``:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-bluegreenupdatepolicy.html).

    Limits (CloudFormation and API references): ``termination_wait`` 0-3600 s;
    ``maximum_execution_timeout`` 600-28800 s and "larger than the total waiting time specified in
    TerminationWaitInSeconds and WaitIntervalInSeconds".
    """

    #: How traffic moves: :class:`AllAtOnce` (default, 5 minutes of baking), :class:`Canary` or :class:`Linear`.
    traffic_routing: TrafficRouting = field(default_factory=AllAtOnce)
    #: Extra wait after the update before the old fleet is terminated (0-3600 s). Default: SageMaker's, 0.
    termination_wait: cdk.Duration | None = None
    #: The whole update's time limit (600-28800 s). Default: SageMaker's.
    maximum_execution_timeout: cdk.Duration | None = None

    def problems(self, where: str, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``deployment.update_policy``)."""
        routing = self.traffic_routing
        if not isinstance(routing, (AllAtOnce, Canary, Linear)):
            return [f"{where}.traffic_routing: {routing!r} is not allowed; expected AllAtOnce, Canary or Linear"]
        problems = routing.problems(f"{where}.traffic_routing", fleets)
        if self.termination_wait is not None:
            problems += seconds_problems(f"{where}.termination_wait", self.termination_wait, 0, MAX_WAIT_SECONDS)
        timeout = self.maximum_execution_timeout
        if timeout is not None:
            found = seconds_problems(
                f"{where}.maximum_execution_timeout", timeout, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS
            )
            problems += found
            waits = [routing.wait_interval, self.termination_wait or cdk.Duration.seconds(0)]
            if not found and not problems and sum(w.to_seconds() for w in waits) >= timeout.to_seconds():
                total = int(sum(w.to_seconds() for w in waits))
                problems.append(
                    f"{where}.maximum_execution_timeout: {timeout.to_seconds():g} s is not allowed; it must be "
                    f"larger than the wait interval plus the termination wait ({total} s)"
                )
        return problems

    def bind(self) -> dict[str, sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty]:
        """The ``BlueGreenUpdatePolicy`` of the ``DeploymentConfig``."""
        from aws_cdk import aws_sagemaker as sagemaker

        return {
            "blue_green_update_policy": sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=self.traffic_routing.bind(),
                termination_wait_in_seconds=_seconds(self.termination_wait),
                maximum_execution_timeout_in_seconds=_seconds(self.maximum_execution_timeout),
            )
        }


@dataclass(frozen=True, kw_only=True)
class RollingUpdate:
    """Rolling: SageMaker replaces the fleet batch by batch, baking after each (``RollingUpdatePolicy``:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-rollingupdatepolicy.html).

    Fewer extra instances than blue/green. Limits: ``maximum_batch_size`` 5-50% of the variant's
    instances, ``wait_interval`` 0-3600 s, ``maximum_execution_timeout`` 600-28800 s. Not for
    serverless endpoints nor endpoints with more than one variant (deployment guardrails exclusions:
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html).
    """

    #: Instances or percentage replaced per batch (5-50% of the variant's instances).
    maximum_batch_size: CapacitySize
    #: Baking period after each batch (0-3600 s). Default 5 minutes.
    wait_interval: cdk.Duration = DEFAULT_WAIT
    #: Batch size when rolling back. Default: SageMaker's, the whole old fleet at once (100%).
    rollback_maximum_batch_size: CapacitySize | None = None
    #: The whole update's time limit (600-28800 s). Default: SageMaker's.
    maximum_execution_timeout: cdk.Duration | None = None

    def problems(self, where: str, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``deployment.update_policy``)."""
        problems = []
        if len(fleets) > 1:
            names = [f.variant_name for f in fleets]
            problems.append(
                f"{where}: RollingUpdate is not allowed for an endpoint with {len(fleets)} variants {names}; "
                "rolling deployments support single-variant endpoints only: use BlueGreenUpdate"
            )
        serverless = [f.variant_name for f in fleets if f.serverless]
        if serverless:
            problems.append(
                f"{where}: RollingUpdate is not allowed for serverless variant {serverless[0]!r}; rolling "
                "deployments do not support serverless endpoints: use BlueGreenUpdate"
            )
        problems += share_problems(
            f"{where}.maximum_batch_size",
            self.maximum_batch_size,
            [] if serverless else fleets,
            low=ROLLING_MIN_PERCENT,
            high=ROLLING_MAX_PERCENT,
            what="a rolling batch",
            source="RollingUpdatePolicy MaximumBatchSize",
        )
        if self.rollback_maximum_batch_size is not None:
            problems += self.rollback_maximum_batch_size.problems(f"{where}.rollback_maximum_batch_size")
        problems += seconds_problems(f"{where}.wait_interval", self.wait_interval, 0, MAX_WAIT_SECONDS)
        if self.maximum_execution_timeout is not None:
            problems += seconds_problems(
                f"{where}.maximum_execution_timeout",
                self.maximum_execution_timeout,
                MIN_TIMEOUT_SECONDS,
                MAX_TIMEOUT_SECONDS,
            )
        return problems

    def bind(self) -> dict[str, sagemaker.CfnEndpoint.RollingUpdatePolicyProperty]:
        """The ``RollingUpdatePolicy`` of the ``DeploymentConfig``."""
        from aws_cdk import aws_sagemaker as sagemaker

        rollback = self.rollback_maximum_batch_size
        return {
            "rolling_update_policy": sagemaker.CfnEndpoint.RollingUpdatePolicyProperty(
                maximum_batch_size=self.maximum_batch_size.bind(),
                wait_interval_in_seconds=int(self.wait_interval.to_seconds()),
                rollback_maximum_batch_size=rollback.bind() if rollback else None,
                maximum_execution_timeout_in_seconds=_seconds(self.maximum_execution_timeout),
            )
        }


UpdatePolicy = BlueGreenUpdate | RollingUpdate
