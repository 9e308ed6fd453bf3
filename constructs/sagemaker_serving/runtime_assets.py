"""Where the front-door function's code is, and the values it shares with the constructs.

The function's source is this repository's ``lambda/front_door`` folder (its code root: ``handler.handler``).
A built package (``pip install .`` or a wheel) carries a copy of it as package data in
``sagemaker_serving/_runtime/front_door`` (``pyproject.toml`` maps the folder there), so an installed
package deploys the same code with no file copied from the repository; an editable install
(``pip install -e .``) and a checkout on ``PYTHONPATH`` use the repository's folder itself.

``contract.py`` in that folder holds the values both sides must agree on (the largest body, the serving
statuses, the retry back-off and the worst-case budget, API Gateway's timeout, the environment variable
names and defaults). The function imports it as a sibling module; :func:`front_door_contract` loads the
very same file here, so a construct can never use a different value than the function it deploys.

Nothing here imports boto3 or Powertools: ``contract.py`` is standard-library Python.
"""

from __future__ import annotations

import functools
import importlib.util
import typing
from pathlib import Path
from typing import Protocol, cast

__all__ = ["FrontDoorContract", "front_door_code_dir", "front_door_contract", "load_front_door_contract"]

_HERE = Path(__file__).resolve().parent
#: The copy a built package carries (``pyproject.toml``: ``[tool.setuptools.package-dir]``).
PACKAGED_FRONT_DOOR_DIR = _HERE / "_runtime" / "front_door"
#: The source, in a checkout or an editable install (``<repository>/lambda/front_door``).
REPOSITORY_FRONT_DOOR_DIR = _HERE.parents[1] / "lambda" / "front_door"


def front_door_code_dir() -> Path:
    """The front-door function's code folder: the packaged copy when installed, else the repository's
    ``lambda/front_door``.

    Package it without bytecode (pip compiles the installed copy):
    ``lambda_.Code.from_asset(str(front_door_code_dir()), exclude=["__pycache__", "*.pyc"])``.
    """
    if (PACKAGED_FRONT_DOOR_DIR / "handler.py").is_file():
        return PACKAGED_FRONT_DOOR_DIR
    return REPOSITORY_FRONT_DOOR_DIR


