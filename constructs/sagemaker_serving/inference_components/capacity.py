"""What one copy of an inference component asks for, and whether the copies fit in their instance pool.

``InferenceComponentComputeResourceRequirements``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html):
``NumberOfCpuCoresRequired`` (at least 0.25), ``NumberOfAcceleratorDevicesRequired`` (at least 1, GPUs or
Inferentia devices), ``MinMemoryRequiredInMb`` (required, at least 128) and ``MaxMemoryRequiredInMb`` (at
least 128). SageMaker places each copy on one instance, so one copy must fit one instance of the pool
(:mod:`sagemaker_serving.instance_specs`), and all copies together must fit in the most instances the
pool may have. Both checks are necessary conditions, not a placement: SageMaker keeps part of each
instance for itself and packs copies one instance at a time, so a pool that passes them can still run
out of room; one that fails them certainly does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sagemaker_serving.instance_specs import CHECKED_ON, InstanceSpec, instance_spec

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

    from sagemaker_serving.inference_components.pool import InstancePool

MIN_CPU_CORES = 0.25
MIN_MEMORY_MB = 128


@dataclass(frozen=True, kw_only=True)
class ComputeRequirements:
    """The resources one copy of an inference component reserves on an instance.

    Example: ``ComputeRequirements(cpu_cores=2, min_memory_mb=4096, accelerators=1)``.
    """

    #: Memory reserved for one copy, in MB (at least 128). Required.
    min_memory_mb: int
    #: CPU cores reserved for one copy (at least 0.25). Default: none reserved.
    cpu_cores: float | None = None
    #: Memory limit of one copy, in MB (at least ``min_memory_mb``). Default: none.
    max_memory_mb: int | None = None
    #: Accelerator devices (GPUs) for one copy (a whole number, at least 1). Default: none.
    accelerators: int | None = None

    def problems(self, where: str) -> list[str]:
        """Every rule of the API's minimums this breaks, prefixed with ``where``."""
        problems = []
        low = self.min_memory_mb
        if isinstance(low, bool) or not isinstance(low, int) or low < MIN_MEMORY_MB:
            problems.append(f"{where}.min_memory_mb: {low!r} is not allowed; must be an integer ≥ {MIN_MEMORY_MB}")
        high = self.max_memory_mb
        if high is not None:
            low_ok = isinstance(low, int) and not isinstance(low, bool) and low >= MIN_MEMORY_MB
            floor = low if low_ok else MIN_MEMORY_MB
            if isinstance(high, bool) or not isinstance(high, int) or high < floor:
                problems.append(
                    f"{where}.max_memory_mb: {high!r} is not allowed; must be an integer ≥ {floor} (min_memory_mb)"
                )
        cores = self.cpu_cores
        if cores is not None and (
            isinstance(cores, bool) or not isinstance(cores, (int, float)) or cores < MIN_CPU_CORES
        ):
            problems.append(f"{where}.cpu_cores: {cores!r} is not allowed; must be a number ≥ {MIN_CPU_CORES}")
        devices = self.accelerators
        if devices is not None and (isinstance(devices, bool) or not isinstance(devices, int) or devices < 1):
            problems.append(f"{where}.accelerators: {devices!r} is not allowed; must be an integer ≥ 1")
        return problems

    def render(self) -> sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty:
        """The specification's ``ComputeResourceRequirements``."""
        from aws_cdk import aws_sagemaker as sagemaker

        return sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
            min_memory_required_in_mb=self.min_memory_mb,
            max_memory_required_in_mb=self.max_memory_mb,
            number_of_cpu_cores_required=self.cpu_cores,
            number_of_accelerator_devices_required=self.accelerators,
        )


def _amounts(compute: ComputeRequirements) -> tuple[float, int, int]:
    return compute.cpu_cores or 0.0, compute.min_memory_mb, compute.accelerators or 0


def _offer(spec: InstanceSpec) -> tuple[float, int, int]:
    return float(spec.vcpus), spec.memory_mib, spec.accelerators


_RESOURCES = (
    ("cpu_cores", "CPU cores", "vCPUs"),
    ("min_memory_mb", "MB of memory", "MiB"),
    ("accelerators", "accelerators", "GPUs"),
)


def copy_fit_problems(where: str, compute: ComputeRequirements, instance_type: str) -> list[str]:
    """Whether one copy fits one instance of ``instance_type`` (nothing is checked for a type the table lacks)."""
    spec = instance_spec(instance_type)
    if spec is None:
        return []
    problems = []
    for (field, what, unit), asked, offered in zip(_RESOURCES, _amounts(compute), _offer(spec), strict=True):
        if asked > offered:
            problems.append(
                f"{where}.{field}: {asked:g} {what} per copy is not allowed on {instance_type}, which has {offered:g} "
                f"{unit} (EC2 specifications, checked {CHECKED_ON}); one copy must fit on one instance"
            )
    if compute.max_memory_mb is not None and compute.max_memory_mb > spec.memory_mib:
        problems.append(
            f"{where}.max_memory_mb: {compute.max_memory_mb} MB is not allowed on {instance_type}, which has "
            f"{spec.memory_mib} MiB (EC2 specifications, checked {CHECKED_ON})"
        )
    return problems


def copies_per_instance(compute: ComputeRequirements, spec: InstanceSpec) -> int:
    """How many copies fit on one instance by every resource they ask for (0 when one does not)."""
    pairs = zip(_amounts(compute), _offer(spec), strict=True)
    fits = [math.floor(offered / asked) for asked, offered in pairs if asked]
    return min(fits) if fits else 0


@dataclass(frozen=True)
class Demand:
    """The most copies one component may run, for the pool check."""

    #: How the component is named in messages, e.g. ``'fraud' (3 copies at most: autoscaling.max_copies)``.
    label: str
    compute: ComputeRequirements
    copies: int


def pool_capacity_problems(where: str, pool: InstancePool, demands: Sequence[Demand]) -> list[str]:
    """Whether the components' copies fit in the pool's most instances (``max_instance_count``, or
    ``initial_instance_count`` without managed scaling), resource by resource and component by component."""
    spec = instance_spec(pool.instance_type)
    if spec is None or not demands:
        return []
    instances = pool.capacity_instances
    bound = "max_instance_count" if pool.max_instance_count is not None else "initial_instance_count"
    room = f"{instances} × {pool.instance_type} ({bound} {instances})"
    fix = f"lower the copy counts or requirements, or raise the pool's {bound}"
    problems = []
    for (_field, what, unit), offered, index in zip(_RESOURCES, _offer(spec), range(3), strict=True):
        total = sum(d.copies * _amounts(d.compute)[index] for d in demands)
        if total > instances * offered:
            parts = " + ".join(f"{d.copies} × {_amounts(d.compute)[index]:g} ({d.label})" for d in demands)
            problems.append(
                f"{where}: {parts} = {total:g} {what} is not allowed; {room} offers "
                f"{instances * offered:g} {unit}: {fix}"
            )
    for d in demands:
        per_instance = copies_per_instance(d.compute, spec)
        if per_instance and math.ceil(d.copies / per_instance) > instances:
            problems.append(
                f"{where}: {d.copies} copies of {d.label} need {math.ceil(d.copies / per_instance)} instances "
                f"({per_instance} per {pool.instance_type}), which is not allowed; the pool has at most {room}: {fix}"
            )
    return problems
