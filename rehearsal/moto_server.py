"""A moto server on 127.0.0.1: start, stop, clients and the environment that points at it.

Everything here is loopback-only and uses dummy credentials: nothing can reach real AWS.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

HOST = "127.0.0.1"
#: moto's default account; the CDK bootstrap bucket is ``cdk-hnb659fds-assets-<account>-<region>``.
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: The SSM parameter a CDK template's ``BootstrapVersion`` parameter reads.
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
DUMMY_CREDENTIALS: Mapping[str, str] = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
#: Variables that could point a client at a real account; removed from every environment we build.
_REAL_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for servers that cannot bind port 0 themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


#: moto's warning for each resource of a type its CloudFormation does not emulate
#: (``moto/cloudformation/parsing.py``); logged on the ``moto`` logger at create, retry and describe.
SKIPPED_TYPE_MESSAGE = "No Moto CloudFormation support for %s"


@dataclass(frozen=True)
class Target:
    """An account and a region on the emulator: moto keeps each pair apart, as AWS does.

    Environments that name no ``account``/``region`` (environment-agnostic stacks) use moto's default
    account and us-east-1.
    """

    account: str = ACCOUNT
    region: str = REGION

    @classmethod
    def of(cls, *, account: str | None, region: str | None) -> Target:
        """The target for an environment's (optional) ``account`` and ``region``."""
        return cls(account or ACCOUNT, region or REGION)

    @property
    def aws_environment(self) -> str:
        """``aws://<account>/<region>`` (what ``cdk bootstrap`` takes)."""
        return f"aws://{self.account}/{self.region}"


DEFAULT_TARGET = Target()


class _SkippedTypes(logging.Filter):
    """On moto's logger: hands each "no CloudFormation support" warning to the running servers and lets
    it through only when one of them is verbose (or none runs: moto used some other way)."""

    def __init__(self) -> None:
        super().__init__()
        self.servers: list[MotoServer] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != SKIPPED_TYPE_MESSAGE or not record.args or not self.servers:
            return True
        type_name = str(record.args[0] if isinstance(record.args, tuple) else record.args)
        for server in self.servers:
            server._skipped_types.add(type_name)
        return any(server.verbose for server in self.servers)


#: One filter for the process: moto's logger (like moto's state) is shared by every server in it.
_SKIPPED_TYPES = _SkippedTypes()


