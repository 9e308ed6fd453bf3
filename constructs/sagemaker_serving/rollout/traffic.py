"""How a blue/green update shifts traffic to the new fleet: ``AllAtOnce``, ``Canary`` or ``Linear``.

Each is a value object with a ``bind()`` that renders the ``TrafficRoutingConfiguration`` of
``AWS::SageMaker::Endpoint`` ``BlueGreenUpdatePolicy`` (CloudFormation ``TrafficRoutingConfig``:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-trafficroutingconfig.html;
SageMaker API ``TrafficRoutingConfig``: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html).
The wait interval is the baking period: the time SageMaker watches the rollback alarms after a step
before the next one (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

from sagemaker_serving.rollout.capacity import CapacitySize
from sagemaker_serving.rollout.fleet import MAX_WAIT_SECONDS, Fleet, seconds_problems, share_problems

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

#: The default baking period after each traffic step: 5 minutes (SageMaker's own canary example waits 300 s).
DEFAULT_WAIT = cdk.Duration.minutes(5)
#: "Value must be less than or equal to 50% of the variant's total instance count" (``CanarySize``).
CANARY_MAX_PERCENT = 50
#: "Value must be 10-50% of the variant's total instance count" (``LinearStepSize``).
LINEAR_MIN_PERCENT, LINEAR_MAX_PERCENT = 10, 50


def _routing(
    kind: str,
    wait_interval: cdk.Duration,
    canary_size: CapacitySize | None = None,
    linear_step_size: CapacitySize | None = None,
) -> sagemaker.CfnEndpoint.TrafficRoutingConfigProperty:
    from aws_cdk import aws_sagemaker as sagemaker

    return sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
        type=kind,
        wait_interval_in_seconds=int(wait_interval.to_seconds()),
        canary_size=canary_size.bind() if canary_size else None,
        linear_step_size=linear_step_size.bind() if linear_step_size else None,
    )


@dataclass(frozen=True, kw_only=True)
class AllAtOnce:
    """Shift all traffic to the new fleet in one step, then bake (``ALL_AT_ONCE``).

    What SageMaker does with no update policy, but with a baking period: the rollback alarms are
    watched for ``wait_interval`` before the old fleet is terminated.
    """

    #: Baking period after the shift (``WaitIntervalInSeconds``, 0-3600 s). Default 5 minutes.
    wait_interval: cdk.Duration = DEFAULT_WAIT

    def problems(self, where: str, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``...traffic_routing``)."""
        return seconds_problems(f"{where}.wait_interval", self.wait_interval, 0, MAX_WAIT_SECONDS)

    def bind(self) -> sagemaker.CfnEndpoint.TrafficRoutingConfigProperty:
        """The ``TrafficRoutingConfiguration`` property."""
        return _routing("ALL_AT_ONCE", self.wait_interval)


@dataclass(frozen=True, kw_only=True)
class Canary:
    """Shift a canary first, bake, then the rest (``CANARY``).

    ``size`` is at most 50% of each variant's instances ("Value must be less than or equal to 50% of
    the variant's total instance count", ``CanarySize``), so a variant that can start an update with
    one instance cannot canary by count: give a percent, or more instances.
    """

    #: The canary: instances or a percentage of each variant's instances (≤ 50%).
    size: CapacitySize
    #: Baking period of the canary (``WaitIntervalInSeconds``, 0-3600 s). Default 5 minutes.
    wait_interval: cdk.Duration = DEFAULT_WAIT

    def problems(self, where: str, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``...traffic_routing``)."""
        return [
            *share_problems(
                f"{where}.size",
                self.size,
                fleets,
                low=0,
                high=CANARY_MAX_PERCENT,
                what="a canary",
                source="TrafficRoutingConfig CanarySize",
            ),
            *seconds_problems(f"{where}.wait_interval", self.wait_interval, 0, MAX_WAIT_SECONDS),
        ]

    def bind(self) -> sagemaker.CfnEndpoint.TrafficRoutingConfigProperty:
        """The ``TrafficRoutingConfiguration`` property."""
        return _routing("CANARY", self.wait_interval, canary_size=self.size)


@dataclass(frozen=True, kw_only=True)
class Linear:
    """Shift traffic in equal steps, baking after each (``LINEAR``).

    ``step_size`` is 10-50% of each variant's instances ("Value must be 10-50% of the variant's total
    instance count", ``LinearStepSize``).
    """

    #: Each step: instances or a percentage of each variant's instances (10-50%).
    step_size: CapacitySize
    #: Baking period after each step (``WaitIntervalInSeconds``, 0-3600 s). Default 5 minutes.
    wait_interval: cdk.Duration = DEFAULT_WAIT

    def problems(self, where: str, fleets: Sequence[Fleet]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``...traffic_routing``)."""
        return [
            *share_problems(
                f"{where}.step_size",
                self.step_size,
                fleets,
                low=LINEAR_MIN_PERCENT,
                high=LINEAR_MAX_PERCENT,
                what="a linear step",
                source="TrafficRoutingConfig LinearStepSize",
            ),
            *seconds_problems(f"{where}.wait_interval", self.wait_interval, 0, MAX_WAIT_SECONDS),
        ]

    def bind(self) -> sagemaker.CfnEndpoint.TrafficRoutingConfigProperty:
        """The ``TrafficRoutingConfiguration`` property."""
        return _routing("LINEAR", self.wait_interval, linear_step_size=self.step_size)


TrafficRouting = AllAtOnce | Canary | Linear
