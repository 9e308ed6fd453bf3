"""The inference options beside real-time variants: asynchronous inference, inference components on an
instance pool, and scheduled batch predictions, with the rules of the file about them (where each is
allowed, the models they name, one-of choices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stacks.config.errors import _unknown_model
from stacks.config.values import Days, Routing, Seconds

if TYPE_CHECKING:
    from sagemaker_serving import ScheduledCapacity, TransformOptions
    from stacks.config.environment import EnvironmentConfig
else:
    from stacks.config.values import ScheduledCapacity, TransformOptions


@dataclass(frozen=True, kw_only=True)
class AsyncConfig:
    """Asynchronous inference of one environment (``sagemaker_serving.AsyncInferenceConfig``): its endpoint takes
    ``InvokeEndpointAsync`` only, its front door ``POST /async-invocations`` and ``GET /async-invocations/{id}``,
    and its variants' ``autoscaling`` tables scale on the request backlog, down to ``min_capacity = 0``.

    A new secure bucket (KMS, TLS-only, no public access, lifecycle expiry) and encrypted success and error
    topics are created. Ranges are the construct's.
    """

    #: Requests SageMaker sends each instance at once (1-1000). Default: SageMaker's choice.
    max_concurrent_invocations_per_instance: int | None = None
    #: ``InvocationTimeoutSeconds`` of each request (1-3600). Default: the construct's (900).
    invocation_timeout_seconds: Seconds | None = None
    #: ``RequestTTLSeconds``: how long a request may wait in the queue (60-21600). Default: the construct's (21600).
    request_ttl_seconds: Seconds | None = None
    #: Days requests, results and failures are kept in the bucket. Default: the construct's (7).
    expiration_days: Days | None = None


@dataclass(frozen=True, kw_only=True)
class InstancePoolConfig:
    """The instances an environment's inference components share (``sagemaker_serving.InstancePool``)."""

    instance_type: str
    #: The pool's variant name. Default: the construct's (``pool``).
    name: str | None = None
    initial_instance_count: int | None = None
    #: Managed instance scaling (both or neither): fewest instances, 0 to release them all once every
    #: component has scaled to zero.
    min_instance_count: int | None = None
    max_instance_count: int | None = None
    #: Default: the construct's (least outstanding requests).
    routing: Routing | None = None
    volume_size_gb: int | None = None


