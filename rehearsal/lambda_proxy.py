"""API Gateway's Lambda proxy integration, played locally: routes, the REST (v1) proxy event, the context.

:func:`proxy_event` turns one HTTP request into the event API Gateway would send, :class:`LambdaContext`
is what the Lambda runtime passes beside it, and :func:`load_handler` imports the front-door handler
(``lambda/front_door/handler.py``) as the runtime does. :class:`rehearsal.local_front_door.LocalFrontDoor`
serves them over HTTP.
"""

from __future__ import annotations

import base64
import fnmatch
import importlib.util
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from rehearsal.moto_server import DEFAULT_TARGET, HOST, Target
from rehearsal.verify_front_door import FRONT_DOOR_ROUTES

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
