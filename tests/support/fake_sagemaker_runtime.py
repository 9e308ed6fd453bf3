"""A loopback fake of the SageMaker runtime and control-plane HTTP APIs.

The server is a real ``http.server.ThreadingHTTPServer`` bound to
``127.0.0.1`` on an ephemeral port.  botocore signs and sends genuine
requests to it (point a client at :attr:`FakeSageMaker.url` through
``endpoint_url`` or ``AWS_ENDPOINT_URL*``), so tests observe exactly what
botocore put on the wire and exercise botocore's real response parsing,
error parsing and retry logic.

It speaks just enough of two protocols:

* ``sagemaker-runtime`` (rest-json): ``POST /endpoints/{name}/invocations``.
  By default it echoes the request body back with the request's ``Accept``
  (or ``Content-Type``) as content type, names the targeted variant (or
  :attr:`FakeSageMaker.default_variant`) in ``x-Amzn-Invoked-Production-Variant``
  and echoes ``X-Amzn-SageMaker-Custom-Attributes``.
* ``sagemaker-runtime`` (rest-json): ``POST /endpoints/{name}/async-invocations``
  (``InvokeEndpointAsync``). By default it queues nothing and answers 202 with
  the request's ``X-Amzn-SageMaker-Inference-Id`` and the locations the real
  service names: ``<async_output_path>/<id>.out`` and
  ``<async_failure_path>/<id>-error.out``. Tests write the result (or the
  failure) there themselves, as SageMaker would once the request leaves the queue.
* ``sagemaker`` (JSON 1.1): ``POST /`` with
  ``X-Amz-Target: SageMaker.DescribeEndpoint``; answers with
  :attr:`FakeSageMaker.endpoint_status`. ``SageMaker.DescribeInferenceComponent``
  answers from :attr:`FakeSageMaker.inference_components` (name → status and
  copies), a ``ValidationError`` for any other name.

Tests script it by queueing :class:`FakeResponse` objects per operation
(``queue("InvokeEndpoint", ...)``); queued responses are consumed in order
and the default behaviour resumes when the queue is empty.  Every request is
recorded as a :class:`RecordedRequest`.

Usage::

    with FakeSageMaker() as fake:
        fake.queue("InvokeEndpoint", FakeResponse.error("ThrottlingException", 429))
        ...
        assert len(fake.requests_for("InvokeEndpoint")) == 3
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_INVOKE_PATH = re.compile(r"^/endpoints/(?P<name>[^/]+)/invocations$")
_INVOKE_ASYNC_PATH = re.compile(r"^/endpoints/(?P<name>[^/]+)/async-invocations$")

INVOKE = "InvokeEndpoint"
INVOKE_ASYNC = "InvokeEndpointAsync"
DESCRIBE = "DescribeEndpoint"
DESCRIBE_COMPONENT = "DescribeInferenceComponent"


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake server received it."""

    operation: str
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class FakeResponse:
    """A scripted response.  ``delay`` seconds pass before it is sent."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> FakeResponse:
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
        )

    @classmethod
    def error(
        cls,
        code: str,
        status: int,
        message: str = "injected error",
        *,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> FakeResponse:
        """An AWS rest-json / JSON 1.1 style error botocore can parse."""
        payload = {"__type": code, "message": message, **fields}
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/",
                **(headers or {}),
            },
            delay=delay,
        )

    @classmethod
    def model_error(
        cls,
        original_message: str,
        original_status: int = 400,
        log_stream_arn: str = ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/test-endpoint"),
    ) -> FakeResponse:
        """A ``ModelError`` (424) shaped like the real service's."""
        return cls.error(
            "ModelError",
            424,
            f"Received client error ({original_status}) from primary with "
            f'message "{original_message}". See {log_stream_arn} for more '
            "information.",
            OriginalStatusCode=original_status,
            OriginalMessage=original_message,
            LogStreamArn=log_stream_arn,
        )


