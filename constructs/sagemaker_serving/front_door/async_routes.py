"""The front door of an asynchronous endpoint: its two routes, and what its function may do.

An endpoint config with ``async_inference`` "can only receive asynchronous invocations"
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html), and ``InvokeEndpointAsync`` takes
no ``TargetVariant``. So its front door has, with the same auth, throttling, validator, logs and JSON
errors as a real-time one::

    POST /async-invocations                     → store the body, InvokeEndpointAsync, 202 with the id
    GET  /async-invocations/{inference_id}      → 200 result / 424 failure / 202 in progress / 404
    GET  /health                                → DescribeEndpoint

and neither ``POST /invocations`` nor ``/variants/{variant}/invocations``. The body has to be stored in S3
first, which API Gateway cannot do in the same call as ``InvokeEndpointAsync``: only
:class:`~sagemaker_serving.LambdaIntegration` serves these routes. A payload larger than the function can
take (Lambda's event limit) goes straight to the input prefix, up to SageMaker's 1 GB
(``AsyncInference.grant_put_input`` and ``Endpoint.grant_invoke_async``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.endpoint import Endpoint, EndpointBase
from sagemaker_serving.front_door.runtime_contract import contract

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_

    from sagemaker_serving.async_inference import AsyncInference

#: ``(resource, method, integration, request parameters, method responses)`` → the added method.
AddMethod = Callable[
    [
        apigateway.IResource,
        str,
        apigateway.Integration,
        "dict[str, bool] | None",
        "tuple[apigateway.MethodResponse, ...] | None",
    ],
    apigateway.Method,
]


def async_inference_of(endpoint: EndpointBase) -> AsyncInference | None:
    """The endpoint's asynchronous inference, when it is an :class:`Endpoint` of this app with one."""
    if isinstance(endpoint, Endpoint):
        return endpoint.endpoint_config.async_inference
    return None


def add_async_methods(
    root: apigateway.IResource, invoke: apigateway.Integration, add: AddMethod, post_parameters: dict[str, bool]
) -> tuple[apigateway.Method, apigateway.Method]:
    """``POST /async-invocations`` (``post_parameters``: ``Content-Type`` required, ``Accept`` optional) and
    ``GET /async-invocations/{inference_id}``, both to ``invoke``."""
    resource = root.add_resource("async-invocations")
    submit = add(resource, "POST", invoke, post_parameters, None)
    result = add(
        resource.add_resource("{inference_id}"),
        "GET",
        invoke,
        {"method.request.path.inference_id": True, "method.request.header.Accept": False},
        None,
    )
    return submit, result


def async_environment(async_inference: AsyncInference) -> dict[str, str]:
    """What the function reads in ``async`` mode (its ``contract.py``)."""
    config = async_inference.config
    return {
        contract.ENV_INVOCATION_MODE: "async",
        contract.ENV_ASYNC_BUCKET: async_inference.bucket.bucket_name,
        contract.ENV_ASYNC_INPUT_PREFIX: async_inference.input_prefix,
        contract.ENV_ASYNC_INVOCATION_TIMEOUT_SECONDS: str(int(config.invocation_timeout.to_seconds())),
        contract.ENV_ASYNC_REQUEST_TTL_SECONDS: str(int(config.request_ttl.to_seconds())),
    }


def grant_async_function(function: lambda_.Function, endpoint: EndpointBase, async_inference: AsyncInference) -> None:
    """What the function does for the two routes, nothing more: ``InvokeEndpointAsync`` on the endpoint; store
    bodies under the input prefix; write and read its request records; read results and failures; list the
    bucket (so a result not written yet is a 404, not a 403); use the bucket's key for all that."""
    endpoint.grant_invoke_async(function)
    async_inference.grant_put_input(function)
    async_inference.grant_read_results(function)
    records = async_inference.objects_arn(contract.ASYNC_REQUESTS_PREFIX)
    function.add_to_role_policy(iam.PolicyStatement(actions=["s3:PutObject", "s3:GetObject"], resources=[records]))
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[async_inference.bucket.bucket_arn])
    )


def acknowledge_async_function(role: iam.Role, async_inference: AsyncInference) -> None:
    """The prefixes the function's policy grants (after :func:`grant_async_function`), with the reason."""
    policy = role.node.try_find_child("DefaultPolicy")
    assert policy is not None, "the function role has grants, so it has a default policy"
    bucket = async_inference.bucket.node.default_child
    if not isinstance(bucket, cdk.CfnElement):
        return  # a bucket of another app: cdk-nag shows its ARN literally, the owner's reason is not ours
    logical_id = cdk.Stack.of(bucket).get_logical_id(bucket)
    prefixes = (
        async_inference.input_prefix,
        async_inference.output_prefix,
        async_inference.failure_prefix,
        contract.ASYNC_REQUESTS_PREFIX,
    )
    acknowledge(
        policy,
        [f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/{prefix}*]" for prefix in prefixes],
        "Asynchronous front door: each request gets a new inference id, so its body, its record, its result "
        "and its failure have object names known only at run time; the grants are those prefixes of the "
        "endpoint config's own bucket.",
    )
