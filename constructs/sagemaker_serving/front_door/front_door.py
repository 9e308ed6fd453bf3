"""The REST front door of a SageMaker endpoint: API Gateway (regional or private) + a Lambda function, or direct.

SageMaker endpoints only take IAM-signed ``InvokeEndpoint`` calls; applications reach the model
through this API instead::

    POST /invocations                       → InvokeEndpoint (SageMaker picks the variant by weight)
    POST /variants/{variant}/invocations    → InvokeEndpoint with TargetVariant (A/B pinning)
    GET  /health                            → DescribeEndpoint (200 while the endpoint serves, else 503)

Two integrations: ``"lambda"`` (default; the handler in ``lambda/front_door/`` validates content type
and size, maps SageMaker errors, emits metrics) or ``"direct"`` (API Gateway calls the SageMaker
runtime itself: lowest latency, same error body built by mapping templates; see
:mod:`sagemaker_serving.front_door.integrations.direct`).

The API is regional by default. With ``private_endpoint`` it is a private API, reachable only through
that ``execute-api`` interface VPC endpoint (:meth:`ServingNetwork.add_api_gateway_endpoint`
creates one): endpoint type ``PRIVATE``, associated with the endpoint, and a resource policy that
denies ``execute-api:Invoke`` unless ``aws:SourceVpce`` is that endpoint's ID.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagemaker_serving._shared import log_group_key, select_subnet_ids
from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.endpoint import Endpoint, EndpointBase
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.front_door._checks import MIME as _MIME
from sagemaker_serving.front_door._checks import integer_problems as _integer
from sagemaker_serving.front_door._checks import number_problems as _number
from sagemaker_serving.front_door.access_log import access_log_group, access_log_settings
from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth
from sagemaker_serving.front_door.auth.iam import IamAuth
from sagemaker_serving.front_door.gateway_responses import add_gateway_responses
from sagemaker_serving.front_door.integrations.powertools import (
    POWERTOOLS_LAYER_NAME,
    powertools_layer_arn,
    powertools_layer_problems,
)
from sagemaker_serving.front_door.runtime_contract import (
    HANDLER_MARGIN_MS,
    MAX_BODY_BYTES,
    MAX_INTEGRATION_TIMEOUT_MS,
    SERVERLESS_MAX_BODY_BYTES,
    client_budget_ms,
)
from sagemaker_serving.variants import VARIANT_NAME

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_wafv2 as wafv2

    from sagemaker_serving.front_door.waf import WafOptions

#: Where the handler lives in this repository (``<repo>/lambda/front_door``). A pip-installed package
#: has no such folder: pass ``code=`` then.
DEFAULT_CODE_DIR = Path(__file__).resolve().parents[3] / "lambda" / "front_door"

DEFAULT_BINARY_MEDIA_TYPES = ("image/*", "application/octet-stream", "application/x-npy")
DEFAULT_ALLOWED_CONTENT_TYPES = (
    "application/json",
    "text/csv",
    "application/x-npy",
    "application/octet-stream",
    "image/jpeg",
    "image/png",
)
#: ``direct`` mode: SageMaker's InvokeEndpoint limit (6 MB) applies; API Gateway's own is 10 MB.
DIRECT_MAX_BODY_BYTES = 6 * 1024 * 1024
#: Lambda-only options and their defaults: ``direct`` mode refuses any other value.
DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS = 1_000
DEFAULT_SAGEMAKER_READ_TIMEOUT_MS = 9_000
DEFAULT_SAGEMAKER_MAX_ATTEMPTS = 2
DEFAULT_MEMORY_SIZE = 256
DEFAULT_HANDLER = "handler.handler"
DEFAULT_SERVICE_NAME = "front-door"
DEFAULT_METRICS_NAMESPACE = "SageMakerServing"
DEFAULT_LOG_LEVEL = "INFO"
IntegrationKind = Literal["lambda", "direct"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


@jsii.implements(cdk.IStableStringProducer)
class _VariantNames:
    """Renders the endpoint's variant names at synth time, so variants added later are included."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    def produce(self) -> str:
        return ",".join(self._endpoint.variant_names)