class FrontDoorContract(Protocol):
    """The typed view of ``contract.py`` (see that file for what each value means and its sources)."""

    LAMBDA_PAYLOAD_LIMIT_BYTES: int
    EVENT_ENVELOPE_BYTES: int
    MAX_BODY_BYTES: int
    SERVERLESS_MAX_BODY_BYTES: int
    MAX_RESPONSE_BODY_CHARS: int
    SERVING_STATUSES: tuple[str, ...]
    MAX_INTEGRATION_TIMEOUT_MS: int
    HANDLER_MARGIN_MS: int
    MAX_BUDGET_MS: int
    DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS: int
    DEFAULT_SAGEMAKER_READ_TIMEOUT_MS: int
    MIN_SAGEMAKER_TIMEOUT_MS: int
    DEFAULT_SAGEMAKER_MAX_ATTEMPTS: int
    MAX_SAGEMAKER_ATTEMPTS: int
    BACKOFF_BASE_MS: int
    BACKOFF_CAP_MS: int
    BACKOFF_JITTER_MS: int
    ENV_ENDPOINT_NAME: str
    ENV_VARIANT_NAMES: str
    ENV_INFERENCE_COMPONENTS: str
    SCALED_TO_ZERO_RETRY_AFTER_SECONDS: int
    ENV_MAX_BODY_BYTES: str
    ENV_ALLOWED_CONTENT_TYPES: str
    DEFAULT_ALLOWED_CONTENT_TYPES: tuple[str, ...]
    ENV_SAGEMAKER_CONNECT_TIMEOUT: str
    ENV_SAGEMAKER_READ_TIMEOUT: str
    ENV_SAGEMAKER_MAX_ATTEMPTS: str
    ENV_HEALTH_CACHE_SECONDS: str
    DEFAULT_HEALTH_CACHE_SECONDS: float
    MAX_HEALTH_CACHE_SECONDS: float
    ENV_CORS_ALLOWED_ORIGINS: str
    ENV_BINARY_MEDIA_TYPES: str
    ENV_POWERTOOLS_SERVICE_NAME: str
    DEFAULT_SERVICE_NAME: str
    ENV_POWERTOOLS_METRICS_NAMESPACE: str
    DEFAULT_METRICS_NAMESPACE: str
    ENV_POWERTOOLS_LOG_LEVEL: str
    DEFAULT_LOG_LEVEL: str
    LOG_LEVELS: tuple[str, ...]
    ENV_INVOCATION_MODE: str
    INVOCATION_MODES: tuple[str, ...]
    DEFAULT_INVOCATION_MODE: str
    ENV_ASYNC_BUCKET: str
    ENV_ASYNC_INPUT_PREFIX: str
    DEFAULT_ASYNC_INPUT_PREFIX: str
    DEFAULT_ASYNC_OUTPUT_PREFIX: str
    DEFAULT_ASYNC_FAILURE_PREFIX: str
    ASYNC_REQUESTS_PREFIX: str
    ENV_ASYNC_INVOCATION_TIMEOUT_SECONDS: str
    MIN_ASYNC_INVOCATION_TIMEOUT_SECONDS: int
    MAX_ASYNC_INVOCATION_TIMEOUT_SECONDS: int
    DEFAULT_ASYNC_INVOCATION_TIMEOUT_SECONDS: int
    ENV_ASYNC_REQUEST_TTL_SECONDS: str
    MIN_ASYNC_REQUEST_TTL_SECONDS: int
    MAX_ASYNC_REQUEST_TTL_SECONDS: int
    DEFAULT_ASYNC_REQUEST_TTL_SECONDS: int
    ASYNC_MAX_PAYLOAD_BYTES: int
    ASYNC_RETRY_AFTER_SECONDS: int

    def backoff_ms(self, retry: int) -> int:
        """The sleep before retry ``retry`` (0-based) in milliseconds, jitter excluded."""
        ...

    def worst_case_budget_ms(self, *, connect_ms: float, read_ms: float, attempts: int) -> float:
        """Longest one ``InvokeEndpoint`` call can take in milliseconds, retries and back-offs included."""
        ...


_FUNCTIONS = ("backoff_ms", "worst_case_budget_ms")


def load_front_door_contract(code_dir: Path) -> FrontDoorContract:
    """Load ``code_dir/contract.py`` by path (a fresh module each call; no bytecode written next to it).

    :raises FileNotFoundError: ``code_dir`` has no ``contract.py``.
    :raises TypeError: it lacks a value of :class:`FrontDoorContract`, or one has the wrong type (a copy of
        the function older than this package, for example).
    """
    path = code_dir / "contract.py"
    spec = importlib.util.spec_from_file_location("sagemaker_serving._front_door_contract", path)
    if spec is None:  # pragma: no cover - only for paths without a .py suffix
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    exec(compile(path.read_bytes(), str(path), "exec", dont_inherit=True), module.__dict__)
    problems = []
    for name, expected in typing.get_type_hints(FrontDoorContract).items():
        value = getattr(module, name, None)
        kind = typing.get_origin(expected) or expected
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{name}: expected {kind.__name__}, found {value!r}")
    problems += [f"{name}: expected a function" for name in _FUNCTIONS if not callable(getattr(module, name, None))]
    if problems:
        raise TypeError(f"{path} is not the front-door contract this package expects: " + "; ".join(problems))
    return cast(FrontDoorContract, module)


@functools.cache
def front_door_contract() -> FrontDoorContract:
    """The values the constructs share with the function, loaded once from :func:`front_door_code_dir`."""
    return load_front_door_contract(front_door_code_dir())
