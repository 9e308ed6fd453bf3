#!/usr/bin/env python3
"""The reference CDK app: one ``ModelServing-<env>`` stack per environment in stacks/environments.toml."""

from __future__ import annotations

import os

import aws_cdk as cdk

from stacks.config import AppConfig, load
from stacks.serving_stack import ServingStack


def build_app(config: AppConfig | None = None, *, outdir: str | None = None) -> cdk.App:
    """Build the app with one stack per environment (all of them, or ``-c env=<name>``)."""
    config = config or load()
    app = cdk.App(
        outdir=outdir or os.environ.get("CDK_OUTDIR", "cdk.out"),
        # CDK's built-in CloudFormation validation costs ~4 s and ~260 MiB per synth; this repository
        # lints every template with cfn-lint instead (`make synth`, `make test`). CDK_VALIDATION=true
        # turns the built-in one back on.
        builtin_cloud_formation_validation=os.environ.get("CDK_VALIDATION", "false").lower() == "true",
    )
    only = app.node.try_get_context("env")
    names = [config.environment(only).name] if only else list(config.environments)
    for name in names:
        env = config.environments[name]
        ServingStack(
            app,
            env.stack_name,
            config=env,
            models=config.models,
            env=cdk.Environment(account=env.account, region=env.region) if env.account or env.region else None,
            description=f"SageMaker model serving ({name})",
        )
    return app


if __name__ == "__main__":
    build_app().synth()
