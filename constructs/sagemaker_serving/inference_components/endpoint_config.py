"""The endpoint config of an endpoint that hosts inference components: one instance pool and an execution role.

``CreateEndpointConfig`` for inference components
(https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html): the production
variant has an instance type and count but no ``ModelName`` (the models come with the components), and
the config has an ``ExecutionRoleArn``, the role SageMaker assumes for the endpoint's containers. The
role is always set here: a new least-privilege role unless one is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.compliance import acknowledge, acknowledge_endpoint_config_without_key
from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.inference_components.pool import InstancePool
from sagemaker_serving.variants import has_local_storage

if TYPE_CHECKING:
    from sagemaker_serving.variants import Variant


class ComponentEndpointConfig(Construct):
    """An ``AWS::SageMaker::EndpointConfig`` whose variant is an :class:`InstancePool` for inference components.

    The ML storage volumes are encrypted with a KMS key (a new one with rotation unless given), except
    on instance types with local NVMe storage, which SageMaker encrypts itself (a key is then refused, as
    :class:`~sagemaker_serving.EndpointConfig` does). ``ExecutionRoleArn`` is always set: ``execution_role``,
    or a new role SageMaker assumes that may write SageMaker's endpoint logs and metrics; a component
    with its own container (``ComponentModel.from_container``) adds the right to pull its image and read
    its artifact. Serve it with :class:`~sagemaker_serving.Endpoint`, then add
    :class:`~sagemaker_serving.InferenceComponent` objects to the endpoint.

    :param pool: the instances the components share.
    :param execution_role: the role SageMaker assumes for the endpoint. Default: a new role that may
        write SageMaker endpoint logs and metrics (and, per component container, pull and read).
    :param encryption_key: KMS key for the ML storage volumes. Default: a new key with rotation when
        the instance type allows one; none otherwise.

    Attributes: ``cfn_endpoint_config``, ``pool``, ``execution_role``, ``execution_policy`` (``None`` for a
    given role), ``encryption_key`` (``None`` where not allowed), ``endpoint_config_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pool: InstancePool,
        execution_role: iam.IRole | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """Create the endpoint config."""
        problems = (
            pool.problems("pool")
            if isinstance(pool, InstancePool)
            else [f"pool: {pool!r} is not allowed; expected an InstancePool"]
        )
        if not problems and encryption_key is not None and has_local_storage(pool.instance_type):
            problems.append(
                f"encryption_key: a key is not allowed for instance type {pool.instance_type!r} (local NVMe "
                "storage); SageMaker encrypts those volumes itself"
            )
        raise_if_problems("Invalid inference component endpoint config", problems)
        super().__init__(scope, construct_id)
        self.pool = pool
        self.execution_policy: iam.ManagedPolicy | None = None
        self.execution_role: iam.IRole = execution_role or self._default_role()
        self.encryption_key: kms.IKey | None = None
        if not has_local_storage(pool.instance_type):
            self.encryption_key = encryption_key or kms.Key(
                self,
                "Key",
                description=f"Encrypts the ML storage volumes of {self.node.path}",
                enable_key_rotation=True,
            )
        self.cfn_endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Resource",
            production_variants=[pool.render()],
            execution_role_arn=self.execution_role.role_arn,
            kms_key_id=self.encryption_key.key_arn if self.encryption_key else None,
        )
        if self.execution_policy is not None:
            # SageMaker checks the role when it starts the endpoint: attach its permissions first.
            self.cfn_endpoint_config.node.add_dependency(self.execution_policy)
        self.endpoint_config_name: str = self.cfn_endpoint_config.attr_endpoint_config_name
        if self.encryption_key is None:
            acknowledge_endpoint_config_without_key(self.cfn_endpoint_config)

    # --- what Endpoint, the autoscaling and the front door read from any endpoint config -------------

    @property
    def variants(self) -> tuple[Variant, ...]:
        """The production variants: none with a model (the pool is :attr:`pool`)."""
        return ()

    @property
    def variant_names(self) -> tuple[str, ...]:
        """The pool's variant name."""
        return (self.pool.name,)

    @property
    def is_serverless(self) -> bool:
        """Always ``False``: the pool is instance-based."""
        return False

    @property
    def is_async(self) -> bool:
        """Always ``False``: components take real-time ``InvokeEndpoint`` calls (no ``AsyncInferenceConfig``)."""
        return False

    @property
    def async_inference(self) -> None:
        """Always ``None``: an instance pool has no asynchronous inference (see :attr:`is_async`)."""
        return None

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Let the execution role do more (a no-op for a given role that is not an ``iam.Role`` of this app)."""
        if self.execution_policy is not None:
            self.execution_policy.add_statements(statement)
        else:
            self.execution_role.add_to_principal_policy(statement)

    def _default_role(self) -> iam.Role:
        from sagemaker_serving.model_permissions import logs_and_metrics_statements

        role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker inference component endpoint execution role (least privilege)",
        )
        self.execution_policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description="What the endpoint's containers need: SageMaker endpoint logs and metrics",
            statements=logs_and_metrics_statements(cdk.Stack.of(self)),
            roles=[role],
        )
        acknowledge(
            self.execution_policy,
            ["AwsSolutions-IAM5[Resource::*]"],
            "Resource '*' only for actions AWS defines without resource-level permissions: "
            "cloudwatch:PutMetricData (limited by a cloudwatch:namespace condition to /aws/sagemaker/*) and, "
            "for components with their own container, ecr:GetAuthorizationToken.",
        )
        acknowledge(
            self.execution_policy,
            [
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                "log-group:/aws/sagemaker/Endpoints/*]",
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
                "log-group:/aws/sagemaker/Endpoints/*:log-stream:*]",
            ],
            "SageMaker writes container logs to /aws/sagemaker/Endpoints/<endpoint name>; the endpoint "
            "is created after this config (it depends on it), so its name cannot appear here. The "
            "wildcard stays inside SageMaker's endpoint log groups of this account and region.",
        )
        return role
