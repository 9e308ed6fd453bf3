"""The instance pool of an endpoint that hosts inference components: a production variant with no model.

An endpoint hosts inference components when its endpoint config's variant names an instance type and
count but no ``ModelName``, and the config carries an ``ExecutionRoleArn``
(https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html). The
components then share the variant's instances, each asking for CPU cores, memory and accelerators per
copy. With ``ManagedInstanceScaling``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantManagedInstanceScaling.html)
SageMaker adds and removes instances as the components' copy counts change, between a minimum (which may
be 0: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html) and a
maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sagemaker_serving.routing import RequestRouting, routing_problems
from sagemaker_serving.variants import VARIANT_NAME, instance_type_problems, is_burstable

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

#: Largest instance count accepted here (the same bound as an instance variant's).
MAX_INSTANCES = 1000


def _int_problems(where: str, value: object, low: int, high: int, why: str = "") -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"{where}: {value!r} is not allowed; must be an integer from {low} to {high}{why}"]
    return []


@dataclass(frozen=True, kw_only=True)
class InstancePool:
    """The production variant of a :class:`ComponentEndpointConfig`: instances, no model.

    ``min_instance_count`` and ``max_instance_count`` turn on managed instance scaling: SageMaker adds
    instances when the components' copies no longer fit and removes idle ones, within that range. A
    minimum of 0 lets the endpoint release every instance once every component has scaled to zero
    copies (scale to zero). Without them the pool keeps ``initial_instance_count`` instances.
    """

    #: Variant name (1-63 alphanumerics or hyphens). Default ``pool``.
    name: str = "pool"
    #: ML instance type shared by the components, e.g. ``ml.g5.12xlarge``.
    instance_type: str
    #: Instances to start with (1-1000). Default 1.
    initial_instance_count: int = 1
    #: Fewest instances managed scaling keeps (0 to ``initial_instance_count``). Default: no managed scaling.
    min_instance_count: int | None = None
    #: Most instances managed scaling starts (``initial_instance_count`` to 1000). Default: no managed scaling.
    max_instance_count: int | None = None
    #: How requests are spread over the instances. Default: least outstanding requests, which suits
    #: components of different sizes sharing instances.
    routing: RequestRouting = RequestRouting.least_outstanding_requests()  # noqa: RUF009 - frozen value
    #: ML storage volume size in GB (1-512). Default: the instance type's default.
    volume_size_gb: int | None = None

    @property
    def managed_scaling(self) -> bool:
        """Whether managed instance scaling is on (both bounds given)."""
        return self.min_instance_count is not None and self.max_instance_count is not None

    @property
    def capacity_instances(self) -> int:
        """The most instances the pool can have: ``max_instance_count``, else ``initial_instance_count``."""
        return self.max_instance_count if self.max_instance_count is not None else self.initial_instance_count

    def problems(self, where: str) -> list[str]:
        """Every rule this pool breaks, prefixed with ``where``."""
        problems: list[str] = []
        if not isinstance(self.name, str) or not VARIANT_NAME.match(self.name):
            problems.append(f"{where}.name: {self.name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
        problems += instance_type_problems(f"{where}.instance_type", self.instance_type)
        problems += _int_problems(f"{where}.initial_instance_count", self.initial_instance_count, 1, MAX_INSTANCES)
        problems += routing_problems(f"{where}.routing", self.routing)
        if self.volume_size_gb is not None:
            problems += _int_problems(f"{where}.volume_size_gb", self.volume_size_gb, 1, 512)
        return problems + self._scaling_problems(where)

    def _scaling_problems(self, where: str) -> list[str]:
        low, high = self.min_instance_count, self.max_instance_count
        if low is None and high is None:
            return []
        if low is None or high is None:
            given, missing = ("min", "max") if low is not None else ("max", "min")
            return [
                f"{where}.{given}_instance_count: given without {missing}_instance_count, which is not allowed; "
                "managed instance scaling needs both"
            ]
        initial = self.initial_instance_count if isinstance(self.initial_instance_count, int) else 1
        problems = _int_problems(
            f"{where}.min_instance_count", low, 0, initial, f" (at most initial_instance_count={initial})"
        )
        problems += _int_problems(
            f"{where}.max_instance_count",
            high,
            max(1, initial),
            MAX_INSTANCES,
            f" (at least initial_instance_count={initial})",
        )
        if isinstance(self.instance_type, str) and is_burstable(self.instance_type):
            problems.append(
                f"{where}.instance_type: {self.instance_type!r} is burstable; SageMaker does not scale ml.t* "
                "instances: use a non-burstable type with managed instance scaling"
            )
        return problems

    def render(self) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        """The variant: instance type and count, managed scaling and routing, and no ``ModelName``."""
        from aws_cdk import aws_sagemaker as sagemaker

        scaling = None
        if self.managed_scaling:
            scaling = sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                status="ENABLED", min_instance_count=self.min_instance_count, max_instance_count=self.max_instance_count
            )
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=self.name,
            instance_type=self.instance_type,
            initial_instance_count=self.initial_instance_count,
            managed_instance_scaling=scaling,
            routing_config=self.routing.bind(),
            volume_size_in_gb=self.volume_size_gb,
        )
