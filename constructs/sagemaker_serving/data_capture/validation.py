"""The rules of data capture settings: content types, the key prefix, integers in range."""

from __future__ import annotations

import re

#: ``CaptureContentTypeHeader``'s ``CsvContentType`` / ``JsonContentType`` (botocore's SageMaker model):
#: 1-256 characters, ``type/subtype``, at most 10 of each.
CONTENT_TYPE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$")
MAX_CONTENT_TYPES = 10
#: ``DestinationS3Uri`` is at most 512 characters; ``s3://`` and a 63-character bucket name leave this for the prefix.
MAX_PREFIX_LENGTH = 512 - len("s3://") - 63 - 1
#: S3 key characters that need no encoding (the "safe characters" of the S3 object key naming rules).
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$")


def int_problem(where: str, value: object, low: int, high: int | None = None) -> list[str]:
    """``[]`` when ``value`` is an integer from ``low`` (to ``high``), else the problem, prefixed with ``where``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)
    if ok:
        return []
    allowed = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    return [f"{where}: {value!r} is not allowed; must be {allowed}"]


def valid_prefix(prefix: str) -> bool:
    """Safe S3 key characters in ``/``-separated parts, at most ``MAX_PREFIX_LENGTH`` long."""
    return bool(_PREFIX.match(prefix)) and len(prefix) <= MAX_PREFIX_LENGTH


def content_type_problems(where: str, values: object) -> list[str]:
    """At most ``MAX_CONTENT_TYPES`` content types, each ``type/subtype`` of at most 256 characters."""
    if not isinstance(values, tuple | list) or not all(isinstance(v, str) for v in values):
        return [f"{where}: {values!r} is not allowed; expected a sequence of content types such as 'text/csv'"]
    problems = []
    if len(values) > MAX_CONTENT_TYPES:
        problems.append(f"{where}: {len(values)} given is not allowed; at most {MAX_CONTENT_TYPES}")
    problems += [
        f"{where}[{i}]: {v!r} is not allowed; expected a content type such as 'application/json' (type/subtype, "
        "at most 256 characters)"
        for i, v in enumerate(values)
        if not CONTENT_TYPE.match(v) or len(v) > 256
    ]
    return problems
