"""A private network for serving: a VPC with isolated subnets and the VPC endpoints models need.

No NAT gateway and no internet gateway: the subnets have no route out of the VPC. What the model
and a front-door Lambda need from AWS is reached through VPC endpoints (S3 gateway; ECR API and
Docker registry, CloudWatch Logs, SageMaker Runtime, SageMaker API and X-Ray interface endpoints by
default). VPC flow
logs go to a KMS-encrypted log group.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagemaker_serving._shared import log_group_key
from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.errors import raise_if_problems

#: Interface endpoints created by default: image pulls (ECR API + Docker registry), container and
#: Lambda logs (CloudWatch Logs), model invocation from inside the VPC (SageMaker Runtime), and for a
#: front-door Lambda in the VPC its health check (SageMaker API, ``DescribeEndpoint``) and its traces
#: (X-Ray: the function's segments are sent from inside the VPC).
DEFAULT_INTERFACE_ENDPOINTS: tuple[ec2.InterfaceVpcEndpointAwsService, ...] = (
    ec2.InterfaceVpcEndpointAwsService.ECR,
    ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
    ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
    ec2.InterfaceVpcEndpointAwsService.XRAY,
)

_HTTPS = ec2.Port.tcp(443)


class ServingNetwork(Construct):
    """A VPC for models and their front door that works without a NAT gateway.

    - ``max_azs`` private isolated subnets (one per Availability Zone), no internet route;
    - an S3 gateway endpoint (model artifacts) and interface endpoints (``interface_endpoints``),
      sharing one security group that accepts HTTPS from the VPC only;
    - ``model_security_group``: for SageMaker models; no inbound rule, outbound HTTPS only;
    - VPC flow logs (all traffic) to a log group encrypted with a KMS key with rotation.

    :meth:`add_api_gateway_endpoint` adds the ``execute-api`` endpoint a private front door needs.

    Use :attr:`vpc`, :attr:`subnet_selection` and :meth:`add_client_security_group` to put other
    compute (e.g. a front-door Lambda) in the same subnets::

        sg = network.add_client_security_group("FrontDoor", description="Front-door Lambda")
        lambda_.Function(..., vpc=network.vpc, vpc_subnets=network.subnet_selection, security_groups=[sg])

    :param max_azs: Availability Zones to spread the subnets over (1-6). Default 2, so instances
        of a variant with two or more instances land in two zones.
    :param cidr: the VPC's IPv4 block (/16 to /22). Default ``10.0.0.0/16``.
    :param interface_endpoints: AWS services reached through interface endpoints. Default:
        :data:`DEFAULT_INTERFACE_ENDPOINTS`; add ``InterfaceVpcEndpointAwsService.STS`` when code
        in the VPC assumes roles.
    :param flow_log_retention: how long VPC flow logs are kept. Default one year.

    Attributes: ``vpc``, ``subnet_selection``, ``subnet_ids``, ``model_security_group``,
    ``endpoint_security_group``, ``gateway_endpoint``, ``interface_endpoints`` (by service name),
    ``flow_log_group``, ``flow_log_key``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        max_azs: int = 2,
        cidr: str = "10.0.0.0/16",
        interface_endpoints: Sequence[ec2.InterfaceVpcEndpointAwsService] = DEFAULT_INTERFACE_ENDPOINTS,
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
    ) -> None:
        """Create the network."""
        super().__init__(scope, construct_id)
        raise_if_problems("Invalid network props", _props_problems(max_azs, cidr))

        self.vpc: ec2.IVpc = self._isolated_vpc(max_azs, cidr)
        self.subnet_selection = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.subnet_ids: list[str] = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="VPC interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(
            # The literal block, not the VPC's CidrBlock attribute: rule checkers can read it.
            ec2.Peer.ipv4(cidr),
            _HTTPS,
            "HTTPS from resources in this VPC",
        )
        self.gateway_endpoint = self.vpc.add_gateway_endpoint(
            "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.subnet_selection]
        )
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in interface_endpoints:
            self._add_interface_endpoint(service)

        self.model_security_group = self.add_client_security_group(
            "ModelSecurityGroup", description="SageMaker model containers: outbound HTTPS only"
        )
        self._add_flow_logs(flow_log_retention)

    def _isolated_vpc(self, max_azs: int, cidr: str) -> ec2.Vpc:
        """The VPC: isolated subnets only, no NAT gateway; its unused default security group is acknowledged."""
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
            # Closing the default security group needs a custom-resource Lambda; nothing here uses
            # that group (see the acknowledgement below).
            restrict_default_security_group=False,
        )
        acknowledge(
            vpc.node.default_child,  # type: ignore[arg-type]
            ["HIPAA.Security-VPCDefaultSecurityGroupClosed", "NIST.800.53.R5-VPCDefaultSecurityGroupClosed"],
            "Nothing is placed in the default security group: models, VPC endpoints and clients each get "
            "their own group, and the subnets have no internet route. Closing it needs a custom-resource "
            "Lambda, which would add more attack surface than it removes.",
        )
        return vpc

    def add_api_gateway_endpoint(self) -> ec2.InterfaceVpcEndpoint:
        """The ``execute-api`` interface endpoint, for a private front door (``FrontDoor(private_endpoint=...)``).

        Not created by default: it is only needed for a private API. Created once; later calls (or
        ``InterfaceVpcEndpointAwsService.APIGATEWAY`` in ``interface_endpoints``) return the same
        endpoint. Like the others it accepts HTTPS from this VPC only and has private DNS on, so
        ``https://<api-id>.execute-api.<region>.amazonaws.com`` resolves to it inside the VPC. Private
        DNS applies to every ``execute-api`` name in the VPC: code in this VPC then reaches public
        (regional or edge) APIs only through a custom domain name.
        """
        existing = self.interface_endpoints.get(ec2.InterfaceVpcEndpointAwsService.APIGATEWAY.short_name)
        return existing or self._add_interface_endpoint(ec2.InterfaceVpcEndpointAwsService.APIGATEWAY)

    def _add_interface_endpoint(self, service: ec2.InterfaceVpcEndpointAwsService) -> ec2.InterfaceVpcEndpoint:
        short = service.short_name
        endpoint_id = "".join(part.capitalize() for part in short.replace("-", ".").split("."))
        endpoint = self.vpc.add_interface_endpoint(
            endpoint_id,
            service=service,
            subnets=self.subnet_selection,
            security_groups=[self.endpoint_security_group],
            open=False,
            private_dns_enabled=True,
        )
        self.interface_endpoints[short] = endpoint
        return endpoint

    def add_client_security_group(self, construct_id: str, *, description: str) -> ec2.SecurityGroup:
        """A security group for compute in this VPC: no inbound rule, outbound HTTPS only.

        Outbound HTTPS goes to any address because the S3 gateway endpoint serves S3's public
        address ranges; the subnets have no other route out of the VPC, so nothing else is reachable.
        """
        group = ec2.SecurityGroup(self, construct_id, vpc=self.vpc, description=description, allow_all_outbound=False)
        group.add_egress_rule(
            ec2.Peer.any_ipv4(), _HTTPS, "HTTPS to VPC endpoints and the S3 gateway endpoint (no internet route)"
        )
        return group

    def _add_flow_logs(self, retention: logs.RetentionDays) -> None:
        self.flow_log_key = log_group_key(
            self, "FlowLogKey", description=f"Encrypts the VPC flow logs of {self.node.path}"
        )
        self.flow_log_group = logs.LogGroup(self, "FlowLogs", encryption_key=self.flow_log_key, retention=retention)
        role = iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            description="Lets VPC Flow Logs write to this VPC's flow log group only",
        )
        iam.ManagedPolicy(
            self,
            "FlowLogPolicy",
            description="Write VPC flow logs to one log group",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[self.flow_log_group.log_group_arn],
                )
            ],
        )
        ec2.CfnFlowLog(
            self,
            "FlowLog",
            resource_id=self.vpc.vpc_id,
            resource_type="VPC",
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_group_name=self.flow_log_group.log_group_name,
            deliver_logs_permission_arn=role.role_arn,
        )


def _props_problems(max_azs: int, cidr: str) -> list[str]:
    """``max_azs`` from 1 to 6 and ``cidr`` an IPv4 block of /16 to /22 (tokens are not checked)."""
    problems: list[str] = []
    if isinstance(max_azs, bool) or not isinstance(max_azs, int) or not 1 <= max_azs <= 6:
        problems.append(f"max_azs: {max_azs!r} is not allowed; must be an integer from 1 to 6")
    if not cdk.Token.is_unresolved(cidr):
        try:
            prefix = ipaddress.IPv4Network(cidr).prefixlen
            if not 16 <= prefix <= 22:
                problems.append(f"cidr: {cidr!r} is not allowed; the prefix must be /16 to /22")
        except ValueError:
            problems.append(f"cidr: {cidr!r} is not allowed; expected an IPv4 block such as '10.0.0.0/16'")
    return problems
