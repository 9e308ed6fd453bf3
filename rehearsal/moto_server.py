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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

HOST = "127.0.0.1"
#: moto's default account; the CDK bootstrap bucket is ``cdk-hnb659fds-assets-<account>-<region>``.
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: The SSM parameter a CDK template's ``BootstrapVersion`` parameter reads.
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
ASSETS_BUCKET = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
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


def _patch_moto() -> None:
    """Work around moto 5.2.5 bugs that stop real CDK templates from deploying. Idempotent.

    ``AWS::KMS::Key`` with ``Tags`` (every tagged stack: ``cdk.Tags`` reaches the endpoint config's
    key) crashes moto's CloudFormation with ``KeyError: 'TagKey'``: it hands CloudFormation's
    ``Key``/``Value`` tags to the KMS tagger, which expects KMS's ``TagKey``/``TagValue``.

    ``AWS::IAM::ManagedPolicy`` has no CloudFormation delete in moto: the policy stays attached, so
    deleting the role (and the stack) fails with ``DeleteConflict``. Give it the delete that
    CloudFormation performs: detach from every role, group and user, then delete.

    ``AWS::EC2::VPCEndpoint``, ``AWS::EC2::RouteTable`` and ``AWS::EC2::FlowLog`` have no
    CloudFormation delete in moto either, so the VPC of a stack with ``network.vpc`` cannot be deleted
    (``DependencyViolation``). Give them CloudFormation's delete too.
    """
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.iam.models import ManagedPolicy
    from moto.kms.models import Key

    if not hasattr(VPCEndPoint, "delete"):

        def delete_vpc_endpoint(self: VPCEndPoint, account_id: str, region_name: str) -> None:
            # A gateway endpoint removes its routes; skip route tables the stack already deleted.
            self.route_table_ids = [r for r in self.route_table_ids or [] if r in self.ec2_backend.route_tables]
            self.ec2_backend.delete_vpc_endpoints([self.id])
            self.ec2_backend.vpc_end_points.pop(self.id, None)

        def delete_route_table(self: RouteTable, account_id: str, region_name: str) -> None:
            for association_id in list(self._associations):
                self.ec2_backend.disassociate_route_table(association_id)
            self.ec2_backend.delete_route_table(self.id)

        def delete_flow_log(self: FlowLogs, account_id: str, region_name: str) -> None:
            self.ec2_backend.delete_flow_logs([self.id])

        VPCEndPoint.delete = delete_vpc_endpoint  # type: ignore[attr-defined]
        RouteTable.delete = delete_route_table  # type: ignore[attr-defined]
        FlowLogs.delete = delete_flow_log  # type: ignore[attr-defined]

    if not hasattr(ManagedPolicy, "delete"):

        def delete_managed_policy(self: ManagedPolicy, account_id: str, region_name: str) -> None:
            backend = self.backend
            for role in list(backend.roles.values()):
                if self.arn in role.managed_policies:
                    backend.detach_role_policy(self.arn, role.name)
            for group in list(backend.groups.values()):
                if self.arn in group.managed_policies:
                    backend.detach_group_policy(self.arn, group.name)
            for user in list(backend.users.values()):
                if self.arn in user.managed_policies:
                    backend.detach_user_policy(self.arn, user.name)
            backend.delete_policy(self.arn)

        ManagedPolicy.delete = delete_managed_policy  # type: ignore[attr-defined]

    create = Key.create_from_cloudformation_json
    if getattr(create, "_rehearsal_patched", False):
        return
    original = create.__func__  # type: ignore[attr-defined]

    def create_with_kms_tags(
        cls: type[Key], /, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
    ) -> Key:
        properties = cloudformation_json.get("Properties", {})
        tags = properties.get("Tags") or []
        if tags and "Key" in tags[0]:
            kms_tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags]
            cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Tags": kms_tags}}
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kw)  # type: ignore[no-any-return]

    create_with_kms_tags._rehearsal_patched = True  # type: ignore[attr-defined]
    Key.create_from_cloudformation_json = classmethod(create_with_kms_tags)  # type: ignore[method-assign,assignment]


class MotoServer:
    """moto's server mode in a thread of this process, bound to 127.0.0.1 only.

    ``port=0`` (the default) lets the OS pick a free port. Use as a context manager, or call
    :meth:`start` and :meth:`stop` (always, in a ``finally``): stopping also closes the socket.
    """

    def __init__(self, port: int = 0) -> None:
        """:param port: the port to bind on 127.0.0.1; 0 picks a free one."""
        from moto.server import ThreadedMotoServer

        self._attached = False
        _patch_moto()
        # One line per request on stderr otherwise (werkzeug's access log).
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto prints "No Moto CloudFormation support for <type>" (kept: it says what is skipped)
        # and also warns with a source line; the warning adds nothing.
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)
        self._clients: dict[str, Any] = {}
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

    def start(self) -> MotoServer:
        """Start serving; returns self."""
        if self._attached:
            raise RuntimeError(f"{self.url} was started elsewhere; it cannot be started here")
        self._server.start()
        self._started = True
        host, self.port = self._server.get_host_and_port()
        assert host == HOST, host
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        if not self._started:
            return
        self._started = False
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

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` on this server, with dummy credentials and no retries."""
        if service not in self._clients:
            self._clients[service] = self._new_client(service)
        return self._clients[service]

    def _new_client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) pointed at this server.

        Every AWS SDK and the CDK CLI then use the server, dummy credentials and us-east-1; profiles,
        session tokens and the shared config/credentials files are taken away.
        """
        env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _REAL_AWS_VARIABLES}
        env.update(DUMMY_CREDENTIALS)
        env.update(
            AWS_ENDPOINT_URL=self.url,
            # CloudFormation reads templates the CLI uploads (large ones) by this URL; moto
            # resolves any S3 URL in its own S3, so loopback is fine.
            AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=self.url.replace(HOST, "localhost"),
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            CDK_DISABLE_VERSION_CHECK="1",
        )
        return env

    # -- moto-specific set-up --------------------------------------------------------------------

    def put_bootstrap_version(self, version: str = "30") -> None:
        """Create the SSM parameter that ``cdk bootstrap`` would (for deploys without it)."""
        self.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value=version, Type="String", Overwrite=True)

    def set_endpoint_results(self, results: list[dict[str, str]]) -> None:
        """Queue canned ``InvokeEndpoint`` answers (``Body``, ``ContentType``, ``InvokedProductionVariant``,
        ``CustomAttributes``). moto hands them out in order, one per distinct request, and then
        repeats the same answer for the same request.
        """
        data = json.dumps({"account_id": ACCOUNT, "region": REGION, "results": results}).encode()
        request = urllib.request.Request(
            f"{self.url}/moto-api/static/sagemaker/endpoint-results",
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # a loopback URL built here
            if response.status != 201:
                raise RuntimeError(f"moto refused the endpoint results: HTTP {response.status}")


@contextmanager
def running_moto(port: int = 0) -> Iterator[MotoServer]:
    """A started :class:`MotoServer`, stopped on exit (also on errors and Ctrl-C)."""
    server = MotoServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
