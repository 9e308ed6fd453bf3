"""A SageMaker model: container image + model artifact + a least-privilege execution role.

The props rules are in :mod:`sagemaker_serving.model_validation`, the execution policy's statements in
:mod:`sagemaker_serving.model_permissions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving._shared import select_subnet_ids
from sagemaker_serving.compliance import acknowledge
from sagemaker_serving.container_image import ContainerImage
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.model_data import ModelData, model_data_read_statement
from sagemaker_serving.model_permissions import logs_and_metrics_statements, vpc_statements
from sagemaker_serving.model_validation import (
    environment_problems,
    model_arn_problems,
    model_name_problems,
    vpc_problems,
)

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2


@jsii.implements(iam.IGrantable)
class ModelBase(cdk.Resource):
    """What every model offers, created here or imported (aws-sagemaker-alpha's ``IModel``).

    A model is grantable: ``grant_principal`` is its execution role, so ``bucket.grant_read(model)``
    lets the model's containers read that bucket. Production variants accept any ``ModelBase``.

    Attributes: ``model_name``, ``model_arn``, ``role`` (``None`` when imported without one), ``vpc``
    (``None`` when not in a VPC or not known), ``network_isolation`` (``None`` when not known),
    ``security_groups``, ``connections``.
    """

    model_name: str
    model_arn: str
    role: iam.IRole | None
    vpc: ec2.IVpc | None
    network_isolation: bool | None
    _security_groups: list[ec2.ISecurityGroup]
    _connections: ec2.Connections | None
    _unknown_principal: iam.IPrincipal | None = None

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The principal the model runs as: its execution role (an ``UnknownPrincipal`` if not known)."""
        if self.role is not None:
            return self.role
        if self._unknown_principal is None:
            # UnknownPrincipal implements IPrincipal through jsii, which type checkers do not see.
            self._unknown_principal = cast(iam.IPrincipal, iam.UnknownPrincipal(resource=self))
        return self._unknown_principal

    @property
    def security_groups(self) -> tuple[ec2.ISecurityGroup, ...]:
        """The security groups of the model's network interfaces (empty outside a VPC or when not known)."""
        return tuple(self._security_groups)

    @property
    def connections(self) -> ec2.Connections:
        """The security groups of the model's network interfaces, as ``ec2.Connections``."""
        if self._connections is None:
            from aws_cdk import aws_ec2 as ec2

            self._connections = ec2.Connections(security_groups=self._security_groups)
        return self._connections

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Let the model's execution role do more (a no-op for a model imported without its role)."""
        if self.role is not None:
            self.role.add_to_principal_policy(statement)


class _ImportedModel(ModelBase):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_arn: str,
        model_name: str,
        role: iam.IRole | None,
        security_groups: Sequence[ec2.ISecurityGroup],
    ) -> None:
        super().__init__(scope, construct_id, environment_from_arn=model_arn)
        self.model_arn = model_arn
        self.model_name = model_name
        self.role = role
        self.vpc = None
        self.network_isolation = None
        self._security_groups = list(security_groups)
        self._connections = None


