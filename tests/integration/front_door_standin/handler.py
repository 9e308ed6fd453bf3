"""A tiny stand-in for ``lambda/front_door/handler.py`` while that handler is not on this branch.

Only for tests/integration/test_serve_local.py: same entry point and settings (``ENDPOINT_NAME``,
``VARIANT_NAMES``), same routes; boto3 finds moto through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import boto3  # type: ignore[import-untyped]

ENDPOINT_NAME = os.environ["ENDPOINT_NAME"]
VARIANT_NAMES = {v for v in os.environ.get("VARIANT_NAMES", "").split(",") if v}
runtime = boto3.client("sagemaker-runtime")


def _answer(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway REST proxy event in, proxy response out."""
    if event["resource"] == "/health":
        status = boto3.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT_NAME)["EndpointStatus"]
        return _answer(200 if status == "InService" else 503, {"status": status})
    if event["httpMethod"] != "POST":
        return _answer(405, {"error": {"code": "MethodNotAllowed"}})
    variant = (event.get("pathParameters") or {}).get("variant")
    if variant is not None and variant not in VARIANT_NAMES:
        return _answer(404, {"error": {"code": "VariantNotFound"}})
    body = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event["body"].encode()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    kwargs: dict[str, Any] = {"EndpointName": ENDPOINT_NAME, "Body": body, "ContentType": headers["content-type"]}
    if variant is not None:
        kwargs["TargetVariant"] = variant
    result = runtime.invoke_endpoint(**kwargs)
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": result["ContentType"],
            "X-Invoked-Production-Variant": result.get("InvokedProductionVariant", ""),
        },
        "body": result["Body"].read().decode(),
        "isBase64Encoded": False,
    }
