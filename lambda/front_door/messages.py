"""The HTTP side of each request: its headers, media types and body checked, and the answers built.

Module functions for what needs no settings (:func:`media_type`, :func:`request_headers`, :func:`error_answer`,
the JSON error envelope); the :class:`Messages` mixin of :class:`routes.FrontDoor` for what reads them (the
allowed content types, the body limit, the binary media types, the CORS origins). See :mod:`routes` for the
answers each route gives.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

import contract
from sagemaker_client import HttpError
from settings import Settings

_HEADER_VALUE_RE: Final = re.compile(r"[\x20-\x7e\t]{0,1024}")
_TEXT_TYPES: Final = frozenset({"application/json", "application/xml", "application/jsonlines", "application/x-ndjson"})
JSON_HEADERS: Final = {"Content-Type": "application/json"}

Event = dict[str, Any]
Answer = dict[str, Any]


def media_type(value: str) -> str:
    """``type/subtype`` of a ``Content-Type``/``Accept`` value: parameters dropped, lower case."""
    return value.split(";", 1)[0].strip().lower()


def _matches(media: str, types: frozenset[str]) -> bool:
    """``media`` is one of ``types``, or matches a ``type/*`` or ``*/*`` entry."""
    return media in types or media.split("/", 1)[0] + "/*" in types or "*/*" in types


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_text(media: str) -> bool:
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def request_headers(event: Event) -> dict[str, str]:
    """Lower-cased single-value view of ``headers``, else of ``multiValueHeaders`` (last value)."""
    single = event.get("headers")
    found = (
        {k.lower(): v for k, v in single.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(single, dict)
        else {}
    )
    multi = event.get("multiValueHeaders")
    # API Gateway fills both maps with the same names: the second is a fallback.
    if not found and isinstance(multi, dict):
        for name, values in multi.items():
            if isinstance(name, str) and isinstance(values, list) and values and isinstance(values[-1], str):
                found[name.lower()] = values[-1]
    return found


def _pass_through(headers: dict[str, str], name: str) -> str | None:
    """A pass-through header value, ``None`` if absent/empty, 400 if unsafe."""
    value = headers.get(name)
    if not value:
        return None
    if not _HEADER_VALUE_RE.fullmatch(value):
        raise HttpError(400, "InvalidHeader", f"Header {name} must be at most 1024 printable ASCII characters")
    return value


def error_answer(error: HttpError, request_id: str) -> Answer:
    """The JSON error envelope."""
    body = {"error": {"code": error.code, "message": error.message}, "requestId": request_id}
    return {
        "statusCode": error.status,
        "headers": {**JSON_HEADERS, **error.headers},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


class Messages:
    """The request checks and the model's answer, with the function's settings; a mixin of :class:`routes.FrontDoor`."""

    settings: Settings

    def _request(self, event: Event, log: dict[str, Any]) -> tuple[bytes, str, str | None, str | None]:
        """The checked request: ``(body, Content-Type, Accept, custom attributes)``."""
        headers = request_headers(event)
        content_type = _pass_through(headers, "content-type")
        accept = _pass_through(headers, "accept")
        custom = _pass_through(headers, "x-amzn-sagemaker-custom-attributes")
        if content_type is None:
            raise HttpError(415, "UnsupportedMediaType", "Content-Type header is required")
        media = media_type(content_type)
        log["content_type"] = media[:64]
        if not _matches(media, self.settings.allowed_content_types):
            raise HttpError(415, "UnsupportedMediaType", "Content-Type is not accepted")
        body = self._body(event, media)
        log["request_bytes"] = len(body)
        return body, content_type, accept, custom

    def _model_answer(
        self, body: bytes, content_type: str | None, accept: str | None, headers: dict[str, str], log: dict[str, Any]
    ) -> Answer:
        """A 200 with the model's body: text as is, binary as base64 (406 if API Gateway would not turn it back
        into bytes for this ``Accept``), 502 beyond Lambda's response limit."""
        out_type = content_type or "application/octet-stream"
        out_media = media_type(out_type)
        log.update(response_bytes=len(body), response_content_type=out_media)
        text: str | None = None
        if _is_text(out_media):
            try:
                text = body.decode()
            except UnicodeDecodeError:
                text = None
        binary_types = self.settings.binary_media_types
        if text is None and binary_types and not self._binary_accept(accept):
            raise HttpError(
                406,
                "NotAcceptable",
                f"The model answered {out_media[:64]}, a binary type: send an Accept header whose first "
                "media type is one of the API's binary media types (e.g. Accept: image/png) to receive it as bytes",
            )
        encoded = text if text is not None else base64.b64encode(body).decode("ascii")
        if len(encoded) > contract.MAX_RESPONSE_BODY_CHARS:
            raise HttpError(502, "ResponseTooLarge", "The model's response exceeds the Lambda payload limit")
        return {
            "statusCode": 200,
            "headers": {"Content-Type": out_type, **headers},
            "body": encoded,
            "isBase64Encoded": text is None,
        }

    def _body(self, event: Event, media: str) -> bytes:
        """The decoded, size-checked (and for JSON, syntax-checked) request body."""
        limit = self.settings.max_body_bytes
        raw = event.get("body")
        if raw is None or raw == "":
            raise HttpError(400, "EmptyBody", "Request body is empty")
        if not isinstance(raw, str):
            raise HttpError(400, "InvalidBody", "Request body must be a string")
        if event.get("isBase64Encoded") is True:
            if len(raw) > (limit + 2) // 3 * 4:
                raise HttpError(413, "PayloadTooLarge", f"Body exceeds {limit} bytes")
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise HttpError(400, "InvalidBase64", "Body is not valid base64") from None
        else:
            try:
                body = raw.encode()
            except UnicodeEncodeError:
                raise HttpError(400, "InvalidBody", "Body is not valid UTF-8") from None
        if len(body) > limit:
            raise HttpError(413, "PayloadTooLarge", f"Body exceeds {limit} bytes")
        if not body:
            raise HttpError(400, "EmptyBody", "Request body is empty")
        if _is_json(media):
            try:
                json.loads(body)
            except (ValueError, RecursionError):
                raise HttpError(400, "MalformedJson", "Body is not valid JSON") from None
        return body

    def _accept(self, event: Event) -> str | None:
        """The request's checked ``Accept`` header, if any."""
        return _pass_through(request_headers(event), "accept")

    def _binary_accept(self, accept: str | None) -> bool:
        """Whether API Gateway turns a base64 answer back into bytes: the first ``Accept`` media type
        must match a binary media type (``type/*`` and ``*/*`` entries match as wildcards)."""
        if not accept:
            return False
        return _matches(media_type(accept.split(",", 1)[0]), self.settings.binary_media_types)

    # ----------------------------------------------------------------------
    # Every answer
    # ----------------------------------------------------------------------
    def _cors(self, event: Event, headers: dict[str, str]) -> None:
        """With a proxy integration the answer itself must carry ``Access-Control-Allow-Origin``."""
        origins = self.settings.cors_allowed_origins
        if not origins:
            return
        origin = request_headers(event).get("origin")
        if origin and (origin in origins or "*" in origins):
            headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
            headers["Vary"] = "Origin"
