"""``make serve-local ENV=<name>``: the front door end to end, on 127.0.0.1.

Deploys the stack to moto as ``make deploy-local`` does (or reuses a running moto: ``--moto-port``),
then serves HTTP on 127.0.0.1: each request becomes an API Gateway REST proxy event, runs through
the front-door handler (``lambda/front_door/handler.py``, ``handler(event, context)``) with the
environment variables the stack gives the function, and its answer goes back to the client. The
handler's boto3 clients talk to moto, whose sagemaker-runtime answers with canned results.

The API Gateway part is in :mod:`rehearsal.lambda_proxy` (the proxy event, the context, the handler's
import) and :mod:`rehearsal.local_front_door` (the HTTP server); this module wires them to a deployed
stack and is the command line. Every name is importable from here.

    python -m rehearsal.serve_local [--env NAME] [--port 8080] [--moto-port 5000] [--results results.json] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rehearsal.deploy_local import environment_names, target_of
from rehearsal.lambda_proxy import (
    DEFAULT_BINARY_MEDIA_TYPES,
    DEFAULT_ROUTES,
    HANDLER_FILE,
    ROOT,
    STAGE,
    Handler,
    LambdaContext,
    Route,
    is_binary,
    load_handler,
    proxy_event,
)
from rehearsal.local_front_door import LocalFrontDoor
from rehearsal.moto_server import DEFAULT_TARGET, MotoServer, Target
from stacks.config import ConfigError, EnvironmentConfig, load

__all__ = [
    "DEFAULT_BINARY_MEDIA_TYPES",
    "DEFAULT_ROUTES",
    "HANDLER_FILE",
    "ROOT",
    "STAGE",
    "FrontDoorSetup",
    "Handler",
    "LambdaContext",
    "LocalFrontDoor",
    "Route",
    "canned_results",
    "front_door_setup",
    "is_binary",
    "load_handler",
    "main",
    "proxy_event",
    "variant_names",
]


# -- wiring to a deployed stack ------------------------------------------------------------------


def variant_names(env: EnvironmentConfig) -> list[str]:
    """The environment's production variant names, in order."""
    return [v.name for v in env.instance_variants] + [v.name for v in env.serverless_variants]


@dataclass(frozen=True)
class FrontDoorSetup:
    """How the local front door should look for a deployed stack."""

    environment: dict[str, str]
    routes: tuple[Route, ...]
    binary_media_types: tuple[str, ...]
    api_id: str
    from_stack: bool
    #: The account and region the stack was deployed to.
    target: Target = DEFAULT_TARGET
    #: The stack's outputs that are URLs of its API (``FrontDoorUrl``: ``https://<api>.execute-api…/<stage>/``).
    api_urls: dict[str, str] = field(default_factory=dict)


