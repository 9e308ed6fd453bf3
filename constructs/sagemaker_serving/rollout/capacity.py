"""How much of a production variant one step of an endpoint update moves: ``CapacitySize``.

A pure module (no aws_cdk import until :meth:`CapacitySize.bind`): the configuration parser structures
``{ instances = 1 }`` / ``{ percent = 10 }`` straight into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker


def is_int(value: object) -> bool:
    """An ``int`` that is not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class CapacitySize:
    """A number of instances or a percentage of a variant's instances (``AWS::SageMaker::Endpoint`` ``CapacitySize``).

    Give exactly one of ``instances`` (``INSTANCE_COUNT``) or ``percent`` (``CAPACITY_PERCENT``), or
    use :meth:`instance_count` / :meth:`capacity_percent`. ``Value`` is an integer of at least 1
    (CloudFormation, ``CapacitySize``:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpoint-capacitysize.html);
    a percentage is at most 100. What share of a variant a size may be depends on where it is used
    (a canary, a linear step, a rolling batch): the update policy checks that against the variants.
    """

    #: A number of instances (≥ 1).
    instances: int | None = None
    #: A percentage of the variant's instances (1-100).
    percent: int | None = None

    @staticmethod
    def instance_count(instances: int) -> CapacitySize:
        """``instances`` instances (``INSTANCE_COUNT``)."""
        return CapacitySize(instances=instances)

    @staticmethod
    def capacity_percent(percent: int) -> CapacitySize:
        """``percent`` % of the variant's instances (``CAPACITY_PERCENT``)."""
        return CapacitySize(percent=percent)

    def __str__(self) -> str:
        if self.percent is None and self.instances is not None:
            return f"{self.instances} instance{'' if self.instances == 1 else 's'}"
        if self.instances is None and self.percent is not None:
            return f"{self.percent}%"
        return repr(self)

    def problems(self, where: str) -> list[str]:
        """Every rule this size breaks on its own, prefixed with ``where``."""
        if (self.instances is None) == (self.percent is None):
            return [f"{where}: {self!r} is not allowed; give exactly one of instances or percent"]
        if self.instances is not None and not (is_int(self.instances) and self.instances >= 1):
            return [f"{where}.instances: {self.instances!r} is not allowed; expected an integer ≥ 1"]
        if self.percent is not None and not (is_int(self.percent) and 1 <= self.percent <= 100):
            return [f"{where}.percent: {self.percent!r} is not allowed; expected an integer from 1 to 100"]
        return []

    def bind(self) -> sagemaker.CfnEndpoint.CapacitySizeProperty:
        """The ``CapacitySize`` property."""
        from aws_cdk import aws_sagemaker as sagemaker

        if self.instances is not None:
            return sagemaker.CfnEndpoint.CapacitySizeProperty(type="INSTANCE_COUNT", value=self.instances)
        return sagemaker.CfnEndpoint.CapacitySizeProperty(type="CAPACITY_PERCENT", value=self.percent or 0)
