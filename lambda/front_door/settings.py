"""The function's settings: read once from the environment into a frozen :class:`Settings`.

Every variable, its default and its limits come from :mod:`contract` (shared with the CDK construct).
A bad value is refused when the function starts (:class:`SettingsError`, naming every bad variable, its
value and what is allowed), so a misconfigured function fails its first invocation loudly instead of
misbehaving.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import contract

#: ``SAGEMAKER_*_TIMEOUT`` bounds in seconds (the environment variables are in seconds).
_MIN_TIMEOUT_SECONDS: Final = contract.MIN_SAGEMAKER_TIMEOUT_MS / 1000
_MAX_TIMEOUT_SECONDS: Final = contract.MAX_BUDGET_MS / 1000
#: A route name and an ``InferenceComponentName``: 1-63 alphanumerics or hyphens.
_NAME_RE: Final = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")


class SettingsError(ValueError):
    """One or more environment variables hold a value the function refuses."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the function reads from its environment (see :mod:`contract` for the variables)."""

    endpoint_name: str
    #: Production variants a request may be pinned to; empty: any name SageMaker accepts.
    variant_names: frozenset[str] = frozenset()
    #: Inference components by the name callers use → their ``InferenceComponentName``; empty: none.
    inference_components: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = contract.MAX_BODY_BYTES
    #: Lower-cased media types (``type/*`` and ``*/*`` wildcards allowed).
    allowed_content_types: frozenset[str] = frozenset(contract.DEFAULT_ALLOWED_CONTENT_TYPES)
    connect_timeout: float = contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS / 1000
    read_timeout: float = contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS / 1000
    max_attempts: int = contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS
    health_cache_seconds: float = contract.DEFAULT_HEALTH_CACHE_SECONDS
    cors_allowed_origins: frozenset[str] = frozenset()
    #: Lower-cased; empty: binary answers are not checked against ``Accept``.
    binary_media_types: frozenset[str] = frozenset()
    service_name: str = contract.DEFAULT_SERVICE_NAME
    metrics_namespace: str = contract.DEFAULT_METRICS_NAMESPACE
    #: ``real-time`` or ``async`` (:data:`contract.INVOCATION_MODES`).
    invocation_mode: str = contract.DEFAULT_INVOCATION_MODE
    #: ``async`` only: the bucket and input prefix of request bodies, and the per-request limits.
    async_bucket: str = ""
    async_input_prefix: str = contract.DEFAULT_ASYNC_INPUT_PREFIX
    async_invocation_timeout_seconds: int = contract.DEFAULT_ASYNC_INVOCATION_TIMEOUT_SECONDS
    async_request_ttl_seconds: int = contract.DEFAULT_ASYNC_REQUEST_TTL_SECONDS

    @property
    def is_async(self) -> bool:
        """Whether the endpoint takes asynchronous invocations only."""
        return self.invocation_mode == "async"

    @property
    def budget_ms(self) -> float:
        """Longest one ``InvokeEndpoint`` call can take, retries included (:func:`contract.worst_case_budget_ms`)."""
        return contract.worst_case_budget_ms(
            connect_ms=self.connect_timeout * 1000, read_ms=self.read_timeout * 1000, attempts=self.max_attempts
        )

    @property
    def lambda_timeout_seconds(self) -> int:
        """The shortest whole-second function timeout that fits the budget, at most API Gateway's limit."""
        return min(math.ceil(self.budget_ms / 1000) + 1, contract.MAX_INTEGRATION_TIMEOUT_MS // 1000)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check the settings (``os.environ`` by default); :class:`SettingsError` lists every problem."""
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        endpoint_name = env.get(contract.ENV_ENDPOINT_NAME, "").strip()
        if not endpoint_name:
            reader.problems.append(f"{contract.ENV_ENDPOINT_NAME} must be set")
        connect, read, attempts = reader.timing()
        settings = cls(
            endpoint_name=endpoint_name,
            variant_names=reader.names(contract.ENV_VARIANT_NAMES),
            inference_components=reader.pairs(contract.ENV_INFERENCE_COMPONENTS),
            max_body_bytes=reader.integer(
                contract.ENV_MAX_BODY_BYTES, contract.MAX_BODY_BYTES, 1, contract.MAX_BODY_BYTES
            ),
            allowed_content_types=reader.names(
                contract.ENV_ALLOWED_CONTENT_TYPES, contract.DEFAULT_ALLOWED_CONTENT_TYPES, lower=True
            ),
            connect_timeout=connect,
            read_timeout=read,
            max_attempts=attempts,
            health_cache_seconds=reader.number(
                contract.ENV_HEALTH_CACHE_SECONDS,
                contract.DEFAULT_HEALTH_CACHE_SECONDS,
                0.0,
                contract.MAX_HEALTH_CACHE_SECONDS,
            ),
            cors_allowed_origins=reader.names(contract.ENV_CORS_ALLOWED_ORIGINS),
            binary_media_types=reader.names(contract.ENV_BINARY_MEDIA_TYPES, lower=True),
            service_name=env.get(contract.ENV_POWERTOOLS_SERVICE_NAME) or contract.DEFAULT_SERVICE_NAME,
            metrics_namespace=env.get(contract.ENV_POWERTOOLS_METRICS_NAMESPACE) or contract.DEFAULT_METRICS_NAMESPACE,
            **reader.async_settings(),
        )
        reader.check_together(settings)
        if reader.problems:
            raise SettingsError("; ".join(reader.problems))
        return settings


class _Reader:
    """Parses environment values, collecting every problem instead of stopping at the first."""

    _TIMING: Final = frozenset(
        {
            contract.ENV_SAGEMAKER_CONNECT_TIMEOUT,
            contract.ENV_SAGEMAKER_READ_TIMEOUT,
            contract.ENV_SAGEMAKER_MAX_ATTEMPTS,
        }
    )

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []
        self.bad_timing = False  # no budget check on top of a bad timeout or attempt count

    def timing(self) -> tuple[float, float, int]:
        """``(connect timeout, read timeout, max attempts)`` of the SageMaker calls, in seconds and calls."""
        connect = self.number(
            contract.ENV_SAGEMAKER_CONNECT_TIMEOUT,
            contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS / 1000,
            _MIN_TIMEOUT_SECONDS,
            _MAX_TIMEOUT_SECONDS,
        )
        read = self.number(
            contract.ENV_SAGEMAKER_READ_TIMEOUT,
            contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS / 1000,
            _MIN_TIMEOUT_SECONDS,
            _MAX_TIMEOUT_SECONDS,
        )
        attempts = self.integer(
            contract.ENV_SAGEMAKER_MAX_ATTEMPTS,
            contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS,
            1,
            contract.MAX_SAGEMAKER_ATTEMPTS,
        )
        return connect, read, attempts

    def check_together(self, settings: Settings) -> None:
        """The rules across variables: no inference components in ``async`` mode, and the SageMaker call
        budget (unless a timeout or the attempt count is already refused) within :data:`contract.MAX_BUDGET_MS`."""
        if settings.is_async and settings.inference_components:
            # SageMaker: an asynchronous endpoint serves one model; inference components are real-time only.
            self.problems.append(
                f"{contract.ENV_INFERENCE_COMPONENTS} must be unset when {contract.ENV_INVOCATION_MODE} is async "
                "(an asynchronous endpoint hosts no inference components)"
            )
        budget_ms = settings.budget_ms
        if not self.bad_timing and budget_ms > contract.MAX_BUDGET_MS:
            self.problems.append(
                f"SageMaker call budget {budget_ms / 1000:g}s exceeds {contract.MAX_BUDGET_MS / 1000:g}s: lower "
                f"{contract.ENV_SAGEMAKER_READ_TIMEOUT}, {contract.ENV_SAGEMAKER_CONNECT_TIMEOUT} or "
                f"{contract.ENV_SAGEMAKER_MAX_ATTEMPTS}"
            )

    def number(self, name: str, default: float, low: float, high: float, *, integer: bool = False) -> float:
        raw = self.env.get(name, "").strip()
        try:
            value = float(raw) if raw else float(default)
        except ValueError:
            return self._refuse(name, f"{name} must be a number, got {raw!r}", default)
        if not low <= value <= high or (integer and value != int(value)):
            kind = "an integer" if integer else "a number"
            return self._refuse(name, f"{name} must be {kind} between {low:.15g} and {high:.15g}, got {raw!r}", default)
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return int(self.number(name, default, low, high, integer=True))

    def names(self, name: str, default: tuple[str, ...] = (), *, lower: bool = False) -> frozenset[str]:
        raw = self.env.get(name) or ",".join(default)
        items = (item.strip() for item in raw.split(","))
        return frozenset(item.lower() if lower else item for item in items if item)

    def async_settings(self) -> dict[str, Any]:
        """The invocation mode and, in ``async`` mode, where request bodies go and the per-request limits."""
        mode = self.env.get(contract.ENV_INVOCATION_MODE, "").strip() or contract.DEFAULT_INVOCATION_MODE
        if mode not in contract.INVOCATION_MODES:
            self.problems.append(
                f"{contract.ENV_INVOCATION_MODE} must be one of {', '.join(contract.INVOCATION_MODES)}, got {mode!r}"
            )
        bucket = self.env.get(contract.ENV_ASYNC_BUCKET, "").strip()
        if mode == "async" and not bucket:
            self.problems.append(
                f"{contract.ENV_ASYNC_BUCKET} must be set when {contract.ENV_INVOCATION_MODE} is async"
            )
        prefix = self.env.get(contract.ENV_ASYNC_INPUT_PREFIX, "").strip() or contract.DEFAULT_ASYNC_INPUT_PREFIX
        if not prefix.endswith("/") or prefix.startswith("/"):
            self.problems.append(
                f"{contract.ENV_ASYNC_INPUT_PREFIX} must be a key prefix ending in '/' (not starting with one), "
                f"got {prefix!r}"
            )
        return {
            "invocation_mode": mode,
            "async_bucket": bucket,
            "async_input_prefix": prefix,
            "async_invocation_timeout_seconds": self.integer(
                contract.ENV_ASYNC_INVOCATION_TIMEOUT_SECONDS,
                contract.DEFAULT_ASYNC_INVOCATION_TIMEOUT_SECONDS,
                contract.MIN_ASYNC_INVOCATION_TIMEOUT_SECONDS,
                contract.MAX_ASYNC_INVOCATION_TIMEOUT_SECONDS,
            ),
            "async_request_ttl_seconds": self.integer(
                contract.ENV_ASYNC_REQUEST_TTL_SECONDS,
                contract.DEFAULT_ASYNC_REQUEST_TTL_SECONDS,
                contract.MIN_ASYNC_REQUEST_TTL_SECONDS,
                contract.MAX_ASYNC_REQUEST_TTL_SECONDS,
            ),
        }

    def pairs(self, name: str) -> dict[str, str]:
        """``a=b,c=d`` → ``{"a": "b", "c": "d"}``; each side 1-63 alphanumerics or hyphens, keys unique."""
        found: dict[str, str] = {}
        for item in (i.strip() for i in (self.env.get(name) or "").split(",")):
            if not item:
                continue
            key, sep, value = (part.strip() for part in item.partition("="))
            if not sep or not _NAME_RE.fullmatch(key) or not _NAME_RE.fullmatch(value) or key in found:
                self.problems.append(
                    f"{name} must be comma-separated name=InferenceComponentName pairs with unique names of 1-63 "
                    f"alphanumerics or hyphens, got {item!r}"
                )
                continue
            found[key] = value
        return found

    def _refuse(self, name: str, problem: str, default: float) -> float:
        self.problems.append(problem)
        self.bad_timing = self.bad_timing or name in self._TIMING
        return float(default)
