#!/usr/bin/env python3
"""The reference CDK app: one ``ModelServing-<env>`` stack per environment in stacks/environments.toml.

``SERVING_CONFIG=<path>`` reads another configuration file. A configuration problem (in the file, or
found by a construct in any environment) is printed alone, without a traceback, and the app exits
with status 1; ``cdk synth`` and ``make synth`` show that message.
"""

from __future__ import annotations

import gc
import os
import sys

#: The jsii kernel's young-generation limit (V8's ``--max-semi-space-size``, in MiB). The jsii launcher starts
#: the kernel with a 4 GiB heap limit, and V8 sizes the semi-spaces by the heap limit; a synth's objects mostly
#: live until it ends, so a large young generation only holds garbage longer. Measured on the three reference
#: stacks: 4 MiB takes about 55 MiB off the peak memory (16 MiB about 30) for no more CPU time
#: (docs/benchmarks.md). The option is one Node allows in ``NODE_OPTIONS``:
#: https://nodejs.org/api/cli.html#--max-semi-space-sizesize
KERNEL_SEMI_SPACE_MIB = 4


def kernel_node_options(existing: str | None) -> str:
    """``NODE_OPTIONS`` for the jsii kernel: ``existing`` plus ``--max-semi-space-size``, unless it sets one."""
    options = (existing or "").strip()
    if "--max-semi-space-size" in options:
        return options
    return f"{options} --max-semi-space-size={KERNEL_SEMI_SPACE_MIB}".strip()


if __name__ == "__main__":
    # The kernel starts with the first aws_cdk import, below, and inherits this environment.
    os.environ["NODE_OPTIONS"] = kernel_node_options(os.environ.get("NODE_OPTIONS"))
    # A synth is one short run that leaves little cyclic garbage, while CPython's cyclic collector walks the
    # aws_cdk modules' millions of objects again at every full collection and once more at exit. Without it
    # (and with the objects frozen before exit, below) the three reference stacks synthesise about 0.3 s
    # sooner for under 1 MiB more peak memory (docs/benchmarks.md). Only when run as the app: a test
    # process that imports this module keeps its collector.
    gc.disable()

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks.config import AppConfig, ConfigError, load
from stacks.serving_stack import ServingStack

NAG_CONTEXT_KEY = "nag"
#: The CDK CLI's project file: its "context" holds the feature flags every synth must use.
CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
#: Set by the CDK CLI when it runs the app: the context it resolved from cdk.json, cdk.context.json and
#: ``-c`` (``CDK_CONTEXT_JSON``), or the file holding it when too large for the environment (the name is
#: aws-cdk-lib's ``cxapi.CONTEXT_OVERFLOW_LOCATION_ENV``, spelt this way).
CLI_CONTEXT_ENV_VARS = ("CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION_ENV")


def cli_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The context the CDK CLI gives the app from ``path`` (cdk.json), as far as it shapes templates.

    cdk.json's ``"context"`` (the feature flags), and the context the CLI makes of its settings
    ``pathMetadata`` and ``assetMetadata`` (both on unless set to false: resource metadata that also
    feeds the logical ID of an API Gateway deployment, which hashes its Lambda function's resource) and
    ``versionReporting``. Not the CLI's ``@aws-cdk/core:failSynthOnValidationErrors: false``: run
    in-process, a cdk-nag finding must fail the synth itself. Empty when the file does not exist.
    """
    if not path.is_file():
        return {}
    settings = json.loads(path.read_text())
    context = settings.get("context", {})
    if not isinstance(context, dict):
        raise ValueError(f'{path}: "context" must be an object, not {type(context).__name__}')
    from_settings: dict[str, Any] = {}
    if settings.get("pathMetadata", True):
        from_settings["aws:cdk:enable-path-metadata"] = True
    if settings.get("assetMetadata", True):
        from_settings["aws:cdk:enable-asset-metadata"] = True
    if settings.get("versionReporting", True):
        from_settings["aws:cdk:version-reporting"] = True
    else:
        from_settings["aws:cdk:disable-version-reporting"] = True
    return {**from_settings, **context}


def run_by_cdk_cli() -> bool:
    """True when the CDK CLI runs the app (it passes cdk.json's context itself)."""
    return any(name in os.environ for name in CLI_CONTEXT_ENV_VARS)


def build_app(
    config: AppConfig | None = None, *, outdir: str | None = None, context: Mapping[str, Any] | None = None
) -> cdk.App:
    """Build the app with one stack per environment (all of them, or ``-c env=<name>``).

    With ``-c nag=true``, the cdk-nag AWS Solutions, HIPAA Security and NIST 800-53 rev 5 packs
    check every stack at synth time; any unacknowledged finding fails the synth. ``context`` adds
    context values as ``-c key=value`` does (for tests), and wins over every other source.

    Run by the CDK CLI, the app gets cdk.json's context from the CLI. Run in-process (the tests, a
    script), it applies the same context itself (:func:`cli_context`), so its templates are the ones
    ``cdk synth`` and ``cdk deploy`` produce: feature flags such as ``@aws-cdk/aws-iam:minimizePolicies``
    change them.

    :raises ConfigError: the configuration's problems, or every construct problem of every
        environment at once (each stack is built even when an earlier one failed).
    """
    config = config or load()
    app = cdk.App(
        outdir=outdir or os.environ.get("CDK_OUTDIR", "cdk.out"),
        context=None if run_by_cdk_cli() else cli_context(),
        post_cli_context=dict(context) if context else None,
        # CDK's built-in CloudFormation validation adds ~1.7 s and ~375 MiB to this synth; this repository
        # lints every template with cfn-lint instead (`make synth`, `make test`). CDK_VALIDATION=true
        # turns the built-in one back on.
        builtin_cloud_formation_validation=os.environ.get("CDK_VALIDATION", "false").lower() == "true",
    )
    if str(app.node.try_get_context(NAG_CONTEXT_KEY)).lower() in {"true", "1", "yes"}:
        add_nag_checks(app)
    only = app.node.try_get_context("env")
    names = [config.environment(only).name] if only else list(config.environments)
    problems: list[str] = []
    for name in names:
        env = config.environments[name]
        try:
            ServingStack(
                app,
                env.stack_name,
                config=env,
                models=config.models,
                env=cdk.Environment(account=env.account, region=env.region) if env.account or env.region else None,
                description=f"SageMaker model serving ({name})",
            )
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems, source=config.source)
    return app


def nag_packs() -> list[Any]:
    """The cdk-nag rule packs every stack must pass (cdk-nag is a development dependency)."""
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

    return [AwsSolutionsChecks(), HIPAASecurityChecks(), NIST80053R5Checks()]


def add_nag_checks(app: cdk.App) -> None:
    """Register the cdk-nag packs as policy-validation plugins of ``app`` (cdk-nag 3)."""
    cdk.Validations.of(app).add_plugins(*nag_packs())


def main() -> int:
    """Synthesise the app; on a configuration problem print only its message (stderr) and return 1."""
    try:
        build_app().synth()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    status = main()
    gc.freeze()  # the interpreter's exit then skips one last walk over every object (about 0.2 s)
    sys.exit(status)
