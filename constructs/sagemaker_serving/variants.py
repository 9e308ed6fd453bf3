"""Production variants: value objects describing how one model is served in an endpoint config."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sagemaker_serving.instance_types import HOSTING_INSTANCE_TYPES
from sagemaker_serving.routing import RequestRouting, routing_problems

if TYPE_CHECKING:
    from sagemaker_serving.model import ModelBase

VARIANT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_HOSTING_INSTANCE_TYPES = frozenset(HOSTING_INSTANCE_TYPES)
# Families whose instances have local NVMe storage, which SageMaker encrypts in hardware and for
# which CreateEndpointConfig rejects a KmsKeyId.
_LOCAL_STORAGE_FAMILIES = frozenset({"g5", "g6", "g6e", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2"})
_HAS_D_SUFFIX = re.compile(r"^[a-z]+[0-9]+[a-z]*d[a-z]*$")  # m5d, c5d, r5d, g4dn, p3dn, p4d, m6id ...


def instance_family(instance_type: str) -> str:
    """``ml.g4dn.xlarge`` → ``g4dn``."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 else ""


def has_local_storage(instance_type: str) -> bool:
    """Whether an instance type has local (instance store) volumes, so no KMS key may be set."""
    family = instance_family(instance_type)
    return family in _LOCAL_STORAGE_FAMILIES or bool(_HAS_D_SUFFIX.match(family))


def is_burstable(instance_type: str) -> bool:
    """Whether an instance type is a burstable ``ml.t*`` type (not allowed with autoscaling)."""
    return instance_family(instance_type).startswith("t")


def instance_type_problems(where: str, instance_type: object) -> list[str]:
    """Why ``instance_type`` is not a real-time hosting instance type (with close matches), if it is not.

    The allowed values are ``ProductionVariantInstanceType`` (:mod:`sagemaker_serving.instance_types`).
    """
    if isinstance(instance_type, str) and instance_type in _HOSTING_INSTANCE_TYPES:
        return []
    hint = ""
    if isinstance(instance_type, str):
        # Suggest sizes of the same family first ("ml.m5.3xlarge" → ml.m5 sizes), else any close type.
        family = instance_family(instance_type)
        sizes = [t.split(".")[2] for t in HOSTING_INSTANCE_TYPES if instance_family(t) == family]
        same_family = [f"ml.{family}.{size}" for size in sizes]
        fixed = [t for t in (instance_type.lower(), f"ml.{instance_type.lower()}") if t in _HOSTING_INSTANCE_TYPES]
        close = fixed or difflib.get_close_matches(
            instance_type, same_family or HOSTING_INSTANCE_TYPES, n=2, cutoff=0.8
        )
        if close:
            hint = "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        if sizes:
            hint += f" (ml.{family} sizes: {', '.join(sizes)})"
    return [
        f"{where}: {instance_type!r} is not allowed; expected a SageMaker real-time hosting instance type "
        f"(ProductionVariantInstanceType) such as 'ml.m5.large'{hint}"
    ]


