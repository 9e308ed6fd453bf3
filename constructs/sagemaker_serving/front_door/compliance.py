"""The front door's acknowledged findings (cdk-nag) on its API, stage and methods, each with its reason.

Only for the configuration each is true of; the function's, the web ACL's and the auth's own reasons sit with
those parts (the auth's method acknowledgements are applied here, to every method).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagemaker_serving.compliance import acknowledge

if TYPE_CHECKING:
    from sagemaker_serving.front_door.auth.base import AuthBinding
    from sagemaker_serving.front_door.front_door import FrontDoor


def acknowledge_findings(front_door: FrontDoor, auth: AuthBinding, *, cloud_watch_role: bool) -> None:
    """Findings on the API, its stage and methods, each only for the configuration it is true of (the
    function's, the web ACL's and the auth's own reasons sit with those parts)."""
    stage = front_door.stage.node.default_child
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
    if front_door.web_acl is None:
        acknowledge(
            stage,
            ["NIST.800.53.R5-APIGWAssociatedWithWAF", "AwsSolutions-APIG3"],
            "No WAF configured for this front door (waf=None): every method requires authorization and the "
            "stage is throttled; pass waf=WafOptions() (prod does) for a per-IP rate limit and AWS managed rules.",
        )
    if cloud_watch_role:
        cw_role = front_door.api.node.try_find_child("CloudWatchRole")
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
    extra = [front_door.component_invocations_method] if front_door.component_invocations_method is not None else []
    for method in (*front_door.methods, *extra):
        for ack in auth.method_acknowledgements:
            acknowledge(method, ack.rule_ids, ack.reason)
