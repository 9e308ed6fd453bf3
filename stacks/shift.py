"""``make shift ENV=prod WEIGHTS=champion=0.95,challenger=0.05``: move A/B traffic between variants now, no deploy.

It calls SageMaker's ``UpdateEndpointWeightsAndCapacities``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html):
the same endpoint, the same instances, only the variants' weights change, in the time the endpoint takes
to go back to ``InService`` (no new fleet, no deployment guardrails). A configuration change plus
``make deploy`` would replace the endpoint config, so SageMaker would provision a whole new fleet
(blue/green, baking periods and all) to change two numbers.

What the next ``make deploy`` does to a shifted weight (docs/rollouts.md):

- a deploy that leaves the endpoint config unchanged does not touch the endpoint: the shift stays;
- a deploy that replaces the endpoint config (a new model, a variant setting, new weights) applies the
  file's ``initial_weight`` values: the shift is gone (with autoscaling the endpoint keeps its instance
  counts, ``RetainAllVariantProperties``, but never its weights: ``DesiredWeight`` is excluded).

To keep a split, write it into ``stacks/environments.toml`` too. Everything the command can check
without AWS (syntax, variant names, values) is checked first, against the configuration; then the
deployed endpoint (the stack's ``EndpointName`` output) must be ``InService`` with the same variants.

    python -m stacks.shift --env prod --weights champion=0.95,challenger=0.05 [--no-wait]
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.config import ConfigError, EnvironmentConfig, InstanceVariantConfig, ServerlessVariantConfig, load

ClientFactory = Callable[[str], Any]
EXAMPLE = "WEIGHTS=champion=0.95,challenger=0.05"


class ShiftError(Exception):
    """What stops a shift: every problem found, each naming what is wrong and what is allowed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def configured_weights(env: EnvironmentConfig) -> dict[str, float]:
    """The environment's variants and their ``initial_weight`` (the construct's default if not given), in order."""
    from dataclasses import fields

    from sagemaker_serving.variants import InstanceVariant  # a pure module: no aws_cdk import

    (default,) = [f.default for f in fields(InstanceVariant) if f.name == "initial_weight"]
    variants: list[InstanceVariantConfig | ServerlessVariantConfig] = [*env.instance_variants, *env.serverless_variants]
    return {v.name: float(default if v.initial_weight is None else v.initial_weight) for v in variants}  # type: ignore[arg-type]


def variant_names(env: EnvironmentConfig) -> list[str]:
    """The environment's variants, in file order."""
    return list(configured_weights(env))


def parse_weights(text: str, env: EnvironmentConfig) -> dict[str, float]:
    """``champion=0.95,challenger=0.05`` → ``{"champion": 0.95, "challenger": 0.05}``, checked against ``env``.

    Every variant of the environment is named once, with a finite number ≥ 0 (SageMaker's
    ``DesiredWeight`` range; 0 drains a variant), at least one of them positive. Raises
    :class:`ShiftError` with every problem.
    """
    names = variant_names(env)
    if len(names) < 2:
        raise ShiftError([f"environment {env.name!r} has one variant ({names[0]}): there is no traffic to shift"])
    if not text.strip():
        raise ShiftError([f"WEIGHTS is empty; give every variant of {env.name!r} a weight, e.g. {EXAMPLE}"])
    problems: list[str] = []
    weights: dict[str, float] = {}
    for item in text.split(","):
        name, equals, value = (part.strip() for part in item.partition("="))
        if not equals or not name:
            problems.append(f"WEIGHTS: {item.strip()!r} is not allowed; expected <variant>=<weight>, comma-separated")
            continue
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"WEIGHTS: {name!r} is not a variant of {env.name!r}; {hint}variants: {', '.join(names)}")
            continue
        if name in weights:
            problems.append(f"WEIGHTS: {name!r} is given twice; give each variant once")
            continue
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            problems.append(f"WEIGHTS: {name}={value} is not allowed; a weight is a number ≥ 0")
            continue
        weights[name] = weight
    missing = [n for n in names if n not in weights]
    if missing and not problems:
        problems.append(
            f"WEIGHTS: no weight for {', '.join(missing)}; give every variant of {env.name!r} ({', '.join(names)})"
        )
    if not problems and not any(w > 0 for w in weights.values()):
        problems.append("WEIGHTS: every weight is 0; at least one variant must take traffic (a weight > 0)")
    if problems:
        raise ShiftError(problems)
    return weights