class Model(ModelBase):
    """A SageMaker model (``AWS::SageMaker::Model``) with a single container.

    The execution role is created least-privilege unless one is given: it may read only this
    model's artifact object, pull only this image's repository, write only SageMaker endpoint logs
    and publish only SageMaker metrics. It never gets the SageMaker full-access managed policy.

    With ``vpc``, the model's containers run in that VPC's subnets (``VpcConfig``) behind the given
    security groups (default: a new group with no inbound rule and outbound HTTPS only); the role
    may then create and delete network interfaces in those subnets only. Serverless variants
    support neither a VPC nor network isolation.

    The model is grantable (``grant_principal`` is its role): ``bucket.grant_read(model)`` adds to the
    role's default policy, which the model resource depends on (as on the execution policy) when the
    role is an ``iam.Role`` of this app; :meth:`add_to_role_policy` extends the execution policy. Existing
    models are imported with :meth:`from_model_name`, :meth:`from_model_arn` or
    :meth:`from_model_attributes`, and can be served by production variants like this one.

    :param image: the inference container image.
    :param model_data: the model artifact. Default: none (the image carries the model).
    :param environment: container environment variables. Default: none.
    :param role: an existing execution role. Default: a new least-privilege role.
    :param model_name: a fixed physical name. Default: generated by CloudFormation, so the
        model (and the endpoint config using it) can be replaced without downtime.
    :param network_isolation: forbid the container any network access. Default: ``False``.
    :param vpc: run the containers in this VPC. Default: none (SageMaker's own network).
    :param vpc_subnets: which of the VPC's subnets (1-16). Default: the VPC's private subnets.
    :param security_groups: 1-5 security groups. Default: a new group, outbound HTTPS only.

    Attributes: ``cfn_model``, ``role``, ``policy``, ``model_name``, ``model_arn``, ``image_uri``,
    ``vpc`` (or ``None``), ``network_isolation``, ``security_groups``, ``connections``.
    """

    role: iam.IRole
    network_isolation: bool

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image: ContainerImage,
        model_data: ModelData | None = None,
        environment: Mapping[str, str] | None = None,
        role: iam.IRole | None = None,
        model_name: str | None = None,
        network_isolation: bool = False,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> None:
        """Create the model."""
        super().__init__(scope, construct_id)
        env = dict(environment or {})
        subnet_ids = select_subnet_ids(vpc, vpc_subnets) if vpc is not None else []
        raise_if_problems(
            "Invalid model props",
            [
                *environment_problems(env),
                *model_name_problems(model_name),
                *vpc_problems(vpc, vpc_subnets, security_groups, subnet_ids),
            ],
        )

        bound_image = image.bind(self)
        self.image_uri: str = bound_image.image_uri
        self.role = role or self._default_role()
        statements = [*logs_and_metrics_statements(cdk.Stack.of(self)), *bound_image.pull_statements]
        container = self._primary_container(model_data, env, statements)

        self.vpc = vpc
        self.network_isolation = network_isolation
        # aws_ec2 is imported only by models in a VPC (or when `connections` is read): it costs ~0.1 s.
        self._security_groups = []
        self._connections = None
        vpc_config = None
        if vpc is not None:
            vpc_config = self._join_vpc(vpc, subnet_ids, security_groups, statements)
        self.policy = self._execution_policy(statements)
        self.cfn_model = sagemaker.CfnModel(
            self,
            "Resource",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(**container),  # type: ignore[arg-type]
            model_name=model_name,
            enable_network_isolation=network_isolation or None,
            vpc_config=vpc_config,
        )
        self._acknowledge_wildcards(vpc is not None)
        self._create_after_permissions()
        self.model_name = self.cfn_model.attr_model_name
        self.model_arn = self.cfn_model.attr_model_arn

    def _primary_container(
        self, model_data: ModelData | None, env: dict[str, str], statements: list[iam.PolicyStatement]
    ) -> dict[str, object]:
        """The container: the image, the artifact (whose read statement joins ``statements``) and the environment."""
        container: dict[str, object] = {"image": self.image_uri}
        if model_data is not None:
            bound_data = model_data.bind(self)
            statements.append(model_data_read_statement(bound_data))
            container["model_data_url"] = bound_data.url
        if env:
            container["environment"] = env
        return container

    def _default_role(self) -> iam.Role:
        """A new execution role SageMaker assumes; its permissions are the execution policy."""
        return iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker model execution role (least privilege)",
        )

    def _join_vpc(
        self,
        vpc: ec2.IVpc,
        subnet_ids: list[str],
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        statements: list[iam.PolicyStatement],
    ) -> sagemaker.CfnModel.VpcConfigProperty:
        """Put the model's containers in ``vpc``: its security groups, ENI permissions and ``VpcConfig``."""
        self._security_groups = list(security_groups or [self._default_security_group(vpc)])
        statements += vpc_statements(cdk.Stack.of(self), vpc, subnet_ids, self._security_groups)
        return sagemaker.CfnModel.VpcConfigProperty(
            subnets=subnet_ids,
            security_group_ids=[g.security_group_id for g in self._security_groups],
        )

    def _execution_policy(self, statements: list[iam.PolicyStatement]) -> iam.ManagedPolicy:
        """The role's permissions, as a managed policy the model resource can depend on."""
        return iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description="What a SageMaker model needs to start: its artifact, image, logs and metrics",
            statements=statements,
            roles=[self.role],
        )

    def _create_after_permissions(self) -> None:
        """SageMaker checks the role's permissions when the model is created: attach them first."""
        self.cfn_model.node.add_dependency(self.policy)
        if isinstance(self.role, iam.Role):
            self.cfn_model.node.add_dependency(self.role)

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the execution policy, which is attached before the model is created."""
        self.policy.add_statements(statement)

    @staticmethod
    def from_model_attributes(
        scope: Construct,
        construct_id: str,
        *,
        model_arn: str,
        role: iam.IRole | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> ModelBase:
        """Import an existing model by ARN (``arn:...:sagemaker:region:account:model/name``).

        :param role: its execution role. Default: none; ``grant_principal`` is then an
            ``iam.UnknownPrincipal``: a grant to the model adds nothing and warns at synth, and a
            grant that needs the principal itself (a bucket's ``grant_read``) fails.
        :param security_groups: its security groups, if it runs in a VPC. Default: none known.
            A model imported with security groups is known to run in a VPC, so a serverless
            variant refuses it; otherwise SageMaker checks that at deploy time.
        """
        raise_if_problems("Invalid model import", model_arn_problems(model_arn))
        name = cdk.Arn.split(model_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name
        return _ImportedModel(
            scope,
            construct_id,
            model_arn=model_arn,
            model_name=name or model_arn,
            role=role,
            security_groups=security_groups or [],
        )

    @staticmethod
    def from_model_arn(scope: Construct, construct_id: str, model_arn: str) -> ModelBase:
        """Import an existing model by ARN; its name is read from the ARN."""
        return Model.from_model_attributes(scope, construct_id, model_arn=model_arn)

    @staticmethod
    def from_model_name(scope: Construct, construct_id: str, model_name: str) -> ModelBase:
        """Import an existing model of this stack's account and region by name.

        The name is used as given (variants refer to the model by it); the ARN carries it
        lower-cased, as SageMaker writes names in ARNs.
        """
        raise_if_problems("Invalid model import", model_name_problems(model_name))
        resource_name = model_name if cdk.Token.is_unresolved(model_name) else model_name.lower()
        arn = cdk.Stack.of(scope).format_arn(service="sagemaker", resource="model", resource_name=resource_name)
        return _ImportedModel(scope, construct_id, model_arn=arn, model_name=model_name, role=None, security_groups=[])

    def _default_security_group(self, vpc: ec2.IVpc) -> ec2.ISecurityGroup:
        from aws_cdk import aws_ec2 as ec2

        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="SageMaker model containers: outbound HTTPS only",
            allow_all_outbound=False,
        )
        group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs via the VPC's routes")
        return group

    def _acknowledge_wildcards(self, in_vpc: bool) -> None:
        """The wildcards the execution policy cannot avoid, each with the reason it is needed."""
        acknowledge(
            self.policy,
            ["AwsSolutions-IAM5[Resource::*]"],
            "Resource '*' only for actions AWS defines without resource-level permissions: "
            "cloudwatch:PutMetricData (limited by a cloudwatch:namespace condition to /aws/sagemaker/*), "
            "ecr:GetAuthorizationToken and, in a VPC, the ec2:Describe* calls SageMaker makes to attach "
            "network interfaces.",
        )
        acknowledge(
            self.policy,
            [
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                "log-group:/aws/sagemaker/Endpoints/*]",
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                "log-group:/aws/sagemaker/Endpoints/*:log-stream:*]",
            ],
            "SageMaker writes container logs to /aws/sagemaker/Endpoints/<endpoint name>; the endpoint "
            "is created after this model (it depends on it), so its name cannot appear here. The "
            "wildcard stays inside SageMaker's endpoint log groups of this account and region.",
        )
        if in_vpc:
            acknowledge(
                self.policy,
                [
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
                    "network-interface/*]"
                ],
                "SageMaker creates the model's network interfaces at deploy time, so their IDs are "
                "unknown; creating one is also limited to this model's subnets and security groups, and "
                "the other ENI actions to this VPC by an ec2:Vpc condition.",
            )