class FrontDoor(Construct):
    """A regional (or private) REST API in front of one SageMaker endpoint.

    Secure by default: IAM auth, stage throttling, JSON access logs with retention, X-Ray on the stage
    and the function, execution logging at ``ERROR`` with data trace off (bodies are never logged),
    a request validator, no CORS, and a function role that may call ``InvokeEndpoint`` and
    ``DescribeEndpoint`` on this one endpoint and write its own logs and traces, nothing else.

    Attributes: ``api``, ``stage``, ``function`` (``None`` in direct mode), ``function_log_group``
    (``None`` in direct mode), ``access_log_group``, ``integration_role`` (direct mode, else
    ``None``), ``request_validator``, ``authorizer``, ``user_pool``, ``user_pool_client``,
    ``usage_plan``, ``api_key``, ``web_acl``, ``private_endpoint`` (each ``None`` unless its option is
    on), ``url``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: EndpointBase,
        variant_names: Sequence[str] | None = None,
        integration: IntegrationKind = "lambda",
        auth: FrontDoorAuth | None = None,
        stage_name: str = "v1",
        throttling_rate_limit: float = 50,
        throttling_burst_limit: int = 100,
        binary_media_types: Sequence[str] = DEFAULT_BINARY_MEDIA_TYPES,
        allowed_content_types: Sequence[str] | None = None,
        max_body_bytes: int | None = None,
        integration_timeout: cdk.Duration | None = None,
        sagemaker_connect_timeout: cdk.Duration | None = None,
        sagemaker_read_timeout: cdk.Duration | None = None,
        sagemaker_max_attempts: int | None = None,
        memory_size: int | None = None,
        reserved_concurrent_executions: int | None = None,
        code: lambda_.Code | None = None,
        handler: str | None = None,
        powertools_layer_arn: str | None = None,
        service_name: str | None = None,
        metrics_namespace: str | None = None,
        log_level: LogLevel | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        execution_log_level: apigateway.MethodLoggingLevel = apigateway.MethodLoggingLevel.ERROR,
        cloud_watch_role: bool = False,
        cors_allowed_origins: Sequence[str] = (),
        waf: WafOptions | None = None,
        rest_api_name: str | None = None,
        log_encryption_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        private_endpoint: ec2.IInterfaceVpcEndpoint | None = None,
    ) -> None:
        """Create the API, its stage and (in ``lambda`` mode) the function.

        :param endpoint: the endpoint to serve: an :class:`Endpoint` or an import
            (``Endpoint.from_endpoint_name``).
        :param variant_names: variants reachable on ``/variants/{variant}``. Default: all of the
            endpoint's variants; required for an imported endpoint.
        :param integration: ``"lambda"`` (default) or ``"direct"`` (API Gateway → SageMaker runtime).
            ``direct`` mode has no function, so it refuses a non-default value for each Lambda-only
            option: ``allowed_content_types``, ``max_body_bytes``, ``sagemaker_*``, ``memory_size``,
            ``reserved_concurrent_executions``, ``code``, ``handler``, ``powertools_layer_arn``,
            ``service_name``, ``metrics_namespace``, ``log_level`` (and ``vpc``).
        :param auth: how the methods are authorised, a :class:`FrontDoorAuth`: :class:`IamAuth` (default),
            :class:`CognitoAuth`, :class:`ApiKeyAuth` or :class:`NoAuth` (only with
            ``acknowledge_unauthenticated=True``). Each may carry a usage plan (``usage_plan=``).
        :param stage_name: the stage. Default ``v1``.
        :param throttling_rate_limit: stage requests per second (all callers). Default 50.
        :param throttling_burst_limit: stage burst. Default 100.
        :param binary_media_types: content types API Gateway treats as binary (base64 to Lambda).
            Default: ``image/*``, ``application/octet-stream``, ``application/x-npy``; JSON and
            CSV stay text. A binary answer reaches the client as bytes only when the request's first
            ``Accept`` media type matches one of these (e.g. ``Accept: image/png``); otherwise API
            Gateway hands back base64 text, so in ``lambda`` mode the handler answers 406 instead.
        :param allowed_content_types: request content types the handler accepts (``lambda`` mode).
            Default: JSON, CSV, NPY, octet-stream, JPEG, PNG.
        :param max_body_bytes: largest request body the handler accepts (``lambda`` mode). Default
            and maximum 4 521 984 bytes: Lambda's 6 MB limit is on the whole event and binary bodies
            arrive base64-encoded, so (6 291 456 − 256 KiB) × 3/4; 4 MiB (4 194 304) for a serverless
            endpoint (Serverless Inference's 4 MB payload limit). ``direct`` mode has no such option:
            SageMaker's own 6 MB ``InvokeEndpoint`` limit applies (413 from SageMaker).
        :param integration_timeout: API Gateway integration timeout; also the Lambda timeout.
            Default and maximum 29 s.
        :param sagemaker_connect_timeout: boto3 connect timeout per attempt. Default 1 s.
        :param sagemaker_read_timeout: boto3 read timeout per attempt. Default 9 s.
        :param sagemaker_max_attempts: total attempts per ``InvokeEndpoint``. Default 2. Only
            throttling, 503s (``ServiceUnavailable``, ``ModelNotReadyException``) and failed
            connections are retried, never a read timeout or a ``ModelError``; retry i waits
            min(0.1 × 2^i, 1) s + up to 0.1 s jitter. The worst case must fit in
            ``integration_timeout`` minus 2 s for the handler: 2 × (1 s + 9 s) + 0.2 s = 20.2 s ≤ 27 s.
        :param memory_size: Lambda memory in MB. Default 256.
        :param reserved_concurrent_executions: Lambda reserved concurrency. Default: none (the
            function shares the account pool; reserving takes capacity from every other function
            and fails to deploy in accounts with a low concurrency quota). API Gateway throttling
            is the primary limit.
        :param code: the handler code. Default: ``lambda/front_door`` of this repository; a
            pip-installed package has no such folder, so pass ``lambda_.Code.from_asset(...)``.
        :param handler: the handler, ``module.function``. Default ``handler.handler``.
        :param powertools_layer_arn: the Powertools layer. Default: the AWS-published v3 layer for
            arm64/python3.12, version :data:`POWERTOOLS_LAYER_VERSION`, in the stack's region, from
            the publisher account Powertools documents for it (:data:`POWERTOOLS_LAYER_ACCOUNTS`; a
            ``Fn::FindInMap`` when the stack's region is unresolved). Required in any other region
            (e.g. cn-northwest-1).
        :param service_name: ``POWERTOOLS_SERVICE_NAME``. Default ``front-door``.
        :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``. Default ``SageMakerServing``.
        :param log_level: ``POWERTOOLS_LOG_LEVEL`` and the function's application log level. Default ``INFO``.
        :param log_retention: retention of the access log and function log groups. Default 3 months.
        :param execution_log_level: API Gateway execution logging. Default ``ERROR``; data trace is
            always off. Anything but ``OFF`` needs the account's API Gateway CloudWatch role set
            once per account and region (``cloud_watch_role=True`` here, or elsewhere).
        :param cloud_watch_role: create the role API Gateway uses to write execution logs and set
            it as the account's (``AWS::ApiGateway::Account``, an account-and-region-wide setting,
            kept on stack deletion). Default ``False``: this construct changes no account setting.
        :param cors_allowed_origins: origins allowed by CORS. Default: none, and no CORS at all.
            Preflight (``OPTIONS``) is answered by API Gateway. In ``lambda`` mode the handler adds
            ``Access-Control-Allow-Origin`` (the request's ``Origin`` when listed) and ``Vary: Origin``
            to every answer. API Gateway's own errors (gateway responses) carry the header only with a
            single origin or ``*`` (a static value); with several, a browser sees them as CORS errors.
            ``direct`` mode accepts a single origin or ``*`` only (a static header on every answer).
        :param waf: a WAF web ACL on the stage. Default: none.
        :param rest_api_name: the API's name. Default: the construct path.
        :param log_encryption_key: the KMS key of the access log and function log groups. Default: a
            new key with rotation whose key policy lets CloudWatch Logs of this region use it for log
            groups of this account and region only. A key of yours needs the same grant.
        :param vpc: put the function (``lambda`` mode only) in this VPC. It then needs interface
            endpoints for the SageMaker Runtime (``InvokeEndpoint``), the SageMaker API
            (``DescribeEndpoint``), CloudWatch Logs and X-Ray, or a NAT route;
            :class:`~sagemaker_serving.ServingNetwork` creates them all. Default: no VPC.
        :param vpc_subnets: the function's subnets in ``vpc``. Default: CDK's choice (private subnets).
        :param security_groups: the function's security groups in ``vpc``. Default: a new group with
            all outbound traffic allowed (``ServingNetwork.add_client_security_group`` gives an
            HTTPS-only one).
        :param private_endpoint: make the API private, reachable only through this ``execute-api``
            interface VPC endpoint (``InterfaceVpcEndpointAwsService.APIGATEWAY``;
            :meth:`~sagemaker_serving.ServingNetwork.add_api_gateway_endpoint` creates one): endpoint
            type ``PRIVATE``, associated with the endpoint (``VpcEndpointIds``), and a resource policy
            that allows ``execute-api:Invoke`` only when ``aws:SourceVpce`` is the endpoint's ID and
            denies it otherwise. With :class:`IamAuth` the allow names this account, not ``*``, so
            callers still need ``execute-api:Invoke`` in their own IAM policy. Works with both
            integrations, every auth and ``waf``. Default: none, a regional API.
        """
        super().__init__(scope, construct_id)
        auth = auth or IamAuth()
        self.auth: FrontDoorAuth = auth
        integration_timeout = integration_timeout or cdk.Duration.seconds(29)
        lambda_only: dict[str, tuple[object, object]] = {
            "allowed_content_types": (
                None if allowed_content_types is None else tuple(allowed_content_types),
                DEFAULT_ALLOWED_CONTENT_TYPES,
            ),
            "max_body_bytes": (max_body_bytes, None),
            "sagemaker_connect_timeout": (
                None if sagemaker_connect_timeout is None else sagemaker_connect_timeout.to_milliseconds(),
                DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS,
            ),
            "sagemaker_read_timeout": (
                None if sagemaker_read_timeout is None else sagemaker_read_timeout.to_milliseconds(),
                DEFAULT_SAGEMAKER_READ_TIMEOUT_MS,
            ),
            "sagemaker_max_attempts": (sagemaker_max_attempts, DEFAULT_SAGEMAKER_MAX_ATTEMPTS),
            "memory_size": (memory_size, DEFAULT_MEMORY_SIZE),
            "reserved_concurrent_executions": (reserved_concurrent_executions, None),
            "code": (code, None),
            "handler": (handler, DEFAULT_HANDLER),
            "powertools_layer_arn": (powertools_layer_arn, None),
            "service_name": (service_name, DEFAULT_SERVICE_NAME),
            "metrics_namespace": (metrics_namespace, DEFAULT_METRICS_NAMESPACE),
            "log_level": (log_level, DEFAULT_LOG_LEVEL),
        }
        body_limit = _max_body_limit(endpoint)
        allowed_content_types = (
            DEFAULT_ALLOWED_CONTENT_TYPES if allowed_content_types is None else allowed_content_types
        )
        max_body_bytes = body_limit if max_body_bytes is None else max_body_bytes
        connect = sagemaker_connect_timeout or cdk.Duration.millis(DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS)
        read = sagemaker_read_timeout or cdk.Duration.millis(DEFAULT_SAGEMAKER_READ_TIMEOUT_MS)
        sagemaker_max_attempts = (
            DEFAULT_SAGEMAKER_MAX_ATTEMPTS if sagemaker_max_attempts is None else sagemaker_max_attempts
        )
        memory_size = DEFAULT_MEMORY_SIZE if memory_size is None else memory_size
        handler = DEFAULT_HANDLER if handler is None else handler
        service_name = DEFAULT_SERVICE_NAME if service_name is None else service_name
        metrics_namespace = DEFAULT_METRICS_NAMESPACE if metrics_namespace is None else metrics_namespace
        log_level = "INFO" if log_level is None else log_level
        names = _variant_names(endpoint, variant_names)
        code_given = code is not None
        raise_if_problems(
            "Invalid front door props",
            [
                *_variant_problems(endpoint, variant_names),
                *_auth_problems(self, auth),
                *_api_problems(
                    integration=integration,
                    stage_name=stage_name,
                    rate=throttling_rate_limit,
                    burst=throttling_burst_limit,
                    binary_media_types=binary_media_types,
                    cors_allowed_origins=cors_allowed_origins,
                    integration_timeout=integration_timeout,
                    waf=waf,
                ),
                *(_direct_problems(lambda_only, cors_allowed_origins) if integration == "direct" else []),
                *_vpc_problems(
                    integration=integration, vpc=vpc, vpc_subnets=vpc_subnets, security_groups=security_groups
                ),
                *_private_endpoint_problems(private_endpoint),
                *(_powertools_problems(cdk.Stack.of(self), powertools_layer_arn) if integration == "lambda" else []),
                *(
                    _lambda_problems(
                        allowed_content_types=allowed_content_types,
                        max_body_bytes=max_body_bytes,
                        max_body_limit=body_limit,
                        integration_timeout=integration_timeout,
                        connect=connect,
                        read=read,
                        attempts=sagemaker_max_attempts,
                        memory_size=memory_size,
                        reserved=reserved_concurrent_executions,
                        code_given=code_given,
                        powertools_layer_arn=powertools_layer_arn,
                        service_name=service_name,
                        metrics_namespace=metrics_namespace,
                        log_level=log_level,
                    )
                    if integration == "lambda"
                    else []
                ),
            ],
        )
        self.endpoint = endpoint
        self.integration = integration
        self.function: lambda_.Function | None = None
        self.function_log_group: logs.LogGroup | None = None
        self.integration_role: iam.Role | None = None
        self.web_acl: wafv2.CfnWebACL | None = None
        self.private_endpoint = private_endpoint

        self.log_encryption_key: kms.IKey = log_encryption_key or log_group_key(
            self, "LogKey", description=f"Encrypts the log groups of {self.node.path}"
        )
        self.access_log_group = access_log_group(self, retention=log_retention, encryption_key=self.log_encryption_key)
        access_log_destination, access_log_format = access_log_settings(self.access_log_group)
        self.api = apigateway.RestApi(
            self,
            "Api",
            rest_api_name=rest_api_name,
            description=f"Front door of SageMaker endpoint ({self.node.path})",
            endpoint_types=None if private_endpoint is not None else [apigateway.EndpointType.REGIONAL],
            endpoint_configuration=(
                apigateway.EndpointConfiguration(
                    types=[apigateway.EndpointType.PRIVATE], vpc_endpoints=[private_endpoint]
                )
                if private_endpoint is not None
                else None
            ),
            binary_media_types=list(binary_media_types),
            cloud_watch_role=cloud_watch_role,
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=execution_log_level,
                data_trace_enabled=False,
                access_log_destination=access_log_destination,
                access_log_format=access_log_format,
            ),
            default_cors_preflight_options=(
                apigateway.CorsOptions(
                    allow_origins=list(cors_allowed_origins),
                    allow_methods=["GET", "POST", "OPTIONS"],
                    allow_headers=[
                        "Content-Type",
                        "Accept",
                        "Authorization",
                        "X-Amz-Date",
                        "X-Amz-Security-Token",
                        "X-Amz-Content-Sha256",
                        "X-Api-Key",
                    ],
                    max_age=cdk.Duration.hours(1),
                )
                if cors_allowed_origins
                else None
            ),
        )
        self.stage: apigateway.Stage = self.api.deployment_stage
        self.request_validator = self.api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        add_gateway_responses(self.api, cors_allowed_origins)
        binding = auth.bind(self)
        self.authorizer = binding.authorizer
        self.user_pool = binding.user_pool
        self.user_pool_client = binding.user_pool_client
        self.usage_plan = binding.usage_plan
        self.api_key = binding.api_key
        method_options = _method_options(binding)
        if private_endpoint is not None:
            from sagemaker_serving.front_door.private_api import add_private_api_policy

            add_private_api_policy(self.api, private_endpoint, binding.resource_policy_principal)

        invoke: apigateway.Integration
        invoke_variant: apigateway.Integration
        health: apigateway.Integration
        if integration == "lambda":
            invoke = invoke_variant = health = self._lambda_integration(
                endpoint=endpoint,
                variant_names=names,
                code=code,
                handler=handler,
                timeout=integration_timeout,
                environment={
                    "MAX_BODY_BYTES": str(max_body_bytes),
                    "ALLOWED_CONTENT_TYPES": ",".join(allowed_content_types),
                    "SAGEMAKER_CONNECT_TIMEOUT": _seconds(connect),
                    "SAGEMAKER_READ_TIMEOUT": _seconds(read),
                    "SAGEMAKER_MAX_ATTEMPTS": str(sagemaker_max_attempts),
                    "POWERTOOLS_SERVICE_NAME": service_name,
                    "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                    "POWERTOOLS_LOG_LEVEL": log_level,
                    "BINARY_MEDIA_TYPES": ",".join(binary_media_types),
                    **({"CORS_ALLOWED_ORIGINS": ",".join(cors_allowed_origins)} if cors_allowed_origins else {}),
                },
                memory_size=memory_size,
                reserved=reserved_concurrent_executions,
                layer_arn=powertools_layer_arn or _default_layer_arn(self),
                log_level=log_level,
                log_retention=log_retention,
                vpc=vpc,
                vpc_subnets=vpc_subnets,
                security_groups=security_groups,
            )
            invoke_responses: list[apigateway.MethodResponse] | None = None
            health_responses: list[apigateway.MethodResponse] | None = None
        else:
            from sagemaker_serving.front_door.integrations.direct import direct_integrations  # only what "direct" uses

            direct = direct_integrations(
                self,
                endpoint=endpoint,
                timeout=integration_timeout,
                cors_origin=cors_allowed_origins[0] if cors_allowed_origins else None,
            )
            self.integration_role = direct.role
            invoke, invoke_variant, health = direct.invoke, direct.invoke_variant, direct.health
            invoke_responses = list(direct.invoke_method_responses)
            health_responses = list(direct.health_method_responses)

        post_parameters = {"method.request.header.Content-Type": True, "method.request.header.Accept": False}
        if integration == "direct":  # mapped to SageMaker's header; the Lambda proxy sees every header anyway
            post_parameters["method.request.header.X-Amzn-SageMaker-Custom-Attributes"] = False
        root = self.api.root
        self.invocations_method = root.add_resource("invocations").add_method(
            "POST",
            invoke,
            request_parameters=post_parameters,
            request_validator=self.request_validator,
            method_responses=invoke_responses,
            **method_options,
        )
        variant = root.add_resource("variants").add_resource("{variant}").add_resource("invocations")
        self.variant_invocations_method = variant.add_method(
            "POST",
            invoke_variant,
            request_parameters={**post_parameters, "method.request.path.variant": True},
            request_validator=self.request_validator,
            method_responses=invoke_responses,
            **method_options,
        )
        self.health_method = root.add_resource("health").add_method(
            "GET",
            health,
            request_validator=self.request_validator,
            method_responses=health_responses,
            **method_options,
        )
        if waf is not None:
            self.web_acl = waf.bind(self)
        self._acknowledge_api(auth=binding, cloud_watch_role=cloud_watch_role)

    @property
    def url(self) -> str:
        """The stage's base URL, ``https://<id>.execute-api.<region>.<suffix>/<stage>/``."""
        return self.stage.url_for_path("/")

    # --- metrics -------------------------------------------------------------------------------

    def metric_client_errors(self, **props: Any) -> cloudwatch.Metric:
        """4XX responses of the stage (Sum)."""
        return self.stage.metric_client_error(**props)

    def metric_server_errors(self, **props: Any) -> cloudwatch.Metric:
        """5XX responses of the stage (Sum)."""
        return self.stage.metric_server_error(**props)

    def metric_latency(self, **props: Any) -> cloudwatch.Metric:
        """Time from request to response, in ms (Average unless ``statistic`` is given)."""
        return self.stage.metric_latency(**props)

    def metric_integration_latency(self, **props: Any) -> cloudwatch.Metric:
        """Time spent in the integration (Lambda or SageMaker), in ms."""
        return self.stage.metric_integration_latency(**props)

    def metric_count(self, **props: Any) -> cloudwatch.Metric:
        """Requests to the stage (Sum)."""
        return self.stage.metric_count(**props)

    # --- building blocks ---------------------------------------------------------------------

    def _lambda_integration(
        self,
        *,
        endpoint: EndpointBase,
        variant_names: str,
        code: lambda_.Code | None,
        handler: str,
        timeout: cdk.Duration,
        environment: dict[str, str],
        memory_size: int,
        reserved: int | None,
        layer_arn: str,
        log_level: LogLevel,
        log_retention: logs.RetentionDays,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
    ) -> apigateway.LambdaIntegration:
        from aws_cdk import aws_lambda as lambda_

        self.function_log_group = logs.LogGroup(
            self, "FunctionLogs", retention=log_retention, encryption_key=self.log_encryption_key
        )
        # A role of our own: no AWSLambdaBasicExecutionRole (logs on "*"); it writes to its log group only.
        role = iam.Role(
            self,
            "FunctionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Front-door function: invoke/describe one SageMaker endpoint, write its own logs",
        )
        self.function_log_group.grant_write(role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Front door of a SageMaker endpoint ({self.node.path})",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code or lambda_.Code.from_asset(str(DEFAULT_CODE_DIR), exclude=["__pycache__", "*.pyc"]),
            role=role,
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved,
            tracing=lambda_.Tracing.ACTIVE,
            layers=[lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", layer_arn)],
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=getattr(
                lambda_.ApplicationLogLevel, "WARN" if log_level == "WARNING" else log_level
            ),
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.function_log_group,
            environment={"ENDPOINT_NAME": endpoint.endpoint_name, "VARIANT_NAMES": variant_names, **environment},
            vpc=vpc,
            vpc_subnets=vpc_subnets if vpc is not None else None,
            security_groups=list(security_groups) if vpc is not None and security_groups else None,
        )
        endpoint.grant_invoke(self.function)
        endpoint.grant_describe(self.function)
        if vpc is not None:
            # A role passed to lambda_.Function gets no AWSLambdaVPCAccessExecutionRole: grant the ENI
            # calls Lambda makes with it, limited to ENIs in this function's subnets and security groups.
            for statement in _lambda_vpc_statements(
                cdk.Stack.of(self), select_subnet_ids(vpc, vpc_subnets), self.function.connections.security_groups
            ):
                role.add_to_policy(statement)
        self._acknowledge_function(self.function, role, reserved=reserved, in_vpc=vpc is not None)
        # One permission per method for the deployed stage; none for the console's test-invoke.
        return apigateway.LambdaIntegration(self.function, proxy=True, timeout=timeout, allow_test_invoke=False)

    def _acknowledge_function(
        self, function: lambda_.Function, role: iam.Role, *, reserved: int | None, in_vpc: bool
    ) -> None:
        """Findings on the function that are true of every synchronous API Gateway proxy function."""
        acknowledge(
            function,
            ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ"],
            "API Gateway invokes the function synchronously (proxy integration) and returns its errors to the "
            "caller; a dead-letter queue only receives failed asynchronous invocations, so it would stay empty.",
        )
        acknowledge(
            function,
            ["AwsSolutions-L1"],
            f"Python 3.12 on purpose: the AWS-published Powertools layer used is the python3.12/arm64 build "
            f"({POWERTOOLS_LAYER_NAME}); move runtime and layer together.",
        )
        if reserved is None:
            acknowledge(
                function,
                ["HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"],
                "No reserved concurrency by default (reserved_concurrent_executions=None): reserving takes "
                "capacity from every other function of the account and fails in accounts with a low quota; "
                "the API stage's throttling (rate and burst) limits concurrent invocations instead.",
            )
        if not in_vpc:
            acknowledge(
                function,
                ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC"],
                "No VPC configured for this front door (e.g. dev, whose serverless endpoint cannot be in a VPC): "
                "the function only calls the SageMaker and CloudWatch APIs over TLS with SigV4. Pass vpc= "
                "(ServingStack does when the environment has a network) to run it in the model's VPC.",
            )
        policy = role.node.try_find_child("DefaultPolicy")
        assert policy is not None, "the function role has grants, so it has a default policy"
        acknowledge(
            policy,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The function role's grants (invoke/describe one endpoint, write its own log group, X-Ray) belong to "
            "this one role only and live and die with it; an inline policy cannot be attached elsewhere by mistake.",
        )
        acknowledge(
            policy,
            ["AwsSolutions-IAM5[Resource::*]"],
            "Resource '*' only for actions AWS defines without resource-level permissions: xray:PutTraceSegments "
            "and xray:PutTelemetryRecords (Lambda active tracing) and, in a VPC, ec2:DescribeNetworkInterfaces "
            "and ec2:DescribeSubnets (Lambda attaching the function to its subnets).",
        )
        if in_vpc:
            acknowledge(
                policy,
                [
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
                    "network-interface/*]"
                ],
                "Lambda creates the function's network interfaces (Hyperplane ENIs) itself, so their IDs are "
                "unknown; creating one is also limited to the function's subnets and security groups.",
            )

    def _acknowledge_api(self, *, auth: AuthBinding, cloud_watch_role: bool) -> None:
        """Findings on the API, its stage and methods, each only for the configuration it is true of."""
        stage = self.stage.node.default_child
        assert stage is not None
        acknowledge(
            stage,
            ["HIPAA.Security-APIGWSSLEnabled", "NIST.800.53.R5-APIGWSSLEnabled"],
            "The backend is not an HTTP endpoint: a Lambda proxy integration (invoked through the Lambda API) or "
            "an AWS service integration with the SageMaker runtime (SigV4 over TLS); a client certificate only "
            "authenticates API Gateway to HTTP backends.",
        )
        acknowledge(
            stage,
            ["HIPAA.Security-APIGWCacheEnabledAndEncrypted", "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted"],
            "Inference responses must not be cached: each POST is a new prediction for its own input, and a cache "
            "would keep model outputs (possibly sensitive) outside the caller's request.",
        )
        if self.web_acl is None:
            acknowledge(
                stage,
                ["NIST.800.53.R5-APIGWAssociatedWithWAF", "AwsSolutions-APIG3"],
                "No WAF configured for this front door (waf=None): every method requires authorization and the "
                "stage is throttled; pass waf=WafOptions() (prod does) for a per-IP rate limit and AWS managed rules.",
            )
        if cloud_watch_role:
            cw_role = self.api.node.try_find_child("CloudWatchRole")
            assert cw_role is not None
            acknowledge(
                cw_role,
                [
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AmazonAPIGatewayPushToCloudWatchLogs]"
                ],
                "The account's API Gateway CloudWatch role (one per account and region, used by every API's "
                "execution logs): AWS documents this managed policy for it, and it is kept up to date by AWS.",
            )
        methods = [self.invocations_method, self.variant_invocations_method, self.health_method]
        for method in methods:
            for ack in auth.method_acknowledgements:
                acknowledge(method, ack.rule_ids, ack.reason)


# --- validation (pure functions; every problem names the field, the value and what is allowed) ---


def _variant_names(endpoint: EndpointBase, names: Sequence[str] | None) -> str:
    if names is not None:
        return ",".join(names)
    if isinstance(endpoint, Endpoint):
        return cdk.Lazy.string(_VariantNames(endpoint))
    return ""


def _variant_problems(endpoint: EndpointBase, names: Sequence[str] | None) -> list[str]:
    if names is None:
        if isinstance(endpoint, Endpoint):
            return []
        return ["variant_names: None is not allowed for an imported endpoint; list the endpoint's variant names"]
    problems = []
    if isinstance(names, str) or not names:
        problems.append(f"variant_names: {names!r} is not allowed; expected a non-empty list of variant names")
        return problems
    for name in names:
        if not isinstance(name, str) or not VARIANT_NAME.match(name):
            problems.append(f"variant_names: {name!r} is not allowed; expected 1-63 alphanumerics or hyphens")
    if len(set(names)) != len(names):
        problems.append(f"variant_names: {list(names)!r} is not allowed; names must be unique")
    if isinstance(endpoint, Endpoint):
        unknown = [n for n in names if n not in endpoint.variant_names]
        if unknown:
            problems.append(
                f"variant_names: {unknown!r} are not variants of the endpoint; "
                f"its variants: {', '.join(endpoint.variant_names)}"
            )
    return problems


def _auth_problems(front_door: FrontDoor, auth: object) -> list[str]:
    if not isinstance(auth, FrontDoorAuth):
        return [f"auth: {auth!r} is not allowed; expected a FrontDoorAuth (IamAuth, CognitoAuth, ApiKeyAuth or NoAuth)"]
    return auth.validate(front_door)


def _method_options(auth: AuthBinding) -> dict[str, Any]:
    return {
        "authorization_type": auth.authorization_type,
        "authorizer": auth.authorizer,
        "authorization_scopes": list(auth.authorization_scopes) or None,
        "api_key_required": True if auth.api_key_required else None,
    }


def _api_problems(
    *,
    integration: str,
    stage_name: str,
    rate: float,
    burst: int,
    binary_media_types: Sequence[str],
    cors_allowed_origins: Sequence[str],
    integration_timeout: cdk.Duration,
    waf: WafOptions | None,
) -> list[str]:
    problems = []
    if integration not in ("lambda", "direct"):
        problems.append(f"integration: {integration!r} is not allowed; expected 'lambda' or 'direct'")
    if not isinstance(stage_name, str) or not _STAGE_NAME.match(stage_name):
        problems.append(f"stage_name: {stage_name!r} is not allowed; expected 1-128 letters, digits, '-' or '_'")
    problems += _number("throttling_rate_limit", rate, 0, 10_000, low_open=True)
    problems += _integer("throttling_burst_limit", burst, 0, 5_000)
    for media_type in binary_media_types:
        if not isinstance(media_type, str) or not _MIME.match(media_type):
            problems.append(
                f"binary_media_types: {media_type!r} is not allowed; expected a lower-case type/subtype or type/*"
            )
    for origin in cors_allowed_origins:
        if origin != "*" and (not isinstance(origin, str) or not _ORIGIN.match(origin)):
            problems.append(
                f"cors_allowed_origins: {origin!r} is not allowed; expected scheme://host[:port] with no path, or '*'"
            )
    timeout_ms = integration_timeout.to_milliseconds()
    if not 1_000 <= timeout_ms <= MAX_INTEGRATION_TIMEOUT_MS:
        problems.append(
            f"integration_timeout: {timeout_ms} ms is not allowed; must be from 1000 to "
            f"{MAX_INTEGRATION_TIMEOUT_MS} ms (API Gateway's REST integration limit)"
        )
    if waf is not None:
        problems += waf.validate()
    return problems


def _lambda_vpc_statements(
    stack: cdk.Stack, subnet_ids: Sequence[str], security_groups: Sequence[ec2.ISecurityGroup]
) -> list[iam.PolicyStatement]:
    """The EC2 calls Lambda makes with the execution role for a function in a VPC (the actions of
    ``AWSLambdaVPCAccessExecutionRole``), with ENI creation limited to these subnets and groups."""

    def arn(resource: str, name: str) -> str:
        return stack.format_arn(service="ec2", resource=resource, resource_name=name)

    any_eni = arn("network-interface", "*")
    return [
        iam.PolicyStatement(actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources=["*"]),
        iam.PolicyStatement(
            actions=["ec2:CreateNetworkInterface"],
            resources=[
                any_eni,
                *(arn("subnet", s) for s in subnet_ids),
                *(arn("security-group", g.security_group_id) for g in security_groups),
            ],
        ),
        iam.PolicyStatement(
            actions=["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=[any_eni],
        ),
    ]


def _vpc_problems(
    *,
    integration: str,
    vpc: object,
    vpc_subnets: object,
    security_groups: Sequence[object] | None,
) -> list[str]:
    problems = []
    if vpc is not None and integration != "lambda":
        problems.append(f"vpc: {vpc!r} is not allowed with integration={integration!r}; only the function has a VPC")
    if vpc is None and (vpc_subnets is not None or security_groups):
        problems.append("vpc_subnets/security_groups: not allowed without vpc; pass vpc= as well")
    return problems


def _private_endpoint_problems(private_endpoint: object) -> list[str]:
    if private_endpoint is None:
        return []
    from sagemaker_serving.front_door.private_api import private_endpoint_problems

    return private_endpoint_problems(private_endpoint)


def _max_body_limit(endpoint: EndpointBase) -> int:
    """Default and maximum ``max_body_bytes`` (``lambda`` mode) for this endpoint."""
    if isinstance(endpoint, Endpoint) and endpoint.endpoint_config.is_serverless:
        return SERVERLESS_MAX_BODY_BYTES
    return MAX_BODY_BYTES


def _direct_problems(lambda_only: dict[str, tuple[object, object]], cors_allowed_origins: Sequence[str]) -> list[str]:
    """``direct`` mode has no function: every Lambda-only option set to a non-default value is a mistake."""
    problems = [
        f"{name}: {value!r} is not allowed with integration='direct'; it configures the Lambda function, "
        "which direct mode does not have (leave it unset or use integration='lambda')"
        for name, (value, default) in lambda_only.items()
        if value is not None and value != default
    ]
    if len(cors_allowed_origins) > 1:
        problems.append(
            f"cors_allowed_origins: {list(cors_allowed_origins)!r} is not allowed with integration='direct'; "
            "direct mode can only send one static Access-Control-Allow-Origin: give one origin (or '*'), "
            "or use integration='lambda', whose handler echoes whichever listed origin asked"
        )
    return problems


def _powertools_problems(stack: cdk.Stack, powertools_layer_arn: str | None) -> list[str]:
    return powertools_layer_problems(stack, powertools_layer_arn, "powertools_layer_arn")


def _lambda_problems(
    *,
    allowed_content_types: Sequence[str],
    max_body_bytes: int,
    max_body_limit: int,
    integration_timeout: cdk.Duration,
    connect: cdk.Duration,
    read: cdk.Duration,
    attempts: int,
    memory_size: int,
    reserved: int | None,
    code_given: bool,
    powertools_layer_arn: str | None,
    service_name: str,
    metrics_namespace: str,
    log_level: str,
) -> list[str]:
    problems = []
    if isinstance(allowed_content_types, str) or not allowed_content_types:
        problems.append(f"allowed_content_types: {allowed_content_types!r} is not allowed; expected a non-empty list")
    else:
        for content_type in allowed_content_types:
            if not isinstance(content_type, str) or not _MIME.match(content_type):
                problems.append(
                    f"allowed_content_types: {content_type!r} is not allowed; expected a lower-case type/subtype"
                )
    problems += _integer(
        "max_body_bytes",
        max_body_bytes,
        1,
        max_body_limit,
        " (4 MiB: Serverless Inference's payload limit)"
        if max_body_limit == SERVERLESS_MAX_BODY_BYTES
        else " (Lambda's 6 MB event limit less 256 KiB, as base64)",
    )
    problems += _integer("sagemaker_max_attempts", attempts, 1, 10)
    connect_ms, read_ms = connect.to_milliseconds(), read.to_milliseconds()
    if connect_ms <= 0:
        problems.append(f"sagemaker_connect_timeout: {connect_ms} ms is not allowed; must be > 0")
    if read_ms <= 0:
        problems.append(f"sagemaker_read_timeout: {read_ms} ms is not allowed; must be > 0")
    if isinstance(attempts, int) and 1 <= attempts <= 10 and connect_ms > 0 and read_ms > 0:
        worst = client_budget_ms(connect_ms=connect_ms, read_ms=read_ms, attempts=attempts)
        limit = integration_timeout.to_milliseconds() - HANDLER_MARGIN_MS
        if worst > limit:
            problems.append(
                f"sagemaker timeouts: {attempts} attempt(s) × ({connect_ms} ms connect + {read_ms} ms read) "
                f"+ back-off = {worst} ms is not allowed; must be ≤ {limit} ms "
                f"(integration_timeout minus {HANDLER_MARGIN_MS} ms for the handler)"
            )
    problems += _integer("memory_size", memory_size, 128, 10_240)
    if reserved is not None:
        problems += _integer("reserved_concurrent_executions", reserved, 1, 100_000)
    if not code_given and not (DEFAULT_CODE_DIR / "handler.py").is_file():
        problems.append(
            f"code: None is not allowed here; the default {DEFAULT_CODE_DIR} has no handler.py (an installed "
            "package has no lambda/ folder): pass code=lambda_.Code.from_asset('<folder with the handler>')"
        )
    if not isinstance(service_name, str) or not 1 <= len(service_name) <= 255:
        problems.append(f"service_name: {service_name!r} is not allowed; expected 1-255 characters")
    if (
        not isinstance(metrics_namespace, str)
        or not 1 <= len(metrics_namespace) <= 255
        or metrics_namespace.startswith("AWS/")
        or ":" in metrics_namespace
    ):
        problems.append(
            f"metrics_namespace: {metrics_namespace!r} is not allowed; expected 1-255 characters, "
            "no ':' and not starting with 'AWS/'"
        )
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"log_level: {log_level!r} is not allowed; expected DEBUG, INFO, WARNING or ERROR")
    return problems


def _seconds(duration: cdk.Duration) -> str:
    return f"{duration.to_seconds(integral=False):g}"


def _default_layer_arn(scope: Construct) -> str:
    return powertools_layer_arn(cdk.Stack.of(scope))
