"""The front door's default integration: a Lambda function (``lambda/front_door/handler.py``) in between.

The handler validates content type and size, maps SageMaker errors to JSON answers, retries throttling
and 503s within a time budget, answers CORS and emits metrics. Every value it shares with this module is
defined once, in the function's own ``contract.py`` (:mod:`sagemaker_serving.front_door.runtime_contract`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from sagemaker_serving.endpoint import Endpoint, EndpointBase
from sagemaker_serving.front_door import defaults
from sagemaker_serving.front_door._checks import MIME, integer_problems
from sagemaker_serving.front_door.async_routes import (
    acknowledge_async_function,
    async_environment,
    grant_async_function,
)
from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration, IntegrationBinding, timeout_problems
from sagemaker_serving.front_door.integrations.lambda_compliance import acknowledge_function, lambda_vpc_statements
from sagemaker_serving.front_door.integrations.powertools import powertools_layer_arn, powertools_layer_problems
from sagemaker_serving.front_door.runtime_contract import CODE_DIR, contract

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_lambda as lambda_

    from sagemaker_serving.front_door.front_door import FrontDoor

#: The function's code folder: the package's own copy when installed, else ``<repo>/lambda/front_door``.
DEFAULT_CODE_DIR = CODE_DIR
DEFAULT_ALLOWED_CONTENT_TYPES: tuple[str, ...] = tuple(contract.DEFAULT_ALLOWED_CONTENT_TYPES)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


@dataclass(frozen=True, kw_only=True)
class LambdaIntegration(FrontDoorIntegration):
    """A Lambda proxy integration: Python 3.12 on arm64 with the AWS-published Powertools layer, X-Ray
    tracing, JSON logs into its own encrypted log group, and a role of its own that may call
    ``InvokeEndpoint`` and ``DescribeEndpoint`` on the one endpoint and write its own logs and traces,
    nothing else. The default integration.
    """

    #: API Gateway's integration timeout, also the function's timeout. Default and maximum 29 s.
    timeout: cdk.Duration = field(default_factory=lambda: cdk.Duration.millis(contract.MAX_INTEGRATION_TIMEOUT_MS))
    #: Lambda memory in MB. Default 256.
    memory_size: int = defaults.MEMORY_SIZE_MB
    #: Lambda reserved concurrency. Default: none (the function shares the account pool; reserving takes
    #: capacity from every other function and fails to deploy in accounts with a low concurrency quota).
    #: API Gateway throttling is the primary limit.
    reserved_concurrent_executions: int | None = None
    #: The handler code. Default: the function this package ships (:data:`DEFAULT_CODE_DIR`: the
    #: repository's ``lambda/front_door``, or its copy inside an installed package).
    code: lambda_.Code | None = None
    #: The handler, ``module.function``. Default ``handler.handler``.
    handler: str = "handler.handler"
    #: The Powertools layer. Default: the AWS-published v3 layer for arm64/python3.12 in the stack's region
    #: (:mod:`~sagemaker_serving.front_door.integrations.powertools`; a ``Fn::FindInMap`` when the region
    #: is unresolved). Required in a region Powertools documents no layer for (e.g. cn-northwest-1).
    powertools_layer_arn: str | None = None
    #: ``POWERTOOLS_SERVICE_NAME``. Default ``front-door``.
    service_name: str = contract.DEFAULT_SERVICE_NAME
    #: ``POWERTOOLS_METRICS_NAMESPACE``. Default ``SageMakerServing``.
    metrics_namespace: str = contract.DEFAULT_METRICS_NAMESPACE
    #: ``POWERTOOLS_LOG_LEVEL`` and the function's application log level. Default ``INFO``.
    log_level: LogLevel = contract.DEFAULT_LOG_LEVEL  # type: ignore[assignment]  # "INFO"
    #: Request content types the handler accepts. Default: JSON, CSV, NPY, octet-stream, JPEG, PNG.
    allowed_content_types: Sequence[str] = DEFAULT_ALLOWED_CONTENT_TYPES
    #: Largest request body the handler accepts. Default and maximum 4 521 984 bytes: Lambda's 6 MB limit
    #: is on the whole event and binary bodies arrive base64-encoded, so (6 291 456 − 256 KiB) × 3/4;
    #: 4 MiB (4 194 304) for a serverless endpoint (Serverless Inference's 4 MB payload limit).
    max_body_bytes: int | None = None
    #: boto3 connect timeout per attempt. Default 1 s.
    sagemaker_connect_timeout: cdk.Duration = field(
        default_factory=lambda: cdk.Duration.millis(contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS)
    )
    #: boto3 read timeout per attempt. Default 9 s.
    sagemaker_read_timeout: cdk.Duration = field(
        default_factory=lambda: cdk.Duration.millis(contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS)
    )
    #: Total attempts per ``InvokeEndpoint``. Default 2. Only throttling, 503s (``ServiceUnavailable``,
    #: ``ModelNotReadyException``) and failed connections are retried, never a read timeout or a
    #: ``ModelError``; retry i waits min(0.1 × 2^i, 1) s + up to 0.1 s jitter. The worst case must fit in
    #: ``timeout`` minus 2 s for the handler: 2 × (1 s + 9 s) + 0.2 s = 20.2 s ≤ 27 s.
    sagemaker_max_attempts: int = contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS
    #: Put the function in this VPC. It then needs interface endpoints for the SageMaker Runtime
    #: (``InvokeEndpoint``), the SageMaker API (``DescribeEndpoint``), CloudWatch Logs and X-Ray, or a NAT
    #: route; :class:`~sagemaker_serving.ServingNetwork` creates them all. Default: no VPC.
    vpc: ec2.IVpc | None = None
    #: The function's subnets in ``vpc``. Default: CDK's choice (private subnets).
    vpc_subnets: ec2.SubnetSelection | None = None
    #: The function's security groups in ``vpc``. Default: a new group with all outbound traffic allowed
    #: (``ServingNetwork.add_client_security_group`` gives an HTTPS-only one).
    security_groups: Sequence[ec2.ISecurityGroup] | None = None

    def validate(self, front_door: FrontDoor) -> list[str]:
        """Ranges, the SageMaker call budget against ``timeout``, the code asset and the Powertools layer."""
        problems = timeout_problems(self.timeout)
        problems += _content_type_problems(self.allowed_content_types)
        problems += _max_body_problems(
            self.max_body_bytes, _max_body_limit(front_door.endpoint), is_async=front_door.async_inference is not None
        )
        problems += self._budget_problems()
        problems += integer_problems("integration.memory_size", self.memory_size, 128, 10_240)
        if self.reserved_concurrent_executions is not None:
            problems += integer_problems(
                "integration.reserved_concurrent_executions", self.reserved_concurrent_executions, 1, 100_000
            )
        if self.code is None and not (DEFAULT_CODE_DIR / "handler.py").is_file():
            problems.append(
                f"integration.code: None is not allowed here; the default {DEFAULT_CODE_DIR} has no handler.py (an "
                "installed package has no lambda/ folder): pass "
                "LambdaIntegration(code=lambda_.Code.from_asset('<folder with the handler>'))"
            )
        problems += powertools_layer_problems(
            cdk.Stack.of(front_door), self.powertools_layer_arn, "integration.powertools_layer_arn"
        )
        problems += _name_problems(self.service_name, self.metrics_namespace, self.log_level)
        if self.vpc is None and (self.vpc_subnets is not None or self.security_groups):
            problems.append("integration.vpc_subnets/security_groups: not allowed without vpc; pass vpc= as well")
        return problems

    def _budget_problems(self) -> list[str]:
        attempts = self.sagemaker_max_attempts
        problems = integer_problems("integration.sagemaker_max_attempts", attempts, 1, 10)
        connect_ms = self.sagemaker_connect_timeout.to_milliseconds()
        read_ms = self.sagemaker_read_timeout.to_milliseconds()
        if connect_ms <= 0:
            problems.append(f"integration.sagemaker_connect_timeout: {connect_ms} ms is not allowed; must be > 0")
        if read_ms <= 0:
            problems.append(f"integration.sagemaker_read_timeout: {read_ms} ms is not allowed; must be > 0")
        if problems:
            return problems
        worst = contract.worst_case_budget_ms(connect_ms=connect_ms, read_ms=read_ms, attempts=attempts)
        limit = self.timeout.to_milliseconds() - contract.HANDLER_MARGIN_MS
        if worst > limit:
            problems.append(
                f"integration.sagemaker timeouts: {attempts} attempt(s) × ({connect_ms} ms connect + {read_ms} ms "
                f"read) + back-off = {worst} ms is not allowed; must be ≤ {limit} ms "
                f"(integration.timeout minus {contract.HANDLER_MARGIN_MS} ms for the handler)"
            )
        return problems

    def bind(self, front_door: FrontDoor) -> IntegrationBinding:
        """The function (``Function``), its log group (``FunctionLogs``), role (``FunctionRole``) and layer
        (``PowertoolsLayer``), and one proxy integration for all three methods."""
        function_log_group = logs.LogGroup(
            front_door,
            "FunctionLogs",
            retention=front_door.log_retention,
            encryption_key=front_door.log_encryption_key,
        )
        # A role of our own: no AWSLambdaBasicExecutionRole (logs on "*"); it writes to its log group only.
        role = iam.Role(
            front_door,
            "FunctionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Front-door function: invoke/describe one SageMaker endpoint, write its own logs",
        )
        function_log_group.grant_write(role)
        function = self._function(front_door, role, function_log_group)
        if front_door.async_inference is not None:
            grant_async_function(function, front_door.endpoint, front_door.async_inference)
        else:
            front_door.endpoint.grant_invoke(function)
        front_door.endpoint.grant_describe(function)
        if self.vpc is not None:
            # A role passed to lambda_.Function gets no AWSLambdaVPCAccessExecutionRole: grant the ENI
            # calls Lambda makes with it, limited to ENIs in this function's subnets and security groups.
            for statement in lambda_vpc_statements(function, self.vpc, self.vpc_subnets):
                role.add_to_policy(statement)
        acknowledge_function(function, role, reserved=self.reserved_concurrent_executions, in_vpc=self.vpc is not None)
        if front_door.async_inference is not None:
            acknowledge_async_function(role, front_door.async_inference)
        # One permission per method for the deployed stage; none for the console's test-invoke.
        integration = apigateway.LambdaIntegration(function, proxy=True, timeout=self.timeout, allow_test_invoke=False)
        return IntegrationBinding(
            invoke=integration,
            invoke_variant=integration,
            health=integration,
            function=function,
            function_log_group=function_log_group,
        )

    def _function(self, front_door: FrontDoor, role: iam.Role, log_group: logs.LogGroup) -> lambda_.Function:
        from aws_cdk import aws_lambda as lambda_

        vpc = self.vpc
        return lambda_.Function(
            front_door,
            "Function",
            description=f"Front door of a SageMaker endpoint ({front_door.node.path})",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=self.handler,
            code=self.code or lambda_.Code.from_asset(str(DEFAULT_CODE_DIR), exclude=["__pycache__", "*.pyc"]),
            role=role,
            memory_size=self.memory_size,
            timeout=self.timeout,
            reserved_concurrent_executions=self.reserved_concurrent_executions,
            tracing=lambda_.Tracing.ACTIVE,
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    front_door,
                    "PowertoolsLayer",
                    self.powertools_layer_arn or powertools_layer_arn(cdk.Stack.of(front_door)),
                )
            ],
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=getattr(
                lambda_.ApplicationLogLevel, "WARN" if self.log_level == "WARNING" else self.log_level
            ),
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=log_group,
            environment=self._environment(front_door),
            vpc=vpc,
            vpc_subnets=self.vpc_subnets if vpc is not None else None,
            security_groups=list(self.security_groups) if vpc is not None and self.security_groups else None,
        )

    def _environment(self, front_door: FrontDoor) -> dict[str, str]:
        """What the handler reads (:mod:`~sagemaker_serving.front_door.runtime_contract`)."""
        max_body = _max_body_limit(front_door.endpoint) if self.max_body_bytes is None else self.max_body_bytes
        origins = front_door.cors_allowed_origins
        return {
            contract.ENV_ENDPOINT_NAME: front_door.endpoint.endpoint_name,
            contract.ENV_VARIANT_NAMES: front_door.variant_names_csv,
            contract.ENV_MAX_BODY_BYTES: str(max_body),
            contract.ENV_ALLOWED_CONTENT_TYPES: ",".join(self.allowed_content_types),
            contract.ENV_SAGEMAKER_CONNECT_TIMEOUT: _seconds(self.sagemaker_connect_timeout),
            contract.ENV_SAGEMAKER_READ_TIMEOUT: _seconds(self.sagemaker_read_timeout),
            contract.ENV_SAGEMAKER_MAX_ATTEMPTS: str(self.sagemaker_max_attempts),
            contract.ENV_POWERTOOLS_SERVICE_NAME: self.service_name,
            contract.ENV_POWERTOOLS_METRICS_NAMESPACE: self.metrics_namespace,
            contract.ENV_POWERTOOLS_LOG_LEVEL: self.log_level,
            contract.ENV_BINARY_MEDIA_TYPES: ",".join(front_door.binary_media_types),
            **({contract.ENV_CORS_ALLOWED_ORIGINS: ",".join(origins)} if origins else {}),
            **(async_environment(front_door.async_inference) if front_door.async_inference is not None else {}),
            **_components_environment(front_door),
        }


def _components_environment(front_door: FrontDoor) -> dict[str, str]:
    """``INFERENCE_COMPONENTS`` when the front door reaches inference components (nothing otherwise)."""
    if not front_door.inference_components:
        return {}
    from sagemaker_serving.front_door.components import components_csv

    return {contract.ENV_INFERENCE_COMPONENTS: components_csv(front_door.inference_components)}


def _max_body_limit(endpoint: EndpointBase) -> int:
    """Default and maximum ``max_body_bytes`` for this endpoint."""
    if isinstance(endpoint, Endpoint) and endpoint.endpoint_config.is_serverless:
        return contract.SERVERLESS_MAX_BODY_BYTES
    return contract.MAX_BODY_BYTES


def _content_type_problems(allowed_content_types: Sequence[str]) -> list[str]:
    if isinstance(allowed_content_types, str) or not allowed_content_types:
        return [
            f"integration.allowed_content_types: {allowed_content_types!r} is not allowed; expected a non-empty list"
        ]
    return [
        f"integration.allowed_content_types: {content_type!r} is not allowed; expected a lower-case type/subtype"
        for content_type in allowed_content_types
        if not isinstance(content_type, str) or not MIME.match(content_type)
    ]


def _max_body_problems(max_body_bytes: int | None, limit: int, *, is_async: bool = False) -> list[str]:
    if max_body_bytes is None:
        return []
    why = (
        " (4 MiB: Serverless Inference's payload limit)"
        if limit == contract.SERVERLESS_MAX_BODY_BYTES
        else " (Lambda's 6 MB event limit less 256 KiB, as base64)"
    )
    if is_async:
        why = (
            " (Lambda's 6 MB event limit less 256 KiB, as base64; a larger asynchronous payload, up to SageMaker's "
            "1 GB, is stored under the input prefix by the caller: AsyncInference.grant_put_input)"
        )
    return integer_problems("integration.max_body_bytes", max_body_bytes, 1, limit, why)


def _name_problems(service_name: str, metrics_namespace: str, log_level: str) -> list[str]:
    problems = []
    if not isinstance(service_name, str) or not 1 <= len(service_name) <= 255:
        problems.append(f"integration.service_name: {service_name!r} is not allowed; expected 1-255 characters")
    if (
        not isinstance(metrics_namespace, str)
        or not 1 <= len(metrics_namespace) <= 255
        or metrics_namespace.startswith("AWS/")
        or ":" in metrics_namespace
    ):
        problems.append(
            f"integration.metrics_namespace: {metrics_namespace!r} is not allowed; expected 1-255 characters, "
            "no ':' and not starting with 'AWS/'"
        )
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"integration.log_level: {log_level!r} is not allowed; expected DEBUG, INFO, WARNING or ERROR")
    return problems


def _seconds(duration: cdk.Duration) -> str:
    return f"{duration.to_seconds(integral=False):g}"