class MotoServer:
    """moto's server mode in a thread of this process, bound to 127.0.0.1 only.

    ``port=0`` (the default) lets the OS pick a free port. Use as a context manager, or call
    :meth:`start` and :meth:`stop` (always, in a ``finally``): stopping also closes the socket.

    moto logs "No Moto CloudFormation support for <type>" for every resource it accepts but does not
    create, several times per resource. While the server runs, these warnings are collected in
    :attr:`skipped_types` and hidden, unless ``verbose`` is true. (moto's state and logger belong to
    the process: with two servers in one process, each sees the other's warnings, and one verbose
    server shows them all.)
    """

    def __init__(self, port: int = 0, *, verbose: bool = False) -> None:
        """:param port: the port to bind on 127.0.0.1; 0 picks a free one.
        :param verbose: let moto's "no CloudFormation support" warnings through (to stderr).
        """
        from moto.server import ThreadedMotoServer

        from rehearsal import moto_patches

        self._attached = False
        self.verbose = verbose
        self._skipped_types: set[str] = set()
        moto_patches.apply()
        # One line per request on stderr otherwise (werkzeug's access log).
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto also warns with a source line for each skipped type; the warning adds nothing.
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)
        self._clients: dict[tuple[str, Target], Any] = {}
        self._credentials: dict[Target, dict[str, str]] = {}
        self._server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
        self._started = False
        self.port = port

    @classmethod
    def attach(cls, port: int) -> MotoServer:
        """A handle on a moto server that something else started on 127.0.0.1:``port`` (for example
        ``make deploy-local KEEP=1``): clients and environment only; :meth:`stop` leaves it running."""
        server = cls(port)
        server._attached = True
        return server

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    @property
    def skipped_types(self) -> frozenset[str]:
        """The resource types moto's CloudFormation skipped (accepted, not created) while this server ran."""
        return frozenset(self._skipped_types)

    def start(self) -> MotoServer:
        """Start serving; returns self."""
        if self._attached:
            raise RuntimeError(f"{self.url} was started elsewhere; it cannot be started here")
        moto_logger = logging.getLogger("moto")
        if _SKIPPED_TYPES not in moto_logger.filters:
            moto_logger.addFilter(_SKIPPED_TYPES)
        _SKIPPED_TYPES.servers.append(self)
        try:
            self._server.start()
        except BaseException:
            _SKIPPED_TYPES.servers.remove(self)
            raise
        self._started = True
        host, self.port = self._server.get_host_and_port()
        assert host == HOST, host
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        if not self._started:
            return
        self._started = False
        if self in _SKIPPED_TYPES.servers:
            _SKIPPED_TYPES.servers.remove(self)
        self._server.stop()
        # ThreadedMotoServer.stop() shuts the loop down but leaves the listening socket open.
        inner = getattr(self._server, "_server", None)
        if inner is not None:
            inner.server_close()

    @property
    def running(self) -> bool:
        """Whether the server thread is alive (or, for an attached server, whether it answers)."""
        if self._attached:
            return port_is_open(self.port)
        thread = getattr(self._server, "_thread", None)
        return self._started and thread is not None and thread.is_alive()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clients and environment -----------------------------------------------------------------

    def credentials(self, target: Target = DEFAULT_TARGET) -> dict[str, str]:
        """Dummy credentials that moto maps to ``target.account``.

        moto's default account takes any key. For another account, moto's STS ``AssumeRole`` (the
        role need not exist) hands out keys that moto then maps to the role's account.
        """
        if target.account == ACCOUNT:
            return dict(DUMMY_CREDENTIALS)
        if target not in self._credentials:
            sts = self.client("sts", Target(ACCOUNT, target.region))
            role = f"arn:aws:iam::{target.account}:role/rehearsal"
            found = sts.assume_role(RoleArn=role, RoleSessionName="rehearsal")["Credentials"]
            self._credentials[target] = {
                "AWS_ACCESS_KEY_ID": found["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": found["SecretAccessKey"],
                "AWS_SESSION_TOKEN": found["SessionToken"],
            }
        return dict(self._credentials[target])

    def client(self, service: str, target: Target = DEFAULT_TARGET) -> Any:
        """A boto3 client for ``service`` on this server in ``target``'s account and region, with
        dummy credentials and no retries."""
        if (service, target) not in self._clients:
            self._clients[service, target] = self._new_client(service, target)
        return self._clients[service, target]

    def clients(self, target: Target = DEFAULT_TARGET) -> Callable[[str], Any]:
        """A client factory for ``target`` (``service → client``), as :func:`rehearsal.verify.verify_stack` takes."""
        return lambda service: self.client(service, target)

    def _new_client(self, service: str, target: Target) -> Any:
        credentials = self.credentials(target)
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=target.region,
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=credentials.get("AWS_SESSION_TOKEN"),
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )

    def environment(self, base: Mapping[str, str] | None = None, target: Target = DEFAULT_TARGET) -> dict[str, str]:
        """``base`` (default: this process's environment) pointed at this server and ``target``.

        Every AWS SDK and the CDK CLI then use the server, dummy credentials for the target's
        account and its region; profiles, real session tokens and the shared config/credentials
        files are taken away.
        """
        env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _REAL_AWS_VARIABLES}
        env.update(self.credentials(target))
        env.update(
            AWS_ENDPOINT_URL=self.url,
            # CloudFormation reads templates the CLI uploads (large ones) by this URL; moto
            # resolves any S3 URL in its own S3, so loopback is fine.
            AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=self.url.replace(HOST, "localhost"),
            AWS_REGION=target.region,
            AWS_DEFAULT_REGION=target.region,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            CDK_DISABLE_VERSION_CHECK="1",
        )
        return env

    # -- moto-specific set-up --------------------------------------------------------------------

    def put_bootstrap_version(self, version: str = "30", target: Target = DEFAULT_TARGET) -> None:
        """Create the SSM parameter that ``cdk bootstrap`` would (for deploys without it)."""
        self.client("ssm", target).put_parameter(
            Name=BOOTSTRAP_VERSION_PARAMETER, Value=version, Type="String", Overwrite=True
        )

    def set_endpoint_results(self, results: list[dict[str, str]], target: Target = DEFAULT_TARGET) -> None:
        """Queue canned ``InvokeEndpoint`` answers (``Body``, ``ContentType``, ``InvokedProductionVariant``,
        ``CustomAttributes``) in ``target``. moto hands them out in order, one per distinct request,
        and then repeats the same answer for the same request.
        """
        self._post_results("endpoint-results", results, target)

    def set_async_endpoint_results(self, results: list[dict[str, Any]], target: Target = DEFAULT_TARGET) -> None:
        """Queue canned ``InvokeEndpointAsync`` outcomes in ``target``: ``{"data": "<result>"}`` or
        ``{"is_failure": True, "data": "<error>"}``, one per distinct ``InputLocation``. moto writes each at once to
        an S3 bucket of its own (``sagemaker-output-<uuid>/response.json`` or ``failure.json``) and answers with
        those locations; with no queued outcome it falls back to the ``InvokeEndpoint`` results.
        """
        self._post_results("async-endpoint-results", results, target)

    def _post_results(self, kind: str, results: list[dict[str, Any]], target: Target) -> None:
        data = json.dumps({"account_id": target.account, "region": target.region, "results": results}).encode()
        request = urllib.request.Request(
            f"{self.url}/moto-api/static/sagemaker/{kind}",
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # a loopback URL built here
            if response.status != 201:
                raise RuntimeError(f"moto refused the endpoint results: HTTP {response.status}")


@contextmanager
def running_moto(port: int = 0, *, verbose: bool = False) -> Iterator[MotoServer]:
    """A started :class:`MotoServer`, stopped on exit (also on errors and Ctrl-C)."""
    server = MotoServer(port, verbose=verbose)
    server.start()
    try:
        yield server
    finally:
        server.stop()
