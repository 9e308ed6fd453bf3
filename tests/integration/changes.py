"""The change the update test rolls out: a new model (image tag + environment variable), new weights."""

from __future__ import annotations

import dataclasses

from stacks.config import AppConfig, EnvironmentConfig

#: What the "new model" of the update test changes: an image tag and an environment variable.
CHANGED_IMAGE = "sklearn:1.4-2"
CHANGED_ENVIRONMENT = {"MODEL_VERSION": "2"}
CHANGED_WEIGHT = 0.5


def changed(config: AppConfig) -> AppConfig:
    """``config`` with a new model (image tag + environment variable) and new weights everywhere."""
    models = {
        key: dataclasses.replace(model, image=CHANGED_IMAGE, environment={**model.environment, **CHANGED_ENVIRONMENT})
        for key, model in config.models.items()
    }

    def reweigh(env: EnvironmentConfig) -> EnvironmentConfig:
        return dataclasses.replace(
            env,
            instance_variants=tuple(
                dataclasses.replace(v, initial_weight=CHANGED_WEIGHT) for v in env.instance_variants
            ),
            serverless_variants=tuple(
                dataclasses.replace(v, initial_weight=CHANGED_WEIGHT) for v in env.serverless_variants
            ),
        )

    return dataclasses.replace(
        config, models=models, environments={name: reweigh(env) for name, env in config.environments.items()}
    )
