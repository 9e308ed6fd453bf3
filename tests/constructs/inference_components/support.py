"""Helpers shared by the inference component tests: one copy's compute, and an endpoint on an instance pool."""

from __future__ import annotations

import aws_cdk as cdk

from sagemaker_serving import ComponentEndpointConfig, ComputeRequirements, Endpoint, InstancePool

ONE_CPU = ComputeRequirements(cpu_cores=1, min_memory_mb=1024)


def pool_endpoint(stack: cdk.Stack, **pool: object) -> Endpoint:
    """An endpoint served from a ComponentEndpointConfig whose pool is ``ml.m5.xlarge`` unless given."""
    pool = {"instance_type": "ml.m5.xlarge", **pool}
    config = ComponentEndpointConfig(stack, "Config", pool=InstancePool(**pool))  # type: ignore[arg-type]
    return Endpoint(stack, "Endpoint", endpoint_config=config)
