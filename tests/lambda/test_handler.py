"""The entry point: what the code root imports, and property-based fuzzing of the API Gateway event.

The fake SageMaker answers 200 (echo) to anything that reaches it, so any
5xx here is a handler bug, and so is any exception.
"""

from __future__ import annotations

import ast
import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CODE_DIR = Path(__file__).resolve().parents[2] / "lambda" / "front_door"


def test_the_code_root_needs_only_the_lambda_runtime_and_the_powertools_layer() -> None:
    """python3.12 brings the standard library and boto3/botocore, the layer aws_lambda_powertools; the
    modules import each other by plain name, as the runtime imports ``handler`` from the code root."""
    siblings = {path.stem for path in CODE_DIR.glob("*.py")}
    imported: dict[str, set[str]] = {}
    for path in CODE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import (the folder is not a package)"
                names = [node.module or ""]
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(path.stem)
    outside = set(imported) - siblings - set(sys.stdlib_module_names)
    assert outside == {"boto3", "botocore", "aws_lambda_powertools"}, imported
    assert siblings == {
        "contract",
        "settings",
        "sagemaker_client",
        "async_store",
        "async_routes",
        "messages",
        "routing",
        "routes",
        "handler",
    }
    assert imported["routes"] == {"handler"}  # only the entry point builds the app


CONTENT_TYPES = [
    "application/json",
    "APPLICATION/JSON; charset=utf-8",
    "application/vnd.api+json",
    "text/csv",
    "text/csv; header=present",
    "image/png",
    "image/jpeg",
    "application/x-npy",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "*/*",
    "",
    ";",
    "/",
    " application/json ",
]
HEADER_NAMES = [
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "Accept",
    "accept",
    "X-Amzn-SageMaker-Custom-Attributes",
    "x-amzn-sagemaker-custom-attributes",
    "Host",
    "X-Forwarded-For",
]
PATHS = [
    "/invocations",
    "/invocations/",
    "/health",
    "/variants/AllTraffic/invocations",
    "/variants/blue/invocations",
    "/variants//invocations",
    "/variants/a b/invocations",
    "/variants/%2F/invocations",
    "/VARIANTS/x/invocations",
    "/",
    "",
    "//invocations",
]
RESOURCES = ["/invocations", "/health", "/variants/{variant}/invocations", "/{proxy+}", "/", ""]
METHODS = ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "post"]  # mostly POST

text = st.text(max_size=40)
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
header_value = st.one_of(st.none(), st.sampled_from(CONTENT_TYPES), text)
header_name = st.one_of(st.sampled_from(HEADER_NAMES), text)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.none(),
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
    st.just(""),
)
path_parameters = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "variant": st.one_of(st.none(), st.sampled_from(["AllTraffic", "blue", "-x", ""]), st.text(max_size=70)),
            "proxy": st.one_of(st.none(), st.sampled_from([p.lstrip("/") for p in PATHS]), text),
        },
    ),
)
events = st.fixed_dictionaries(
    {
        "resource": st.one_of(st.sampled_from([*RESOURCES, None]), text),
        "path": st.one_of(st.sampled_from([*PATHS, None]), text),
        "httpMethod": st.one_of(st.none(), st.sampled_from(METHODS)),
        "headers": st.one_of(st.none(), st.dictionaries(header_name, header_value, max_size=6)),
        "multiValueHeaders": st.one_of(
            st.none(),
            st.dictionaries(
                header_name, st.one_of(st.none(), st.lists(st.one_of(header_value), max_size=3)), max_size=4
            ),
        ),
        "pathParameters": path_parameters,
        "body": bodies,
        "isBase64Encoded": st.one_of(st.booleans(), st.none(), st.sampled_from(["true", 1])),
    },
    optional={
        "requestContext": st.one_of(
            st.none(), st.fixed_dictionaries({}, optional={"requestId": st.one_of(st.none(), text)})
        ),
    },
)


def check(response: Any, event: dict[str, Any]) -> None:
    assert response.status < 500, (response.raw, event)
    assert response.status in {200, 400, 404, 405, 413, 415}, (response.raw, event)
    if response.status == 200:
        response.data  # decodes  # noqa: B018
    else:
        response.error()  # well-formed error envelope


FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(FUZZ, max_examples=200)
@given(event=events)
def test_arbitrary_events_never_raise_or_5xx(frontdoor: Any, event: dict[str, Any]) -> None:
    check(frontdoor.call(event), event)


@settings(FUZZ, max_examples=200)
@given(
    path=st.sampled_from(["/invocations", "/variants/AllTraffic/invocations", "/variants/green/invocations"]),
    content_type=st.sampled_from(CONTENT_TYPES),
    accept=st.one_of(st.none(), st.sampled_from(CONTENT_TYPES), printable),
    custom=st.one_of(st.none(), printable, text),
    payload=st.one_of(json_values.map(json.dumps), st.text(max_size=100), st.binary(max_size=100)),
    encode=st.booleans(),
)
def test_plausible_invocations_never_5xx(
    frontdoor: Any,
    make_event: Callable[..., dict[str, Any]],
    path: str,
    content_type: str,
    accept: str | None,
    custom: str | None,
    payload: str | bytes,
    encode: bool,
) -> None:
    """Mostly-valid requests, so that many really reach the fake SageMaker."""
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    if custom is not None:
        headers["X-Amzn-SageMaker-Custom-Attributes"] = custom
    event = make_event("POST", path, body=payload, headers=headers, base64_body=encode)

    check(frontdoor.call(event), event)