@dataclass(frozen=True, kw_only=True)
class ComponentAutoscalingConfig:
    """Autoscaling of one component's copies (``sagemaker_serving.ComponentAutoscaling``); ``min_copies = 0``
    scales it to zero (the first request then waits minutes: docs/inference_components.md)."""

    min_copies: int
    max_copies: int
    #: Target tracking on invocations per copy per minute (default: the construct's, 100) ...
    target_invocations_per_copy: float | None = None
    #: ... or on concurrent requests per copy (not both).
    target_concurrent_requests_per_copy: float | None = None
    scale_in_cooldown_seconds: Seconds | None = None
    scale_out_cooldown_seconds: Seconds | None = None
    #: Cooldown of the step policy that brings the first copy back. Default: the construct's (300 s).
    wake_cooldown_seconds: Seconds | None = None
    #: Copy counts (0 allowed) on a schedule.
    schedules: tuple[ScheduledCapacity, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class RollingUpdateConfig:
    """How a component's updates roll out (``sagemaker_serving.ComponentRollingUpdate``): batches of copies or of a
    percentage (one of the two; default the construct's, 50 %), rolled back when a named alarm fires."""

    maximum_batch_copies: int | None = None
    maximum_batch_percent: int | None = None
    wait_interval_seconds: Seconds | None = None
    maximum_execution_timeout_seconds: Seconds | None = None
    rollback_maximum_batch_copies: int | None = None
    rollback_maximum_batch_percent: int | None = None
    #: Names of existing CloudWatch alarms of the environment's account and region (1-10).
    rollback_alarms: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InferenceComponentConfig:
    """One model on the environment's instance pool (``sagemaker_serving.InferenceComponent``)."""

    #: How callers name it: ``POST /models/<name>/invocations``.
    name: str
    #: A key of ``[models]``.
    model: str
    #: Memory one copy reserves, in MB.
    min_memory_mb: int
    cpu_cores: float | None = None
    max_memory_mb: int | None = None
    #: GPUs one copy reserves.
    accelerators: int | None = None
    #: Copies at creation. Default: the construct's (1).
    copy_count: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    autoscaling: ComponentAutoscalingConfig | None = None
    rolling_update: RollingUpdateConfig | None = None


@dataclass(frozen=True, kw_only=True)
class DynamoDbLoadingConfig:
    """Load each run's predictions into DynamoDB (``sagemaker_serving.DynamoDbLoading``)."""

    #: The field of each output record holding its key.
    partition_key_field: str
    max_concurrency: int | None = None


@dataclass(frozen=True, kw_only=True)
class BatchJobConfig:
    """Scheduled batch predictions of one model (``sagemaker_serving.BatchPredictions``)."""

    #: Unique per environment: letters, digits and hyphens (the construct is ``Batch<Name>``).
    name: str
    #: A key of ``[models]``.
    model: str
    instance_type: str | None = None
    instance_count: int | None = None
    #: ``false``: no schedule (then ``run_on_new_input`` must be on). Default: the construct's schedule.
    scheduled: bool = True
    #: EventBridge Scheduler expression. Default: the construct's (02:00 daily).
    schedule: str | None = None
    time_zone: str | None = None
    run_on_new_input: bool | None = None
    input_prefix: str | None = None
    output_prefix: str | None = None
    job_name_prefix: str | None = None
    timeout_seconds: Seconds | None = None
    api_retries: int | None = None
    job_retries: int | None = None
    #: How records are split, batched and assembled: a ``sagemaker_serving.TransformOptions``.
    transform: TransformOptions | None = None
    #: Load the predictions into a new DynamoDB table. Default: none.
    dynamodb: DynamoDbLoadingConfig | None = None


_BATCH_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")


def _batch_job_problems(jobs: tuple[BatchJobConfig, ...], model_keys: set[str]) -> list[str]:
    """Names unique and usable as construct IDs; each job's model is a model of the file."""
    problems = []
    seen: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if not _BATCH_NAME.match(job.name):
            problems.append(
                f"batch_jobs[{i}].name: {job.name!r} is not allowed; use 1-63 letters, digits and hyphens, "
                "starting with a letter"
            )
        if job.name in seen:
            problems.append(f"batch_jobs[{i}].name: {job.name!r} is already used by batch_jobs[{seen[job.name]}]")
        seen.setdefault(job.name, i)
        if job.model not in model_keys:
            problems.append(_unknown_model(f"batch_jobs[{i}]", job.model, model_keys))
        if not job.scheduled and job.schedule is not None:
            problems.append(f"batch_jobs[{i}].schedule: {job.schedule!r} is not allowed with scheduled = false")
    return problems


def _component_problems(env: EnvironmentConfig, model_keys: set[str]) -> list[str]:
    """The pool, its components and the shadow variant: where each is allowed, their models, one-of choices."""
    problems = []
    if env.instance_pool is not None:
        others = [k for k in ("instance_variants", "serverless_variants") if getattr(env, k)]
        if others:
            problems.append(
                f"instance_pool: not allowed with {' and '.join(others)}; an environment serves either variants "
                "or inference components on an instance pool"
            )
        if not env.inference_components:
            problems.append("instance_pool: has no inference_components; add at least one [[...inference_components]]")
    elif env.inference_components:
        problems.append("inference_components: not allowed without instance_pool; add an instance_pool table")
    if env.shadow_variant is not None and not env.instance_variants:
        problems.append("shadow_variant: only allowed with instance_variants (SageMaker shadow tests need one)")
    named = [(f"inference_components[{i}]", c.model) for i, c in enumerate(env.inference_components)]
    named += [("shadow_variant", env.shadow_variant.model)] if env.shadow_variant is not None else []
    for where, model in named:
        if model not in model_keys:
            problems.append(_unknown_model(where, model, model_keys))
    for i, c in enumerate(env.inference_components):
        a, r = c.autoscaling, c.rolling_update
        pairs = [
            (a, "autoscaling", "target_invocations_per_copy", "target_concurrent_requests_per_copy"),
            (r, "rolling_update", "maximum_batch_copies", "maximum_batch_percent"),
            (r, "rolling_update", "rollback_maximum_batch_copies", "rollback_maximum_batch_percent"),
        ]
        for table, key, one, other in pairs:
            if table is not None and getattr(table, one) is not None and getattr(table, other) is not None:
                problems.append(f"inference_components[{i}].{key}: set {one} or {other}, not both")
    return problems


def _pool_combination_problems(env: EnvironmentConfig) -> list[str]:
    """``async_inference`` beside an instance pool: the stack could not pass it on, so it is refused here.

    An endpoint is real-time (variants), asynchronous (``async_inference``, on instance variants) or an instance
    pool of inference components (real-time, ``InvokeEndpoint`` with an ``InferenceComponentName``): a
    ``ComponentEndpointConfig`` has no ``AsyncInferenceConfig``. (A ``deployment`` table there is the
    ``Endpoint``'s own rule, reported by the stack.)
    """
    if env.instance_pool is None and not env.inference_components:
        return []
    problems = []
    if env.async_inference is not None:
        problems.append(
            "async_inference: not allowed with instance_pool/inference_components; an endpoint is either "
            "asynchronous (async_inference on instance_variants) or an instance pool of inference components "
            "(real-time): remove the async_inference table or serve the models with instance_variants"
        )
    if env.data_capture is not None:
        problems.append(
            "data_capture: not allowed with instance_pool/inference_components; data capture is configured on "
            "an endpoint config of variants (ComponentEndpointConfig takes none): remove the data_capture table "
            "or serve the models with instance_variants"
        )
    return problems
