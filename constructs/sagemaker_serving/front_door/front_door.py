"""The REST front door of a SageMaker endpoint: API Gateway (regional or private) composed of parts.

SageMaker endpoints only take IAM-signed ``InvokeEndpoint`` calls; applications reach the model
through this API instead::

    POST /invocations                       → InvokeEndpoint (SageMaker picks the variant by weight)
    POST /variants/{variant}/invocations    → InvokeEndpoint with TargetVariant (A/B pinning)
    GET  /health                            → DescribeEndpoint (200 while the endpoint serves, else 503)
    POST /models/{component}/invocations    → InvokeEndpoint with InferenceComponentName (an endpoint with
                                              inference components; Lambda integration only)

An asynchronous endpoint (its endpoint config has ``async_inference``) gets ``POST /async-invocations`` and
``GET /async-invocations/{inference_id}`` instead of the two ``POST`` routes
(:mod:`sagemaker_serving.front_door.async_routes`).

The front door owns the API, its stage, logs, gateway responses and methods. How the methods reach the
model is an integration object (:class:`~sagemaker_serving.LambdaIntegration`, the default, or
:class:`~sagemaker_serving.DirectIntegration`); how they are authorised is an auth object
(:class:`~sagemaker_serving.IamAuth`, the default, :class:`~sagemaker_serving.CognitoAuth`,
:class:`~sagemaker_serving.ApiKeyAuth` or :class:`~sagemaker_serving.NoAuth`). Each has a ``bind()``, as
aws-cdk's ``aws-apigateway`` integrations and authorizers do; the front door never asks which kind it has.

Its props are checked in :mod:`~sagemaker_serving.front_door.validation`, its metrics are
:mod:`~sagemaker_serving.front_door.metrics`' and its acknowledged findings are in
:mod:`~sagemaker_serving.front_door.compliance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagemaker_serving._shared import log_group_key
from sagemaker_serving.endpoint import Endpoint
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.front_door import defaults
from sagemaker_serving.front_door.access_log import access_log_group, access_log_settings
from sagemaker_serving.front_door.access_log import log_retention as log_retention_for_days
from sagemaker_serving.front_door.api_props import cors_options, variant_names_csv
from sagemaker_serving.front_door.auth.base import AuthBinding, FrontDoorAuth
from sagemaker_serving.front_door.auth.iam import IamAuth
from sagemaker_serving.front_door.compliance import acknowledge_findings
from sagemaker_serving.front_door.gateway_responses import add_gateway_responses
from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration, IntegrationBinding
from sagemaker_serving.front_door.integrations.lambda_function import LambdaIntegration
from sagemaker_serving.front_door.methods import add_routes
from sagemaker_serving.front_door.metrics import FrontDoorMetrics
from sagemaker_serving.front_door.validation import front_door_problems

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_wafv2 as wafv2

    from sagemaker_serving.async_inference import AsyncInference
    from sagemaker_serving.endpoint import EndpointBase
    from sagemaker_serving.front_door.waf import WafOptions
    from sagemaker_serving.inference_components.component import InferenceComponent

DEFAULT_BINARY_MEDIA_TYPES = defaults.BINARY_MEDIA_TYPES


class FrontDoor(Construct, FrontDoorMetrics):
    """A regional (or private) REST API in front of one SageMaker endpoint.

    Secure by default: IAM auth, stage throttling, JSON access logs with retention (KMS-encrypted),
    X-Ray on the stage, execution logging at ``ERROR`` with data trace off (bodies are never logged), a
    request validator, no CORS, and the integration's least-privilege role.

    :param endpoint: the endpoint to serve: an :class:`Endpoint` or an import (``Endpoint.from_endpoint_name``).
    :param variant_names: variants reachable on ``/variants/{variant}``. Default: all of the endpoint's
        variants (rendered at synth time, so variants added later are included); required for an import.
    :param integration: how the methods reach the model, a :class:`FrontDoorIntegration`. Default
        ``LambdaIntegration()``; ``DirectIntegration()`` has API Gateway call the SageMaker runtime itself.
        The function's settings (memory, timeouts, body size, VPC ...) are the integration's.
    :param auth: how the methods are authorised, a :class:`FrontDoorAuth`. Default ``IamAuth()``;
        :class:`CognitoAuth`, :class:`ApiKeyAuth` or :class:`NoAuth` (only with
        ``acknowledge_unauthenticated=True``). IAM and Cognito may carry a usage plan (``usage_plan=``).
    :param stage_name: the stage. Default ``v1``.
    :param throttling_rate_limit: stage requests per second (all callers). Default 50.
    :param throttling_burst_limit: stage burst. Default 100.
    :param binary_media_types: content types API Gateway treats as binary (base64 to Lambda). Default:
        ``image/*``, ``application/octet-stream``, ``application/x-npy``; JSON and CSV stay text. A binary
        answer reaches the client as bytes only when the request's first ``Accept`` media type matches one
        of these (e.g. ``Accept: image/png``); otherwise API Gateway hands back base64 text, so with the
        Lambda integration the handler answers 406 instead.
    :param log_retention: retention of the access log and function log groups. Default 3 months
        (:data:`~sagemaker_serving.front_door.defaults.LOG_RETENTION_DAYS`).
    :param execution_log_level: API Gateway execution logging. Default ``ERROR``; data trace is always off.
        Anything but ``OFF`` needs the account's API Gateway CloudWatch role set once per account and
        region (``cloud_watch_role=True`` here, or elsewhere).
    :param cloud_watch_role: create the role API Gateway uses to write execution logs and set it as the
        account's (``AWS::ApiGateway::Account``, an account-and-region-wide setting, kept on stack
        deletion). Default ``False``: this construct changes no account setting.
    :param cors_allowed_origins: origins allowed by CORS. Default: none, and no CORS at all. Preflight
        (``OPTIONS``) is answered by API Gateway. The Lambda handler adds ``Access-Control-Allow-Origin``
        (the request's ``Origin`` when listed) and ``Vary: Origin`` to every answer. API Gateway's own
        errors (gateway responses) carry the header only with a single origin or ``*`` (a static value);
        with several, a browser sees them as CORS errors. ``DirectIntegration`` takes one origin only.
    :param waf: a WAF web ACL on the stage (:class:`WafOptions`). Default: none.
    :param rest_api_name: the API's name. Default: the construct path.
    :param log_encryption_key: the KMS key of the access log and function log groups. Default: a new key
        with rotation whose key policy lets CloudWatch Logs of this region use it for log groups of this
        account and region only. A key of yours needs the same grant.
    :param private_endpoint: make the API private, reachable only through this ``execute-api`` interface
        VPC endpoint (:meth:`~sagemaker_serving.ServingNetwork.add_api_gateway_endpoint` creates one):
        endpoint type ``PRIVATE``, associated with the endpoint, and a resource policy that allows
        ``execute-api:Invoke`` only when ``aws:SourceVpce`` is the endpoint's ID and denies it otherwise.
        The allow names the principal the auth binds (this account with :class:`IamAuth`, so callers
        still need ``execute-api:Invoke``: :meth:`grant_invoke`). Default: none, a regional API.
    :param inference_components: the :class:`~sagemaker_serving.InferenceComponent` objects reachable on
        ``POST /models/{component}/invocations`` by their ``name`` (any other name is a 404 before SageMaker
        is called). Default: every component the endpoint hosts when the front door is created (create them
        first: one added later fails the synth). Needs :class:`LambdaIntegration`.

    Attributes: ``api``, ``stage``, ``url``, ``methods`` (``invocations_method``,
    ``variant_invocations_method``, ``health_method``; for an asynchronous endpoint
    ``async_invocations_method``, ``async_result_method`` and ``health_method``, the others ``None``),
    ``async_inference`` (the endpoint's, or ``None``), ``request_validator``, ``access_log_group``,
    ``log_encryption_key``, ``integration`` and ``auth`` (the objects), and what they created: ``function``,
    ``function_log_group`` (Lambda), ``integration_role`` (direct), ``authorizer``, ``user_pool``,
    ``user_pool_client`` (Cognito), ``usage_plan``, ``api_key`` (a usage plan), ``web_acl`` (``waf``),
    ``private_endpoint``, ``component_invocations_method`` (with inference components); each ``None`` when not
    created. ``inference_components`` is the components reachable by name (empty without).
    """

    #: The variants the Lambda handler may route to, comma-separated (a token for an :class:`Endpoint`).
    variant_names_csv: str
    #: The endpoint's asynchronous inference (an :class:`Endpoint` whose config has one), else ``None``.
    async_inference: AsyncInference | None
    #: The inference components reachable on ``POST /models/{component}/invocations``, by name.
    inference_components: tuple[InferenceComponent, ...]

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: EndpointBase,
        variant_names: Sequence[str] | None = None,
        integration: FrontDoorIntegration | None = None,
        auth: FrontDoorAuth | None = None,
        stage_name: str = defaults.STAGE_NAME,
        throttling_rate_limit: float = defaults.THROTTLING_RATE_LIMIT,
        throttling_burst_limit: int = defaults.THROTTLING_BURST_LIMIT,
        binary_media_types: Sequence[str] = defaults.BINARY_MEDIA_TYPES,
        log_retention: logs.RetentionDays | None = None,
        execution_log_level: apigateway.MethodLoggingLevel = getattr(  # noqa: B008 - an enum member, immutable
            apigateway.MethodLoggingLevel, defaults.EXECUTION_LOG_LEVEL
        ),
        cloud_watch_role: bool = defaults.CLOUD_WATCH_ROLE,
        cors_allowed_origins: Sequence[str] = (),
        waf: WafOptions | None = None,
        rest_api_name: str | None = None,
        log_encryption_key: kms.IKey | None = None,
        private_endpoint: ec2.IInterfaceVpcEndpoint | None = None,
        inference_components: Sequence[InferenceComponent] | None = None,
    ) -> None:
        """Validate every part, then create the API and stage, bind the auth and the integration, add the methods."""
        super().__init__(scope, construct_id)
        self.endpoint = endpoint
        self.integration: FrontDoorIntegration = integration if integration is not None else LambdaIntegration()
        self.auth: FrontDoorAuth = auth if auth is not None else IamAuth()
        self.binary_media_types: tuple[str, ...] = tuple(binary_media_types)
        self.cors_allowed_origins: tuple[str, ...] = tuple(cors_allowed_origins)
        if log_retention is None:
            log_retention = log_retention_for_days(defaults.LOG_RETENTION_DAYS)
        self.log_retention = log_retention
        self.private_endpoint = private_endpoint
        self._find_targets(variant_names, inference_components)
        problems = front_door_problems(
            self,
            variant_names=variant_names,
            stage_name=stage_name,
            rate=throttling_rate_limit,
            burst=throttling_burst_limit,
            binary_media_types=binary_media_types,
            cors_allowed_origins=cors_allowed_origins,
            waf=waf,
        )
        raise_if_problems("Invalid front door props", problems)
        self._log_groups(log_encryption_key)
        self.api = self._rest_api(
            stage_name=stage_name,
            rate=throttling_rate_limit,
            burst=throttling_burst_limit,
            execution_log_level=execution_log_level,
            cloud_watch_role=cloud_watch_role,
            rest_api_name=rest_api_name,
        )
        self.stage: apigateway.Stage = self.api.deployment_stage
        self._bind_parts(waf, cloud_watch_role=cloud_watch_role, components_given=inference_components is not None)

    @property
    def url(self) -> str:
        """The stage's base URL, ``https://<id>.execute-api.<region>.<suffix>/<stage>/``."""
        return self.stage.url_for_path("/")

    @property
    def methods(self) -> tuple[apigateway.Method, ...]:
        """``POST /invocations``, ``POST /variants/{variant}/invocations`` and ``GET /health``; for an
        asynchronous endpoint ``POST /async-invocations``, ``GET /async-invocations/{inference_id}`` and
        ``GET /health``."""
        found = (
            self.invocations_method,
            self.variant_invocations_method,
            self.async_invocations_method,
            self.async_result_method,
            self.health_method,
        )
        return tuple(m for m in found if m is not None)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to call the front door: ``execute-api:Invoke`` on exactly its methods on its
        stage (``arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<verb>/<path>``, ``*`` for
        ``{variant}``), added to the grantee's own policy with ``iam.Grant.add_to_principal``, as aws-cdk's
        ``Method.grantExecute`` does.

        This is what callers need with :class:`IamAuth` (SigV4; also through a private API, whose resource
        policy then allows this account's principals). The other auths do not check IAM.
        """
        methods = [*self.methods, *([self.component_invocations_method] if self.component_invocations_method else [])]
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["execute-api:Invoke"], resource_arns=[m.method_arn for m in methods]
        )

    # --- building blocks ---------------------------------------------------------------------

    def _find_targets(
        self, variant_names: Sequence[str] | None, inference_components: Sequence[InferenceComponent] | None
    ) -> None:
        """What the methods reach: the variants by name, the asynchronous inference, the components by name."""
        self.variant_names_csv = variant_names_csv(self.endpoint, variant_names)
        self.async_inference = (
            self.endpoint.endpoint_config.async_inference if isinstance(self.endpoint, Endpoint) else None
        )
        from sagemaker_serving.front_door import components

        self.inference_components = tuple(
            inference_components if inference_components is not None else components.endpoint_components(self.endpoint)
        )

    def _log_groups(self, log_encryption_key: kms.IKey | None) -> None:
        """The log groups' key (given, or a new one) and the access log group."""
        self.log_encryption_key: kms.IKey = log_encryption_key or log_group_key(
            self, "LogKey", description=f"Encrypts the log groups of {self.node.path}"
        )
        self.access_log_group = access_log_group(
            self, retention=self.log_retention, encryption_key=self.log_encryption_key
        )

    def _bind_parts(self, waf: WafOptions | None, *, cloud_watch_role: bool, components_given: bool) -> None:
        """The request validator, the auth and the integration bound, the methods, the WAF, the acknowledgements."""
        self.request_validator = self._request_validator_and_gateway_responses()
        auth_binding = self.auth.bind(self)
        self._allow_through_private_endpoint(auth_binding)
        integration_binding = self.integration.bind(self)
        self._expose(auth_binding, integration_binding)
        self._add_methods(auth_binding, integration_binding, components_given=components_given)
        self.web_acl: wafv2.CfnWebACL | None = waf.bind(self) if waf is not None else None
        acknowledge_findings(self, auth_binding, cloud_watch_role=cloud_watch_role)

    def _rest_api(
        self,
        *,
        stage_name: str,
        rate: float,
        burst: int,
        execution_log_level: apigateway.MethodLoggingLevel,
        cloud_watch_role: bool,
        rest_api_name: str | None,
    ) -> apigateway.RestApi:
        destination, log_format = access_log_settings(self.access_log_group)
        endpoint_configuration = None
        if self.private_endpoint is not None:
            from sagemaker_serving.front_door.private_api import private_endpoint_configuration

            endpoint_configuration = private_endpoint_configuration(self.private_endpoint)
        return apigateway.RestApi(
            self,
            "Api",
            rest_api_name=rest_api_name,
            description=f"Front door of SageMaker endpoint ({self.node.path})",
            endpoint_types=None if endpoint_configuration is not None else [apigateway.EndpointType.REGIONAL],
            endpoint_configuration=endpoint_configuration,
            binary_media_types=list(self.binary_media_types),
            cloud_watch_role=cloud_watch_role,
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=rate,
                throttling_burst_limit=burst,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=execution_log_level,
                data_trace_enabled=False,
                access_log_destination=destination,
                access_log_format=log_format,
            ),
            default_cors_preflight_options=cors_options(self.cors_allowed_origins),
        )

    def _request_validator_and_gateway_responses(self) -> apigateway.RequestValidator:
        """Body and parameter validation on every method; API Gateway's own errors with the JSON error body."""
        validator = self.api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        add_gateway_responses(self.api, self.cors_allowed_origins)
        return validator

    def _allow_through_private_endpoint(self, auth: AuthBinding) -> None:
        """A private API's resource policy, allowing the principal the auth binds (nothing when regional)."""
        if self.private_endpoint is not None:
            from sagemaker_serving.front_door.private_api import add_private_api_policy

            add_private_api_policy(self.api, self.private_endpoint, auth.resource_policy_principal)

    def _expose(self, auth: AuthBinding, integration: IntegrationBinding) -> None:
        """What the parts created, as attributes of the front door."""
        self.authorizer = auth.authorizer
        self.user_pool = auth.user_pool
        self.user_pool_client = auth.user_pool_client
        self.usage_plan = auth.usage_plan
        self.api_key = auth.api_key
        self.function = integration.function
        self.function_log_group = integration.function_log_group
        self.integration_role = integration.integration_role

    def _add_methods(self, auth: AuthBinding, integration: IntegrationBinding, *, components_given: bool) -> None:
        """The routes' methods (:func:`~sagemaker_serving.front_door.methods.add_routes`) and, with inference
        components, ``POST /models/{component}/invocations``; without ``inference_components=``, a synth-time
        check that none was added to the endpoint later."""
        from sagemaker_serving.front_door import components

        routes = add_routes(
            self.api.root,
            self.request_validator,
            auth,
            integration,
            is_async=self.async_inference is not None,
        )
        self.invocations_method: apigateway.Method | None = routes.invocations
        self.variant_invocations_method: apigateway.Method | None = routes.variant_invocations
        self.async_invocations_method: apigateway.Method | None = routes.async_invocations
        self.async_result_method: apigateway.Method | None = routes.async_result
        self.health_method: apigateway.Method = routes.health
        self.component_invocations_method: apigateway.Method | None = None
        if self.inference_components:
            self.component_invocations_method = components.add_component_method(self, auth, integration)
        if not components_given:
            self.node.add_validation(components.ComponentsAddedLater(self))
