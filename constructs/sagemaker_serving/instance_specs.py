"""vCPUs, memory and accelerators of SageMaker hosting instance types: a dated table, read from AWS's docs.

An ``ml.<type>`` hosting instance is the EC2 instance ``<type>``, so the numbers are EC2's, from its
instance type specifications (checked 2026-11-30):

- general purpose (m5, m5d, m6i, m7i): https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html
- compute optimized (c5, c5d, c6i, c7i): https://docs.aws.amazon.com/ec2/latest/instancetypes/co.html
- memory optimized (r5, r5d, r6i, r7i): https://docs.aws.amazon.com/ec2/latest/instancetypes/mo.html
- accelerated computing (g4dn, g5, g6, p4d, p5): https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html,
  GPUs per size also in the AWS Batch table https://docs.aws.amazon.com/batch/latest/userguide/gpu-jobs.html

Used by :class:`~sagemaker_serving.InferenceComponent` to check that one copy's
``ComputeResourceRequirements`` can fit on an instance of its pool at all. The check is an upper bound:
SageMaker keeps part of each instance for its own agents, so a copy that needs exactly an instance's
memory passes here and still fails to place. Instance types missing from the table (older, burstable,
Inferentia and Trainium families, whose accelerator counting SageMaker's docs do not state) are not
checked; :func:`instance_spec` returns ``None`` for them. Extend :data:`INSTANCE_SPECS` after reading
the same pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

#: Date the numbers below were read from the pages in the module docstring.
CHECKED_ON: Final = "2026-11-30"


@dataclass(frozen=True)
class InstanceSpec:
    """What one instance offers inference component copies."""

    #: Virtual CPUs (``NumberOfCpuCoresRequired`` is counted against these).
    vcpus: int
    #: Memory in MiB (GiB × 1024; ``MinMemoryRequiredInMb`` is counted against it).
    memory_mib: int
    #: NVIDIA GPUs (``NumberOfAcceleratorDevicesRequired``); 0 for CPU-only types.
    accelerators: int = 0


# vCPUs per size of the x86 families above: the same sizes give the same vCPUs across m/c/r.
_VCPUS = {
    "large": 2,
    "xlarge": 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "9xlarge": 36,
    "12xlarge": 48,
    "16xlarge": 64,
    "18xlarge": 72,
    "24xlarge": 96,
    "32xlarge": 128,
    "48xlarge": 192,
}
# (family, GiB of memory per vCPU, sizes the family has as a SageMaker hosting type).
_CPU_FAMILIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("m5", 4, ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
    ("m5d", 4, ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
    ("c5", 2, ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge")),
    ("c5d", 2, ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge")),
    ("r5", 8, ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
    ("r5d", 8, ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")),
    ("m6i", 4, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge")),
    ("c6i", 2, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge")),
    ("r6i", 8, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge")),
    ("m7i", 4, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge")),
    ("c7i", 2, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge")),
    ("r7i", 8, ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge")),
)
# GPU instance types: (type, vCPUs, memory GiB, GPUs).
_GPU_TYPES: tuple[tuple[str, int, int, int], ...] = (
    ("g4dn.xlarge", 4, 16, 1),
    ("g4dn.2xlarge", 8, 32, 1),
    ("g4dn.4xlarge", 16, 64, 1),
    ("g4dn.8xlarge", 32, 128, 1),
    ("g4dn.12xlarge", 48, 192, 4),
    ("g4dn.16xlarge", 64, 256, 1),
    ("g5.xlarge", 4, 16, 1),
    ("g5.2xlarge", 8, 32, 1),
    ("g5.4xlarge", 16, 64, 1),
    ("g5.8xlarge", 32, 128, 1),
    ("g5.12xlarge", 48, 192, 4),
    ("g5.16xlarge", 64, 256, 1),
    ("g5.24xlarge", 96, 384, 4),
    ("g5.48xlarge", 192, 768, 8),
    ("g6.xlarge", 4, 16, 1),
    ("g6.2xlarge", 8, 32, 1),
    ("g6.4xlarge", 16, 64, 1),
    ("g6.8xlarge", 32, 128, 1),
    ("g6.12xlarge", 48, 192, 4),
    ("g6.16xlarge", 64, 256, 1),
    ("g6.24xlarge", 96, 384, 4),
    ("g6.48xlarge", 192, 768, 8),
    ("p4d.24xlarge", 96, 1152, 8),
    ("p5.48xlarge", 192, 2048, 8),
)


def _table() -> dict[str, InstanceSpec]:
    table = {
        f"ml.{family}.{size}": InstanceSpec(vcpus=_VCPUS[size], memory_mib=_VCPUS[size] * per_vcpu * 1024)
        for family, per_vcpu, sizes in _CPU_FAMILIES
        for size in sizes
    }
    for name, vcpus, memory_gib, gpus in _GPU_TYPES:
        table[f"ml.{name}"] = InstanceSpec(vcpus=vcpus, memory_mib=memory_gib * 1024, accelerators=gpus)
    return table


#: ``ml.<type>`` → its :class:`InstanceSpec`, for the instance types whose numbers were checked.
INSTANCE_SPECS: Final[Mapping[str, InstanceSpec]] = MappingProxyType(_table())


def instance_spec(instance_type: str) -> InstanceSpec | None:
    """The :class:`InstanceSpec` of ``instance_type``, or ``None`` when the table does not have it."""
    return INSTANCE_SPECS.get(instance_type)
