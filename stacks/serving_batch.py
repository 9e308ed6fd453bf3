"""The batch predictions of an environment (``[[environments.<env>.batch_jobs]]``): one ``BatchPredictions`` each.

Kept apart from :mod:`stacks.serving_endpoint` so that an environment without batch jobs loads none of
the batch modules (Step Functions, Scheduler, EventBridge, DynamoDB, SNS cost synth time). Only the
settings the file gives are passed; the construct's documented defaults apply to the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving import Model
from stacks.config import BatchJobConfig, EnvironmentConfig, ModelConfig
from stacks.serving_endpoint import Problems, given, prefixed

if TYPE_CHECKING:
    from sagemaker_serving import BatchPredictions, ServingNetwork

#: ``BatchPredictions`` props (and parts of their messages) → the ``batch_jobs`` table's keys.
BATCH_KEYS = {"timeout": "timeout_seconds", "loading": "dynamodb"}


def compose_batch(
    scope: Construct,
    config: EnvironmentConfig,
    models: dict[str, ModelConfig],
    built: dict[str, Model],
    *,
    network: ServingNetwork | None,
    problems: Problems,
) -> list[BatchPredictions]:
    """One ``BatchPredictions`` per batch job of ``config``; a model no variant serves is created here."""
    if not config.batch_jobs:
        return []
    from sagemaker_serving import BatchPredictions

    jobs = []
    for i, job in enumerate(config.batch_jobs):
        model = built.get(job.model) or _model(scope, job.model, models[job.model], config, network, problems)
        if model is None:
            continue
        built[job.model] = model
        with problems.at(prefixed(f"batch_jobs[{i}].", BATCH_KEYS)):
            jobs.append(BatchPredictions(scope, _construct_id(job), model=model, **batch_props(job)))
    return jobs


def batch_props(job: BatchJobConfig) -> dict[str, Any]:
    """``BatchPredictions`` props for the settings the file gives (``model`` aside)."""
    props = given(job, leave_out=("name", "model", "scheduled", "timeout_seconds", "dynamodb"))
    if not job.scheduled:
        props["schedule"] = None
    if job.timeout_seconds is not None:
        props["timeout"] = cdk.Duration.seconds(job.timeout_seconds)
    if job.dynamodb is not None:
        from sagemaker_serving import DynamoDbLoading

        props["loading"] = DynamoDbLoading(**given(job.dynamodb))
    return props


def _construct_id(job: BatchJobConfig) -> str:
    return "Batch" + "".join(part.capitalize() for part in job.name.split("-"))


def _model(
    scope: Construct,
    key: str,
    model: ModelConfig,
    config: EnvironmentConfig,
    network: ServingNetwork | None,
    problems: Problems,
) -> Model | None:
    """A model only batch jobs use, built as the endpoint's models are (same isolation and network)."""
    from stacks.serving_endpoint import _image, _model_data

    created = None
    with problems.at(prefixed(f"models.{key}.")):
        created = Model(
            scope,
            f"Model{key.title().replace('-', '').replace('_', '')}",
            image=_image(model.image),
            model_data=_model_data(model.artifact),
            environment=model.environment,
            network_isolation=model.network_isolation or config.network.network_isolation,
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnet_selection if network else None,
            security_groups=[network.model_security_group] if network else None,
        )
    return created
