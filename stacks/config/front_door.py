"""The ``front_door`` table: the environment's REST front door, and the rules of the file about it.

Its scalar defaults are read from the constructs' own (``sagemaker_serving.front_door.defaults`` and the
function's ``contract.py``, both free of aws_cdk imports), so each is stated once; ``waf`` and
``usage_plan`` are the constructs' ``WafOptions`` and ``UsagePlanOptions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sagemaker_serving.front_door import defaults as fd_defaults
from sagemaker_serving.runtime_assets import front_door_contract
from stacks.config.values import Seconds

if TYPE_CHECKING:
    from sagemaker_serving import UsagePlanOptions, WafOptions
else:
    from stacks.config.values import UsagePlanOptions, WafOptions

#: The front door's defaults come from the constructs (pure modules: no aws_cdk import here).
_contract = front_door_contract()
_SAGEMAKER_CONNECT_TIMEOUT = Seconds(_contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS / 1000)
_SAGEMAKER_READ_TIMEOUT = Seconds(_contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS / 1000)


#: The retention periods CloudWatch Logs accepts, in days.
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]


@dataclass(frozen=True, kw_only=True)
class FrontDoorConfig:
    """The environment's REST front door (``sagemaker_serving.FrontDoor``).

    Without a ``[environments.<env>.front_door]`` table an environment gets a Lambda integration
    and IAM (SigV4) auth. Ranges (throttling, timeouts, sizes) are checked by the construct.
    """

    #: ``lambda`` or ``direct`` (API Gateway calls the SageMaker runtime itself).
    integration: Literal["lambda", "direct"] = "lambda"
    auth: Literal["iam", "api_key", "cognito", "none"] = "iam"
    #: Must be ``true`` for ``auth = "none"``: an API anyone can call, on purpose.
    acknowledge_unauthenticated: bool = False
    #: A usage plan (per-key throttle and quota; callers then also send an API key), with ``iam``,
    #: ``cognito`` or ``api_key`` auth: a ``sagemaker_serving.UsagePlanOptions``. ``api_key`` always has
    #: one (the construct's defaults when this table is absent: 10 rps, burst 20, 10 000/day).
    usage_plan: UsagePlanOptions | None = None
    #: ``auth = "cognito"``: an existing user pool's ID. Default: a new pool.
    cognito_user_pool_id: str | None = None
    #: ``auth = "cognito"``: OAuth scopes required on access tokens.
    cognito_scopes: tuple[str, ...] = ()
    stage_name: str = fd_defaults.STAGE_NAME
    throttling_rate_limit: float = fd_defaults.THROTTLING_RATE_LIMIT
    throttling_burst_limit: int = fd_defaults.THROTTLING_BURST_LIMIT
    #: Origins allowed by CORS; none means no CORS.
    cors_allowed_origins: tuple[str, ...] = ()
    #: A WAF web ACL on the stage. Default: none.
    waf: WafOptions | None = None
    #: A private API, reachable only through an ``execute-api`` VPC endpoint the stack adds to the
    #: environment's VPC (needs ``network.vpc = true``). Default: a regional API.
    private: bool = False
    #: Default: the construct's (``image/*``, ``application/octet-stream``, ``application/x-npy``).
    binary_media_types: tuple[str, ...] | None = None
    #: Default: the construct's (JSON, CSV, NPY, octet-stream, JPEG, PNG).
    allowed_content_types: tuple[str, ...] | None = None
    #: Default: the construct's (4 521 984 bytes; 4 MiB for a serverless endpoint). Lambda mode only.
    max_body_bytes: int | None = None
    sagemaker_connect_timeout_seconds: Seconds = _SAGEMAKER_CONNECT_TIMEOUT
    sagemaker_read_timeout_seconds: Seconds = _SAGEMAKER_READ_TIMEOUT
    sagemaker_max_attempts: int = _contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS
    memory_size_mb: int = fd_defaults.MEMORY_SIZE_MB
    #: Lambda reserved concurrency. Default: none (shares the account pool).
    reserved_concurrency: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _contract.DEFAULT_LOG_LEVEL  # type: ignore[assignment]
    #: API Gateway execution logging (never data trace).
    execution_log_level: Literal["OFF", "ERROR", "INFO"] = fd_defaults.EXECUTION_LOG_LEVEL
    #: Create and set the account's API Gateway CloudWatch role (account-and-region-wide).
    cloud_watch_role: bool = fd_defaults.CLOUD_WATCH_ROLE
    log_retention_days: LogRetentionDays = fd_defaults.LOG_RETENTION_DAYS
    #: Override the AWS-published Powertools layer ARN.
    powertools_layer_arn: str | None = None


#: FrontDoorConfig keys that configure the Lambda function only (refused with ``integration = "direct"``).
LAMBDA_ONLY_FRONT_DOOR_KEYS = (
    "allowed_content_types",
    "max_body_bytes",
    "sagemaker_connect_timeout_seconds",
    "sagemaker_read_timeout_seconds",
    "sagemaker_max_attempts",
    "memory_size_mb",
    "reserved_concurrency",
    "log_level",
    "powertools_layer_arn",
)


def _front_door_problems(fd: FrontDoorConfig, given: Mapping[str, Any]) -> list[str]:
    """Settings the flat table allows but the construct's typed objects cannot carry: a Lambda setting
    with the direct integration (the stack does not pass them there, so the construct could not refuse
    them), an auth option with another auth. Ranges and the ``NoAuth`` interlock are the construct's."""
    problems = []
    if fd.integration == "direct":
        problems += [
            f"front_door.{key}: {getattr(fd, key)!r} is not allowed with integration = 'direct' "
            "(it configures the Lambda function, which the direct integration does not have)"
            for key in LAMBDA_ONLY_FRONT_DOOR_KEYS
            if key in given
        ]
    if fd.acknowledge_unauthenticated and fd.auth != "none":
        problems.append(f"front_door.acknowledge_unauthenticated: only allowed with auth = 'none', not {fd.auth!r}")
    if fd.usage_plan is not None and fd.auth == "none":
        problems.append(
            "front_door.usage_plan: not allowed with auth = 'none' (an API key would then be required); "
            "use auth = 'api_key', or 'iam' / 'cognito' with a usage plan"
        )
    if (fd.cognito_user_pool_id is not None or fd.cognito_scopes) and fd.auth != "cognito":
        problems.append(
            f"front_door.cognito_user_pool_id/cognito_scopes: only allowed with auth = 'cognito', not {fd.auth!r}"
        )
    return problems