def front_door_setup(server: MotoServer, stack_name: str, env: EnvironmentConfig) -> FrontDoorSetup:
    """The handler's environment and the API's routes as the deployed stack defines them.

    With a front-door function in the stack: its environment variables, as deployed. Without one
    (a direct integration, or no front door): ``ENDPOINT_NAME`` and ``VARIANT_NAMES`` of the deployed
    endpoint; the routes are the API's, or the handler's when there is no API.
    """
    target = target_of(env)
    cfn = server.client("cloudformation", target)
    by_type: dict[str, list[str]] = {}
    for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
        if r.get("ResourceType") and r.get("PhysicalResourceId"):
            by_type.setdefault(r["ResourceType"], []).append(r["PhysicalResourceId"])
    variables: dict[str, str] = {}
    lambda_client = server.client("lambda", target)
    for name in by_type.get("AWS::Lambda::Function", []):
        found = lambda_client.get_function_configuration(FunctionName=name).get("Environment", {}).get("Variables", {})
        if "ENDPOINT_NAME" in found:
            variables = dict(found)
            break
    from_stack = bool(variables)
    if not from_stack:
        (endpoint_arn,) = by_type["AWS::SageMaker::Endpoint"]
        variables = {
            "ENDPOINT_NAME": endpoint_arn.rsplit("/", 1)[-1],
            "VARIANT_NAMES": ",".join(variant_names(env)),
        }
    routes: tuple[Route, ...] = DEFAULT_ROUTES
    binary: tuple[str, ...] = DEFAULT_BINARY_MEDIA_TYPES
    api_id = "local"
    apis = by_type.get("AWS::ApiGateway::RestApi", [])
    if apis:
        api_id = apis[0]
        apigw = server.client("apigateway", target)
        items = apigw.get_resources(restApiId=api_id, embed=["methods"]).get("items", [])
        routes = tuple(Route(m, r["path"]) for r in items for m in sorted(r.get("resourceMethods", {})))
        binary = tuple(apigw.get_rest_api(restApiId=api_id).get("binaryMediaTypes") or ())
        if not binary:  # moto drops BinaryMediaTypes of AWS::ApiGateway::RestApi: read the template
            body = cfn.get_template(StackName=stack_name)["TemplateBody"]
            template = json.loads(body) if isinstance(body, str) else body
            for resource in template.get("Resources", {}).values():
                if resource.get("Type") == "AWS::ApiGateway::RestApi":
                    binary = tuple(resource.get("Properties", {}).get("BinaryMediaTypes") or ())
                    break
    outputs = cfn.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])
    api_urls = {o["OutputKey"]: o["OutputValue"] for o in outputs if f"{api_id}.execute-api." in o["OutputValue"]}
    environment = {**server.environment({}, target), **variables}
    environment.pop("CDK_DISABLE_VERSION_CHECK", None)
    return FrontDoorSetup(environment, routes, binary, api_id, from_stack, target, api_urls)


def canned_results(env: EnvironmentConfig, results_file: Path | None, copies: int = 500) -> list[dict[str, str]]:
    """What moto's InvokeEndpoint should answer: the file's list, or a JSON prediction.

    moto hands out one queued result per distinct request (and repeats it for the same request),
    so the list is repeated ``copies`` times to last a session of manual requests.
    """
    if results_file is not None:
        results: list[dict[str, str]] = json.loads(results_file.read_text())
    else:
        variant = _answering_variant(env)
        body = json.dumps({"predictions": [{"label": 1, "score": 0.97}], "source": "moto canned result"})
        results = [{"Body": body, "ContentType": "application/json", "InvokedProductionVariant": variant}]
    return results * copies


def _answering_variant(env: EnvironmentConfig) -> str:
    """The variant named in canned answers: the first production variant, or the instance pool's."""
    names = variant_names(env)
    if names or env.instance_pool is None:
        return names[0]
    return env.instance_pool.name or "pool"


def _pinned_example(env: EnvironmentConfig) -> str:
    """The banner's second route: a pinned variant, or the first inference component."""
    if env.inference_components:
        return f"models/{env.inference_components[0].name}/invocations"
    return f"variants/{variant_names(env)[0]}/invocations"


