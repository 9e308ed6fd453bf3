"""Helpers for template tests."""

from __future__ import annotations

import json
import re
from typing import Any

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """A template with asset hashes (which change with Lambda and model files) blanked."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))  # type: ignore[no-any-return]