def _common_problems(where: str, name: str, initial_weight: float) -> list[str]:
    problems = []
    if not VARIANT_NAME.match(name):
        problems.append(f"{where}.name: {name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
    if not isinstance(initial_weight, (int, float)) or isinstance(initial_weight, bool) or initial_weight <= 0:
        problems.append(f"{where}.initial_weight: {initial_weight!r} is not allowed; must be > 0")
    return problems


def _int_in(where: str, value: object, low: int, high: int, what: str = "") -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [f"{where}: {value!r} is not allowed; must be an integer from {low} to {high}{what}"]
    return []


@dataclass(frozen=True, kw_only=True)
class InstanceVariant:
    """A production variant on dedicated ML instances.

    With ``initial_instance_count`` of 2 or more, SageMaker spreads the instances over Availability
    Zones.
    """

    #: Variant name, unique within the endpoint config.
    name: str
    #: The model this variant serves (created here or imported with ``Model.from_model_name``).
    model: ModelBase
    #: ML instance type, e.g. ``ml.m5.large``: one of :data:`~sagemaker_serving.instance_types.HOSTING_INSTANCE_TYPES`.
    instance_type: str
    #: Instances to start with (1-1000). Default 1; use 2+ in production for AZ redundancy.
    initial_instance_count: int = 1
    #: Relative share of traffic (> 0). Default 1.
    initial_weight: float = 1.0
    #: ML storage volume size in GB (1-512). Default: the instance type's default.
    volume_size_gb: int | None = None
    #: Time allowed to download the model (60-3600 s). Default: SageMaker's default.
    model_data_download_timeout_seconds: int | None = None
    #: Time allowed for the container to pass its health check (60-3600 s). Default: SageMaker's.
    container_startup_timeout_seconds: int | None = None
    #: How requests are spread over the variant's instances (:class:`~sagemaker_serving.RequestRouting`).
    #: Default: none set, SageMaker's (random).
    routing: RequestRouting | None = None

    def problems(self, where: str) -> list[str]:
        """Every rule this variant breaks, prefixed with ``where``."""
        problems = _common_problems(where, self.name, self.initial_weight)
        problems += instance_type_problems(f"{where}.instance_type", self.instance_type)
        problems += routing_problems(f"{where}.routing", self.routing)
        problems += _int_in(f"{where}.initial_instance_count", self.initial_instance_count, 1, 1000)
        if self.volume_size_gb is not None:
            problems += _int_in(f"{where}.volume_size_gb", self.volume_size_gb, 1, 512)
        if self.model_data_download_timeout_seconds is not None:
            problems += _int_in(
                f"{where}.model_data_download_timeout_seconds", self.model_data_download_timeout_seconds, 60, 3600
            )
        if self.container_startup_timeout_seconds is not None:
            problems += _int_in(
                f"{where}.container_startup_timeout_seconds", self.container_startup_timeout_seconds, 60, 3600
            )
        return problems


@dataclass(frozen=True, kw_only=True)
class ServerlessVariant:
    """A serverless production variant: no instances, pay per request, scales to zero."""

    #: Variant name, unique within the endpoint config.
    name: str
    #: The model this variant serves (created here or imported with ``Model.from_model_name``).
    model: ModelBase
    #: Memory in MB: 1024 to 6144 in steps of 1024. Default 2048.
    memory_size_mb: int = 2048
    #: Concurrent invocations (1-200). Default 5.
    max_concurrency: int = 5
    #: Pre-initialised concurrency (1 to ``max_concurrency``), billed while idle. Default: none.
    provisioned_concurrency: int | None = None
    #: Relative share of traffic (> 0). Default 1.
    initial_weight: float = 1.0

    def problems(self, where: str) -> list[str]:
        """Every rule this variant breaks, prefixed with ``where``."""
        problems = _common_problems(where, self.name, self.initial_weight)
        memory = self.memory_size_mb
        if isinstance(memory, bool) or not isinstance(memory, int) or memory not in range(1024, 6145, 1024):
            problems.append(
                f"{where}.memory_size_mb: {memory!r} is not allowed; must be one of 1024, 2048, 3072, 4096, 5120, 6144"
            )
        problems += _int_in(f"{where}.max_concurrency", self.max_concurrency, 1, 200)
        # Serverless Inference supports neither VPC configuration nor network isolation. An imported
        # model may not say (vpc/network_isolation None): SageMaker then checks it at deploy time.
        if self.model.vpc is not None or self.model.security_groups:
            problems.append(
                f"{where}.model: runs in a VPC, which serverless variants do not support; use an instance variant"
            )
        if self.model.network_isolation:
            problems.append(
                f"{where}.model: has network isolation, which serverless variants do not support; "
                "use an instance variant"
            )
        if self.provisioned_concurrency is not None:
            upper = self.max_concurrency if isinstance(self.max_concurrency, int) else 200
            problems += _int_in(
                f"{where}.provisioned_concurrency",
                self.provisioned_concurrency,
                1,
                max(1, min(upper, 200)),
                f" (at most max_concurrency={self.max_concurrency!r})",
            )
        return problems


Variant = InstanceVariant | ServerlessVariant
