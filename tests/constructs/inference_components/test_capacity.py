"""Capacity: one copy must fit on one instance and all copies on the pool's most instances, by the instance
specifications table; a type not in the table is not checked."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ComputeRequirements,
    ContainerImage,
    InferenceComponent,
    Model,
    RequestRouting,
    ValidationError,
)
from sagemaker_serving.instance_specs import INSTANCE_SPECS, instance_spec
from tests.constructs.inference_components.support import pool_endpoint as _endpoint


def test_one_copy_must_fit_on_one_instance(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "Big",
            endpoint=_endpoint(stack),
            name="big",
            model=model,
            compute=ComputeRequirements(cpu_cores=8, min_memory_mb=20_000, max_memory_mb=40_000, accelerators=1),
        )
    assert info.value.problems == (
        "compute.cpu_cores: 8 CPU cores per copy is not allowed on ml.m5.xlarge, which has 4 vCPUs (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.min_memory_mb: 20000 MB of memory per copy is not allowed on ml.m5.xlarge, which has 16384 MiB (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.accelerators: 1 accelerators per copy is not allowed on ml.m5.xlarge, which has 0 GPUs (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
        "compute.max_memory_mb: 40000 MB is not allowed on ml.m5.xlarge, which has 16384 MiB (EC2 specifications, checked 2026-11-30)",
    )


def test_all_copies_must_fit_in_the_most_instances(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, initial_instance_count=1, min_instance_count=1, max_instance_count=2)
    InferenceComponent(
        stack,
        "A",
        endpoint=endpoint,
        name="a",
        model=model,
        compute=ComputeRequirements(cpu_cores=2, min_memory_mb=1024),
        copy_count=2,
    )
    with pytest.raises(ValidationError) as info:
        InferenceComponent(
            stack,
            "B",
            endpoint=endpoint,
            name="b",
            model=model,
            compute=ComputeRequirements(cpu_cores=3, min_memory_mb=1024),
            copy_count=2,
        )
    assert info.value.problems == (
        "copy_count: 2 × 2 ('a') + 2 × 3 ('b') = 10 CPU cores is not allowed; 2 × ml.m5.xlarge (max_instance_count 2) offers 8 vCPUs: lower the copy counts or requirements, or raise the pool's max_instance_count",
    )
    # Without managed scaling the bound is the initial count.
    other = cdk.Stack(cdk.App(), "Other")
    fixed = _endpoint(other, initial_instance_count=1)
    model_b = Model(other, "M", image=ContainerImage.sklearn())
    with pytest.raises(
        ValidationError,
        match=r"need 2 instances \(1 per ml.m5.xlarge\), which is not allowed; the pool has at most 1 × ml.m5.xlarge \(initial_instance_count 1\)",
    ):
        InferenceComponent(
            other,
            "C",
            endpoint=fixed,
            name="c",
            model=model_b,
            compute=ComputeRequirements(cpu_cores=3, min_memory_mb=1024),
            copy_count=2,
        )


def test_instance_spec_table() -> None:
    assert instance_spec("ml.g5.12xlarge") is not None
    assert instance_spec("ml.g5.12xlarge") == INSTANCE_SPECS["ml.g5.12xlarge"]
    spec = INSTANCE_SPECS["ml.g5.12xlarge"]
    assert (spec.vcpus, spec.memory_mib, spec.accelerators) == (48, 192 * 1024, 4)
    assert (INSTANCE_SPECS["ml.c5.9xlarge"].vcpus, INSTANCE_SPECS["ml.c5.9xlarge"].memory_mib) == (36, 72 * 1024)
    assert INSTANCE_SPECS["ml.r7i.48xlarge"].memory_mib == 1536 * 1024
    assert instance_spec("ml.inf2.xlarge") is None  # not in the table: not checked


def test_every_tabled_type_is_a_hosting_type() -> None:
    from sagemaker_serving.instance_types import HOSTING_INSTANCE_TYPES

    assert set(INSTANCE_SPECS) <= set(HOSTING_INSTANCE_TYPES)


def test_unknown_instance_types_are_not_checked(stack: cdk.Stack, model: Model) -> None:
    endpoint = _endpoint(stack, instance_type="ml.inf2.xlarge", routing=RequestRouting.random())
    InferenceComponent(
        stack,
        "A",
        endpoint=endpoint,
        name="a",
        model=model,
        compute=ComputeRequirements(min_memory_mb=1024, accelerators=4),
        copy_count=50,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"RoutingConfig": {"RoutingStrategy": "RANDOM"}})]},
    )
