"""``make serve-local ENV=<name>``: the front door end to end, on 127.0.0.1.

Deploys the stack to moto as ``make deploy-local`` does (or reuses a running moto: ``--moto-port``),
then serves HTTP on 127.0.0.1: each request becomes an API Gateway REST proxy event, runs through
the front-door handler (``lambda/front_door/handler.py``, ``handler(event, context)``) with the
environment variables the stack gives the function, and its answer goes back to the client. The
handler's boto3 clients talk to moto, whose sagemaker-runtime answers with canned results.

    python -m rehearsal.serve_local [--env NAME] [--port 8080] [--moto-port 5000] [--results results.json] [--verbose]
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import importlib.util
import json
import os
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from rehearsal.deploy_local import environment_names, target_of
from rehearsal.moto_server import DEFAULT_TARGET, HOST, MotoServer, Target
from rehearsal.verify import FRONT_DOOR_ROUTES
from stacks.config import ConfigError, EnvironmentConfig, load

ROOT = Path(__file__).resolve().parents[1]
HANDLER_FILE = ROOT / "lambda" / "front_door" / "handler.py"
#: Bodies API Gateway hands to Lambda base64-encoded when the API declares no binary media types.
DEFAULT_BINARY_MEDIA_TYPES = ("application/octet-stream", "application/x-npy", "image/*", "audio/*", "video/*")
STAGE = "local"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """An API Gateway resource (``/variants/{variant}/invocations``, ``/{proxy+}``) and a method."""

    method: str
    resource: str

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if ``method`` and ``path`` hit this route, else ``None``."""
        if self.method not in ("ANY", method):
            return None
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", self.resource):
            if part.startswith("{") and part.endswith("+}"):
                pattern += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                pattern += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(part)
        found = re.fullmatch(pattern, path)
        return {k: unquote(v) for k, v in found.groupdict().items()} if found else None


#: The handler's own routes, used when the stack has no API yet (the handler answers 405 itself).
DEFAULT_ROUTES = tuple(Route("ANY", resource) for _, resource in FRONT_DOOR_ROUTES)


@dataclass(frozen=True)
class LambdaContext:
    """What the Lambda runtime passes as ``context`` (the attributes handlers read)."""

    function_name: str = "front-door-local"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/front-door-local"
    log_stream_name: str = "local"
    timeout_seconds: float = 29.0
    started: float = field(default_factory=time.monotonic)
    #: The emulator's account and region the function runs in.
    target: Target = DEFAULT_TARGET

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN in the emulator's account and region."""
        return f"arn:aws:lambda:{self.target.region}:{self.target.account}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function would time out."""
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def is_binary(content_type: str | None, binary_media_types: Sequence[str]) -> bool:
    """Whether API Gateway would base64-encode a body of this content type."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(media) and any(fnmatch.fnmatch(media, pattern.lower()) for pattern in binary_media_types)


def proxy_event(
    *,
    method: str,
    raw_path: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    route: Route,
    path_parameters: Mapping[str, str],
    binary_media_types: Sequence[str] = DEFAULT_BINARY_MEDIA_TYPES,
    source_ip: str = HOST,
    api_id: str = "local",
    account_id: str = DEFAULT_TARGET.account,
) -> dict[str, Any]:
    """The API Gateway REST (v1) Lambda proxy event for one HTTP request."""
    url = urlsplit(raw_path)
    query = parse_qsl(url.query, keep_blank_values=True)
    multi_headers = _multi_values(headers)
    multi_query = _multi_values(query)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    encoded = is_binary(content_type, binary_media_types)
    text: str | None = None
    if body and not encoded:
        try:
            text = body.decode()
        except UnicodeDecodeError:
            encoded = True
    return {
        "resource": route.resource,
        "path": url.path,
        "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": _request_context(
            method=method,
            path=url.path,
            route=route,
            headers=headers,
            source_ip=source_ip,
            api_id=api_id,
            account_id=account_id,
        ),
        "body": (base64.b64encode(body).decode("ascii") if encoded else text) if body else None,
        "isBase64Encoded": encoded and bool(body),
    }


def _multi_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Every value of each name, in order (``multiValueHeaders``, ``multiValueQueryStringParameters``)."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def _request_context(
    *,
    method: str,
    path: str,
    route: Route,
    headers: Sequence[tuple[str, str]],
    source_ip: str,
    api_id: str,
    account_id: str,
) -> dict[str, Any]:
    """The event's ``requestContext``: the stage, new request IDs, the time now and the caller."""
    now = time.time()
    return {
        "accountId": account_id,
        "apiId": api_id,
        "resourcePath": route.resource,
        "httpMethod": method,
        "path": f"/{STAGE}{path}",
        "stage": STAGE,
        "protocol": "HTTP/1.1",
        "requestId": str(uuid.uuid4()),
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "identity": {
            "sourceIp": source_ip,
            "userAgent": next((v for k, v in headers if k.lower() == "user-agent"), None),
        },
    }