def _display(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    from rehearsal.deploy_local import Timings, rehearse, signals_unwind

    args = _parser().parse_args(argv)
    try:
        config = load()
        names = environment_names(config, [args.env] if args.env else None, every=False)
        if len(names) != 1:
            raise ConfigError([f"serve-local serves one environment; got {', '.join(names)}"])
        env = config.environment(names[0])
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.handler.is_file():
        print(f"{args.handler} does not exist: the front-door handler is not on this branch yet", file=sys.stderr)
        return 2

    server = MotoServer.attach(args.moto_port) if args.moto_port else MotoServer(verbose=args.verbose)
    front_door: LocalFrontDoor | None = None
    with signals_unwind():
        try:
            if args.moto_port:
                print(f"reusing moto on {server.url}", flush=True)
            else:
                server.start()
                print(f"moto server on {server.url} (127.0.0.1 only; stopped on exit)", flush=True)
                timings = Timings()
                (report,) = rehearse(config, [env.name], server, timings)
                print("\n" + report.render(server.url) + f"\n\nDeployed in {timings.render()}.\n")
                if not report.ok:
                    return 1
            setup, front_door = _start_front_door(server, env, args)
            print(_banner(env, setup, front_door, args.handler), flush=True)
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nstopping", file=sys.stderr)
            return 0
        except Exception as exc:
            print(f"serve-local failed: {exc}", file=sys.stderr)
            return 2
        finally:
            if front_door is not None:
                front_door.stop()
            server.stop()


def _parser() -> argparse.ArgumentParser:
    """The command line: ``--env``, ``--port``, ``--moto-port``, ``--handler``, ``--results``, ``--verbose``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--env", help="environment of stacks/environments.toml (default: $ENV, else the first one in the file)"
    )
    parser.add_argument("--port", type=int, default=0, help="front-door port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--moto-port", type=int, help="reuse a moto with the stack deployed (deploy-local KEEP=1)")
    parser.add_argument("--handler", type=Path, default=HANDLER_FILE, help="the handler file to run")
    parser.add_argument("--results", type=Path, help="JSON list of moto endpoint results to answer with")
    parser.add_argument("--verbose", action="store_true", help="show moto's warnings for resources it skips")
    return parser


def _start_front_door(
    server: MotoServer, env: EnvironmentConfig, args: argparse.Namespace
) -> tuple[FrontDoorSetup, LocalFrontDoor]:
    """Point the handler at the deployed stack, give moto's endpoint its canned results, start the front door."""
    setup = front_door_setup(server, env.stack_name, env)
    os.environ.update(setup.environment)
    results = canned_results(env, args.results)
    server.set_endpoint_results(results, setup.target)
    if env.async_inference is not None:  # moto writes these where InvokeEndpointAsync says, at once
        server.set_async_endpoint_results([{"data": r["Body"]} for r in results], setup.target)
    handler = load_handler(args.handler)
    front_door = LocalFrontDoor(
        handler,
        routes=setup.routes,
        binary_media_types=setup.binary_media_types,
        port=args.port,
        api_id=setup.api_id,
        target=setup.target,
    ).start()
    return setup, front_door


def _banner(env: EnvironmentConfig, setup: FrontDoorSetup, front_door: LocalFrontDoor, handler: Path) -> str:
    """What serve-local prints once the front door is up: where it is, where its settings come from, curls."""
    if setup.from_stack:
        source = "the stack's front-door function"
    elif setup.api_id != "local":
        # integration = "direct": API Gateway's mapping templates cannot run here; the handler stands in.
        source = "the deployed endpoint; the stack's API calls SageMaker directly, the Lambda handler stands in"
    else:
        source = "the deployed endpoint"
    on_aws = "".join(f"\n  {key} = {url}" for key, url in sorted(setup.api_urls.items()))
    if on_aws:
        on_aws = f"On AWS the stack's API is at (its outputs; here the stage prefix is left out):{on_aws}\n"
    if env.async_inference is not None:
        tries = (
            f"  curl -s -i -H 'Content-Type: application/json' -d '{{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}}' "
            f"{front_door.url}/async-invocations\n"
            f"  curl -s {front_door.url}/async-invocations/<inferenceId of the 202>\n"
        )
    else:
        # An endpoint with inference components answers /invocations with 404 ComponentRequired.
        first = _pinned_example(env) if env.inference_components else "invocations"
        tries = (
            f"  curl -s -H 'Content-Type: application/json' -d '{{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}}' "
            f"{front_door.url}/{first}\n"
            f"  curl -s -H 'Content-Type: text/csv' --data-binary '5.1,3.5,1.4,0.2' "
            f"{front_door.url}/{_pinned_example(env)}\n"
        )
    return (
        f"Front door for {env.stack_name} on {front_door.url} ({_display(handler)}, "
        f"settings from {source}: ENDPOINT_NAME={setup.environment['ENDPOINT_NAME']}).\n" + on_aws + "Try:\n"
        f"  curl -s {front_door.url}/health\n" + tries + "Press Ctrl-C to stop (front door and moto)."
    )


if __name__ == "__main__":
    sys.exit(main())
