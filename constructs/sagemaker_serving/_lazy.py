"""Lazy re-exports for package ``__init__`` modules (PEP 562): a name's module is imported on first use.

Each aws_cdk module costs real synth time, so a package re-exports its public names without importing
the modules behind them: an app that never names ``CognitoAuth`` never loads ``aws_cdk.aws_cognito``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any


def load(package: str, exports: Mapping[str, str], name: str, namespace: MutableMapping[str, Any]) -> Any:
    """Import ``name`` from ``package.<exports[name]>``, cache it in ``namespace`` and return it."""
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{module}"), name)
    namespace[name] = value
    return value