@dataclass(frozen=True)
class Shift:
    """A shift done: the endpoint and its variants' weights before and after."""

    endpoint_name: str
    before: dict[str, float]
    after: dict[str, float]

    def render(self, env: EnvironmentConfig) -> str:
        """A table of the weights and their traffic shares, and what the next deploy does to them."""

        def share(weights: Mapping[str, float], name: str) -> str:
            total = sum(weights.values())
            return f"{weights[name]:g} ({100 * weights[name] / total:.1f}%)" if total else f"{weights[name]:g}"

        lines = [f"{env.stack_name}: endpoint {self.endpoint_name} shifted (UpdateEndpointWeightsAndCapacities)"]
        width = max(len(n) for n in self.after)
        lines += [f"  {n:<{width}}  {share(self.before, n)} -> {share(self.after, n)}" for n in self.after]
        file_weights = ", ".join(f"{n}={w:g}" for n, w in configured_weights(env).items())
        lines.append(
            f"The configuration still says {file_weights}: a deploy that replaces the endpoint config (a new model, "
            "a variant setting) applies those; to keep this split, set initial_weight in the configuration too."
        )
        return "\n".join(lines)


def endpoint_of(client: ClientFactory, stack_name: str) -> str:
    """The deployed stack's endpoint name (its ``EndpointName`` output)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    try:
        stacks = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        raise ShiftError([f"{stack_name} is not deployed here ({exc.response['Error']['Message']})"]) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if "EndpointName" not in outputs:
        raise ShiftError([f"{stack_name} has no EndpointName output: deploy it first (make deploy)"])
    return str(outputs["EndpointName"])


def shift(client: ClientFactory, env: EnvironmentConfig, weights: Mapping[str, float], *, wait: bool = True) -> Shift:
    """Set the deployed endpoint's variant weights to ``weights`` (checked by :func:`parse_weights`)."""
    sagemaker = client("sagemaker")
    name = endpoint_of(client, env.stack_name)
    endpoint = sagemaker.describe_endpoint(EndpointName=name)
    status = endpoint["EndpointStatus"]
    if status != "InService":
        raise ShiftError([f"endpoint {name} is {status} (an update in progress?); shift when it is InService again"])
    live = {v["VariantName"]: float(v.get("CurrentWeight", 0.0)) for v in endpoint.get("ProductionVariants", [])}
    if set(live) != set(weights):
        raise ShiftError(
            [
                f"endpoint {name} serves variants {sorted(live)}, the configuration has {sorted(weights)}: "
                f"deploy the configuration first (make deploy ENV={env.name})"
            ]
        )
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=name,
        DesiredWeightsAndCapacities=[{"VariantName": v, "DesiredWeight": w} for v, w in weights.items()],
    )
    if wait:
        sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig={"Delay": 15})
    after = sagemaker.describe_endpoint(EndpointName=name)
    now = {v["VariantName"]: float(v.get("CurrentWeight", 0.0)) for v in after.get("ProductionVariants", [])}
    return Shift(name, {v: live[v] for v in weights}, {v: now[v] for v in weights})


def has_credentials() -> bool:
    """Whether AWS credentials are found in local sources (as ``make deploy`` checks them): environment, files,
    SSO, container; the instance-metadata service only on an EC2 instance, so nothing leaves the machine."""
    import botocore.session  # type: ignore[import-untyped]

    resolver = botocore.session.get_session().get_component("credential_provider")
    vendor = Path("/sys/class/dmi/id/sys_vendor")
    if not (vendor.exists() and "Amazon EC2" in vendor.read_text()):
        resolver.remove("iam-role")
    return resolver.load_credentials() is not None


def _boto3_clients(region: str | None) -> ClientFactory:
    import boto3  # type: ignore[import-untyped]

    session = boto3.session.Session(region_name=region)
    return lambda service: session.client(service)


def main(argv: Sequence[str] | None = None, client: ClientFactory | None = None) -> int:
    """Command-line entry point (``client``: a client factory instead of boto3's default session); exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--env", required=True, help="environment of stacks/environments.toml")
    parser.add_argument("--weights", default="", help="<variant>=<weight>,... for every variant of the environment")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the endpoint to be InService again")
    parser.add_argument(
        "--check", action="store_true", help="only check the arguments against the configuration: problems on one line"
    )
    args = parser.parse_args(argv)
    try:
        env = load().environment(args.env)
        weights = parse_weights(args.weights, env)
    except ConfigError as exc:
        print("; ".join(exc.problems) if args.check else exc, file=sys.stdout if args.check else sys.stderr)
        return 2
    except ShiftError as exc:
        print("; ".join(exc.problems) if args.check else f"error: {exc}", file=sys.stdout if args.check else sys.stderr)
        return 2
    if args.check:
        return 0
    if client is None:
        if not has_credentials():
            print(
                "error: no AWS credentials found (set AWS_PROFILE or run 'aws configure'); to rehearse without an "
                f"account run 'make deploy-local ENV={env.name}'",
                file=sys.stderr,
            )
            return 2
        client = _boto3_clients(env.region)
    try:
        done = shift(client, env, weights, wait=not args.no_wait)
    except ShiftError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(done.render(env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