class FakeSageMaker:
    """Scriptable fake SageMaker runtime + DescribeEndpoint server."""

    def __init__(self, default_variant: str = "AllTraffic") -> None:
        self.default_variant = default_variant
        self.endpoint_status = "InService"
        self.variant_names: list[str] = [default_variant]
        #: Where ``InvokeEndpointAsync`` says results and failures will be (the endpoint config's paths).
        self.async_output_path = "s3://async-bucket/output"
        self.async_failure_path = "s3://async-bucket/failure"
        #: ``InferenceComponentName`` → ``(InferenceComponentStatus, CurrentCopyCount)`` for DescribeInferenceComponent.
        self.inference_components: dict[str, tuple[str, int]] = {}
        self._queues: dict[str, deque[FakeResponse]] = defaultdict(deque)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> Self:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # Join request threads on server_close() so nothing outlives a test.
        server.daemon_threads = False
        server.block_on_close = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-sagemaker",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wake any handler sleeping on a delay
        if self._server is not None:
            self._server.shutdown()
            # Idle keep-alive connections block their handler threads in a
            # read; shut the sockets down so server_close() can join them.
            with self._lock:
                connections = list(self._connections)
            for conn in connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting ---------------------------------------------------------
    def queue(self, operation: str, *responses: FakeResponse) -> None:
        with self._lock:
            self._queues[operation].extend(responses)

    def reset(self) -> None:
        with self._lock:
            self._queues.clear()
            self._requests.clear()
        self.endpoint_status = "InService"
        self.variant_names = [self.default_variant]
        self.async_output_path = "s3://async-bucket/output"
        self.async_failure_path = "s3://async-bucket/failure"
        self.inference_components = {}

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.operation == operation]

    # -- used by the request handler --------------------------------------
    def _record_and_pop(self, request: RecordedRequest) -> FakeResponse | None:
        with self._lock:
            self._requests.append(request)
            queue = self._queues.get(request.operation)
            return queue.popleft() if queue else None

    def _default_response(self, request: RecordedRequest) -> FakeResponse:
        if request.operation == INVOKE:
            content_type = request.header("accept") or request.header("content-type") or "application/octet-stream"
            headers = {
                "Content-Type": content_type,
                "x-Amzn-Invoked-Production-Variant": (
                    request.header("x-amzn-sagemaker-target-variant") or self.default_variant
                ),
            }
            custom = request.header("x-amzn-sagemaker-custom-attributes")
            if custom is not None:
                headers["X-Amzn-SageMaker-Custom-Attributes"] = custom
            return FakeResponse(200, request.body, headers)
        if request.operation == INVOKE_ASYNC:
            inference_id = request.header("x-amzn-sagemaker-inference-id") or "generated-by-fake"
            return FakeResponse(
                202,
                json.dumps({"InferenceId": inference_id}).encode(),
                {
                    "Content-Type": "application/json",
                    "X-Amzn-SageMaker-OutputLocation": f"{self.async_output_path}/{inference_id}.out",
                    "X-Amzn-SageMaker-FailureLocation": f"{self.async_failure_path}/{inference_id}-error.out",
                },
            )
        if request.operation == DESCRIBE:
            name = json.loads(request.body or b"{}").get("EndpointName", "?")
            return FakeResponse.json(
                200,
                {
                    "EndpointName": name,
                    "EndpointArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
                    "EndpointConfigName": f"{name}-config",
                    "EndpointStatus": self.endpoint_status,
                    "CreationTime": 1700000000.0,
                    "LastModifiedTime": 1700000000.0,
                    "ProductionVariants": [{"VariantName": v, "CurrentWeight": 1.0} for v in self.variant_names],
                },
            )
        if request.operation == DESCRIBE_COMPONENT:
            name = json.loads(request.body or b"{}").get("InferenceComponentName", "?")
            if name not in self.inference_components:
                return FakeResponse.error("ValidationError", 400, f"Could not find inference component {name}")
            status, copies = self.inference_components[name]
            return FakeResponse.json(
                200,
                {
                    "InferenceComponentName": name,
                    "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:123456789012:inference-component/{name}",
                    "EndpointName": "test-endpoint",
                    "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/test-endpoint",
                    "CreationTime": 1700000000.0,
                    "LastModifiedTime": 1700000000.0,
                    "InferenceComponentStatus": status,
                    "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
                },
            )
        return FakeResponse.error("UnknownOperationException", 404, "no such route")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSageMaker  # set on the per-server subclass
    protocol_version = "HTTP/1.1"  # keep-alive, like the real service
    timeout = 30  # safety net: an idle connection never pins a thread forever
    wbufsize = -1  # buffered: separate head/body writes would meet delayed ACKs

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle + delayed ACK add ~40 ms to every keep-alive call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:  # noqa: N802, RUF100 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        target = headers.get("x-amz-target", "")
        if _INVOKE_PATH.match(self.path):
            operation = INVOKE
        elif _INVOKE_ASYNC_PATH.match(self.path):
            operation = INVOKE_ASYNC
        elif self.path == "/" and target.startswith("SageMaker."):
            operation = target.split(".", 1)[1]
        else:
            operation = "Unknown"
        request = RecordedRequest(operation, "POST", self.path, headers, body)
        response = self.fake._record_and_pop(request) or self.fake._default_response(request)
        if response.delay and self.fake._stopping.wait(response.delay):
            self.close_connection = True
            return
        self._send(response)

    def _send(self, response: FakeResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("x-amzn-RequestId", "fake-request-id")
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()  # head and body leave in one write (see wbufsize)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. a read timeout); nothing to do.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


def main() -> None:
    """Serve in the foreground: print the URL, stop when stdin closes.

    Lets a benchmark keep the server out of its own process (and GIL).
    """
    import sys

    with FakeSageMaker() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
