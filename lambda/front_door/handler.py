"""Placeholder so the asset folder exists; the real handler comes from the frontdoor-lambda branch."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer 501 until the real front-door handler is merged."""
    return {
        "statusCode": 501,
        "headers": {"Content-Type": "application/json"},
        "body": '{"error": {"code": "NotImplemented", "message": "placeholder handler"}}',
    }