def load_handler(path: Path = HANDLER_FILE) -> Handler:
    """Import ``handler(event, context)`` from a file as the Lambda runtime does: its folder is the code
    root, so its siblings import each other by plain name (``import contract``). ``lambda`` is a keyword:
    no normal import. The folder is on ``sys.path`` only during the import and its modules leave
    ``sys.modules`` afterwards, so another copy can be loaded next to this one.

    The module reads its settings from ``os.environ`` when it is imported: set them first.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (the front-door handler is not on this branch yet?)")
    folder = str(path.parent)
    siblings = {sibling.stem for sibling in path.parent.glob("*.py")}
    saved = {name: sys.modules.pop(name) for name in siblings if name in sys.modules}
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(f"front_door_handler_{uuid.uuid4().hex}", path)
        assert spec is not None and spec.loader is not None
        module: ModuleType = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
        for name in siblings:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    handler: Handler = module.handler
    return handler


class LocalFrontDoor:
    """A small HTTP server on 127.0.0.1 that plays API Gateway (REST, Lambda proxy) for a handler.

    Unknown routes get API Gateway's 403 ``Missing Authentication Token``; a handler that raises
    or returns something malformed gets its 502. Requests run one at a time, like one Lambda
    execution environment. Stop it with :meth:`stop` (or use it as a context manager).
    """

    def __init__(
        self,
        handler: Handler,
        *,
        routes: Sequence[Route] = DEFAULT_ROUTES,
        binary_media_types: Sequence[str] = DEFAULT_BINARY_MEDIA_TYPES,
        port: int = 0,
        api_id: str = "local",
        target: Target = DEFAULT_TARGET,
    ) -> None:
        """:param port: the port on 127.0.0.1; 0 picks a free one.
        :param target: the account and region the function and the API pretend to run in.
        """
        self.handler = handler
        self.target = target
        self.routes = tuple(routes)
        self.binary_media_types = tuple(binary_media_types)
        self.api_id = api_id
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((HOST, port), self._request_handler_class())
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    def start(self) -> LocalFrontDoor:
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="local-front-door", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket. Safe to call twice."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> LocalFrontDoor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def respond(
        self, method: str, raw_path: str, headers: Sequence[tuple[str, str]], body: bytes, source_ip: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for one request (the API Gateway part, without HTTP)."""
        path = urlsplit(raw_path).path
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                break
        else:
            return _json_answer(403, {"message": "Missing Authentication Token"})
        event = proxy_event(
            method=method,
            raw_path=raw_path,
            headers=headers,
            body=body,
            route=route,
            path_parameters=params,
            binary_media_types=self.binary_media_types,
            source_ip=source_ip,
            api_id=self.api_id,
            account_id=self.target.account,
        )
        try:
            with self._lock:
                result = self.handler(event, LambdaContext(target=self.target))
            status = int(result["statusCode"])
            answer_headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
            for name, values in (result.get("multiValueHeaders") or {}).items():
                answer_headers += [(name, str(v)) for v in values if (name, str(v)) not in answer_headers]
            raw = result.get("body") or ""
            payload = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        except Exception:  # a failing function is API Gateway's 502, never a crash of the server
            traceback.print_exc()
            return _json_answer(502, {"message": "Internal server error"})
        return status, answer_headers, payload

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        front_door = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = front_door.respond(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                sys.stderr.write(f"front door: {format % args}\n")

        return RequestHandler


def _json_answer(status: int, body: Mapping[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


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
