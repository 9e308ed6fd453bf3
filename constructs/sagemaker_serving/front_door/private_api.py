"""A private front door (``FrontDoor(private_endpoint=...)``): reachable only through one ``execute-api``
interface VPC endpoint.

The API gets endpoint type ``PRIVATE``, is associated with the endpoint (``VpcEndpointIds``), and has a
resource policy that denies ``execute-api:Invoke`` unless ``aws:SourceVpce`` is that endpoint's ID
(AWS's documented pattern for private APIs). Imported only when a front door is private.
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam


def private_endpoint_problems(private_endpoint: object) -> list[str]:
    """``private_endpoint`` must be an interface VPC endpoint (a gateway endpoint has no ID to allow)."""
    if isinstance(private_endpoint, ec2.GatewayVpcEndpoint) or not hasattr(private_endpoint, "vpc_endpoint_id"):
        return [
            f"private_endpoint: {private_endpoint!r} is not allowed; expected an execute-api interface VPC endpoint "
            "(ec2.IInterfaceVpcEndpoint, e.g. ServingNetwork.add_api_gateway_endpoint())"
        ]
    return []


def private_endpoint_configuration(private_endpoint: ec2.IInterfaceVpcEndpoint) -> apigateway.EndpointConfiguration:
    """Endpoint type ``PRIVATE``, associated with ``private_endpoint``."""
    return apigateway.EndpointConfiguration(types=[apigateway.EndpointType.PRIVATE], vpc_endpoints=[private_endpoint])


def add_private_api_policy(
    api: apigateway.RestApi, private_endpoint: ec2.IInterfaceVpcEndpoint, principal: iam.IPrincipal
) -> None:
    """The resource policy of a private API: deny ``execute-api:Invoke`` unless the request comes through
    ``private_endpoint``, allow it to ``principal`` when it does.

    ``execute-api:/*`` is every stage, method and path of this API (API Gateway expands it to the
    API's ARN; the API's own ID cannot be referenced in its policy). ``principal`` comes from the
    auth's binding: this account with :class:`~sagemaker_serving.IamAuth`, so a caller's IAM policy
    must still grant ``execute-api:Invoke``; ``*`` for the auths whose callers are anonymous at the IAM
    layer.
    """
    invoke, everything = ["execute-api:Invoke"], ["execute-api:/*"]
    vpce = private_endpoint.vpc_endpoint_id
    api.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyOutsideTheVpcEndpoint",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=invoke,
            resources=everything,
            conditions={"StringNotEquals": {"aws:SourceVpce": vpce}},
        )
    )
    api.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowThroughTheVpcEndpoint",
            effect=iam.Effect.ALLOW,
            principals=[principal],
            actions=invoke,
            resources=everything,
            conditions={"StringEquals": {"aws:SourceVpce": vpce}},
        )
    )
