"""A small HTTP server on 127.0.0.1 that plays API Gateway (REST, Lambda proxy) for a front-door handler."""

from __future__ import annotations

import base64
import json
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from rehearsal.lambda_proxy import (
    DEFAULT_BINARY_MEDIA_TYPES,
    DEFAULT_ROUTES,
    Handler,
    LambdaContext,
    Route,
    proxy_event,
)
from rehearsal.moto_server import DEFAULT_TARGET, HOST, Target


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
