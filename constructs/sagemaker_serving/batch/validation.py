"""The rules ``BatchPredictions`` checks its props against (sources: batch_predictions.py's docstrings)."""

from __future__ import annotations

import re

import aws_cdk as cdk

from sagemaker_serving.batch.instance_types import TRANSFORM_INSTANCE_TYPES
from sagemaker_serving.batch.options import TransformOptions
from sagemaker_serving.schedules import schedule_problems

#: ``<prefix>-`` + a 36-character UUID must fit in a job name's 63 characters.
MAX_JOB_NAME_PREFIX = 26
_JOB_NAME_PREFIX = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,25}$")
_PREFIX = re.compile(r"^[A-Za-z0-9!\-_.*'()/]+/$")
_TRANSFORM_TYPES = frozenset(TRANSFORM_INSTANCE_TYPES)


def props_problems(
    *,
    instance_type: str,
    instance_count: int,
    options: TransformOptions,
    input_prefix: str,
    output_prefix: str,
    schedule: str | None,
    time_zone: str,
    run_on_new_input: bool,
    job_name_prefix: str | None,
    timeout: cdk.Duration,
    api_retries: int,
    job_retries: int,
) -> list[str]:
    """Every rule the props break (see the module and class docstrings for the sources)."""
    problems: list[str] = []
    if instance_type not in _TRANSFORM_TYPES:
        problems.append(
            f"instance_type: {instance_type!r} is not allowed; expected a SageMaker Batch Transform instance "
            "type (TransformInstanceType) such as 'ml.m5.large'"
        )
    if isinstance(instance_count, bool) or not isinstance(instance_count, int) or instance_count < 1:
        problems.append(f"instance_count: {instance_count!r} is not allowed; must be an integer >= 1")
    problems += options.problems("transform")
    for name, prefix in (("input_prefix", input_prefix), ("output_prefix", output_prefix)):
        if not isinstance(prefix, str) or not _PREFIX.match(prefix) or prefix.startswith("/") or "//" in prefix:
            problems.append(
                f"{name}: {prefix!r} is not allowed; expected an S3 key prefix such as 'input/' "
                "(safe characters, ending in '/', not starting with '/')"
            )
    overlap = isinstance(input_prefix, str) and isinstance(output_prefix, str)
    if overlap and (input_prefix.startswith(output_prefix) or output_prefix.startswith(input_prefix)):
        problems.append(
            f"output_prefix: {output_prefix!r} overlaps input_prefix {input_prefix!r}; they must not contain "
            "each other (a job would read its own predictions, and a new-input trigger would loop)"
        )
    if schedule is None and not run_on_new_input:
        problems.append("schedule: None with run_on_new_input False would never run; set a schedule or turn it on")
    if schedule is not None:
        problems += schedule_problems("schedule", schedule)
    if time_zone != "UTC":
        from zoneinfo import available_timezones

        if time_zone not in available_timezones():
            problems.append(f"time_zone: {time_zone!r} is not an IANA time zone such as 'Europe/Paris'")
    if job_name_prefix is not None and not (
        isinstance(job_name_prefix, str) and _JOB_NAME_PREFIX.match(job_name_prefix)
    ):
        problems.append(
            f"job_name_prefix: {job_name_prefix!r} is not allowed; expected 1-{MAX_JOB_NAME_PREFIX} alphanumerics "
            "or hyphens (a job name is '<prefix>-<36-character UUID>', at most 63 characters)"
        )
    if not timeout.is_unresolved() and not 60 <= timeout.to_seconds() <= 7 * 24 * 3600:
        problems.append(f"timeout: {timeout.to_human_string()} is not allowed; must be from 1 minute to 7 days")
    for name, value, high in (("api_retries", api_retries, 10), ("job_retries", job_retries, 3)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            problems.append(f"{name}: {value!r} is not allowed; must be an integer from 0 to {high}")
    return problems
