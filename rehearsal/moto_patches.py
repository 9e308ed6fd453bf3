"""Work-arounds for moto 5.2.5 gaps that stop real CDK templates from deploying, updating or deleting.

:func:`apply` patches moto in this process (the rehearsal runs moto's server in a thread of its own
process, so the patches reach it). Each patch is idempotent and does what CloudFormation does.
"""

from __future__ import annotations

import contextlib
from typing import Any


def apply() -> None:
    """Apply every patch below (safe to call more than once)."""
    _vpc_deletes()
    _managed_policy_delete()
    _kms_key_tags()
    _api_gateway_stage()
    _api_gateway_mock_methods()
    _sagemaker_endpoint_name()
    _endpoint_weights_keep_what_is_not_given()
    _instance_pool_variants()


def _instance_pool_variants() -> None:
    """An endpoint config whose variant has no ``ModelName`` (an instance pool for inference components:
    https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html) fails in moto with
    ``KeyError: 'ModelName'``: its check that each variant's model exists reads the key unconditionally.
    Check only the variants that name a model, as SageMaker does. (moto has no inference components at all:
    its CloudFormation skips ``AWS::SageMaker::InferenceComponent``; the report lists them from the template.)
    """
    from moto.sagemaker.models import SageMakerModelBackend

    check = SageMakerModelBackend.validate_production_variants
    if getattr(check, "_rehearsal_patched", False):
        return

    def validate_named_models(self: SageMakerModelBackend, production_variants: list[dict[str, Any]]) -> None:
        check(self, [v for v in production_variants if "ModelName" in v])

    validate_named_models._rehearsal_patched = True  # type: ignore[attr-defined]
    SageMakerModelBackend.validate_production_variants = validate_named_models  # type: ignore[method-assign]


def _vpc_deletes() -> None:
    """``AWS::EC2::VPCEndpoint``, ``AWS::EC2::RouteTable`` and ``AWS::EC2::FlowLog`` have no
    CloudFormation delete in moto, so the VPC of a stack with ``network.vpc`` cannot be deleted
    (``DependencyViolation``). Give them CloudFormation's delete.
    """
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint

    if hasattr(VPCEndPoint, "delete"):
        return

    def delete_vpc_endpoint(self: VPCEndPoint, account_id: str, region_name: str) -> None:
        # A gateway endpoint removes its routes; skip route tables the stack already deleted.
        self.route_table_ids = [r for r in self.route_table_ids or [] if r in self.ec2_backend.route_tables]
        self.ec2_backend.delete_vpc_endpoints([self.id])
        self.ec2_backend.vpc_end_points.pop(self.id, None)

    def delete_route_table(self: RouteTable, account_id: str, region_name: str) -> None:
        for association_id in list(self._associations):
            self.ec2_backend.disassociate_route_table(association_id)
        self.ec2_backend.delete_route_table(self.id)

    def delete_flow_log(self: FlowLogs, account_id: str, region_name: str) -> None:
        self.ec2_backend.delete_flow_logs([self.id])

    VPCEndPoint.delete = delete_vpc_endpoint  # type: ignore[attr-defined]
    RouteTable.delete = delete_route_table  # type: ignore[attr-defined]
    FlowLogs.delete = delete_flow_log  # type: ignore[attr-defined]


def _managed_policy_delete() -> None:
    """``AWS::IAM::ManagedPolicy`` has no CloudFormation delete in moto: the policy stays attached, so
    deleting the role (and the stack) fails with ``DeleteConflict``. Give it the delete that
    CloudFormation performs: detach from every role, group and user, then delete.
    """
    from moto.iam.models import ManagedPolicy

    if hasattr(ManagedPolicy, "delete"):
        return

    def delete_managed_policy(self: ManagedPolicy, account_id: str, region_name: str) -> None:
        backend = self.backend
        for role in list(backend.roles.values()):
            if self.arn in role.managed_policies:
                backend.detach_role_policy(self.arn, role.name)
        for group in list(backend.groups.values()):
            if self.arn in group.managed_policies:
                backend.detach_group_policy(self.arn, group.name)
        for user in list(backend.users.values()):
            if self.arn in user.managed_policies:
                backend.detach_user_policy(self.arn, user.name)
        backend.delete_policy(self.arn)

    ManagedPolicy.delete = delete_managed_policy  # type: ignore[attr-defined]


def _kms_key_tags() -> None:
    """``AWS::KMS::Key`` with ``Tags`` (every tagged stack: ``cdk.Tags`` reaches the endpoint config's
    key) crashes moto's CloudFormation with ``KeyError: 'TagKey'``: it hands CloudFormation's
    ``Key``/``Value`` tags to the KMS tagger, which expects KMS's ``TagKey``/``TagValue``.
    """
    from moto.kms.models import Key

    create = Key.create_from_cloudformation_json
    if getattr(create, "_rehearsal_patched", False):
        return
    original = create.__func__  # type: ignore[attr-defined]

    def create_with_kms_tags(
        cls: type[Key], /, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
    ) -> Key:
        properties = cloudformation_json.get("Properties", {})
        tags = properties.get("Tags") or []
        if tags and "Key" in tags[0]:
            kms_tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags]
            cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Tags": kms_tags}}
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kw)  # type: ignore[no-any-return]

    create_with_kms_tags._rehearsal_patched = True  # type: ignore[attr-defined]
    Key.create_from_cloudformation_json = classmethod(create_with_kms_tags)  # type: ignore[method-assign,assignment]


def _api_gateway_stage() -> None:
    """``AWS::ApiGateway::Stage`` has no CloudFormation support in moto: the stage is never created and
    a ``Ref`` to it resolves to ``None``. CDK's REST API URL output is
    ``https://<api>.execute-api.<region>.<suffix>/<Ref stage>/``, so it read ``…amazonaws.com/None/``.

    Register a CloudFormation model that creates the stage on the API with moto's own
    ``CreateStage`` (name, deployment, variables, description, tracing, tags) and whose ``Ref`` is
    the stage name, as CloudFormation's is. moto stores no method settings or access-log settings:
    the report still lists the stage as checked by the template tests.

    The stage's ``DeploymentId`` is a ``Ref`` to an ``AWS::ApiGateway::Deployment``, which moto
    resolves to its model object (it has no physical ID): give it CloudFormation's, the deployment ID.
    """
    from moto.apigateway.models import Deployment
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    if not hasattr(Deployment, "physical_resource_id"):
        Deployment.physical_resource_id = property(lambda self: self.id)  # type: ignore[attr-defined]

    if any(m.cloudformation_type() == "AWS::ApiGateway::Stage" for m in CloudFormationModel.__subclasses__()):
        return

    _define_stage_model()
    # moto caches its type → model maps; a model defined now must be seen.
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def _define_stage_model() -> type:
    """Define ``CloudFormationStage``; moto's CloudFormation finds it among ``CloudFormationModel``'s subclasses."""
    from moto.core.common_models import CloudFormationModel

    class CloudFormationStage(CloudFormationModel):
        """The stage ``stage_name`` of REST API ``rest_api_id``, as a CloudFormation resource."""

        def __init__(self, account_id: str, region_name: str, rest_api_id: str, stage_name: str) -> None:
            self.account_id = account_id
            self.region_name = region_name
            self.rest_api_id = rest_api_id
            self.stage_name = stage_name

        @property
        def physical_resource_id(self) -> str:
            return self.stage_name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "StageName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Stage"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
        ) -> CloudFormationStage:
            properties = cloudformation_json["Properties"]
            rest_api_id = properties["RestApiId"]
            _create_stage(account_id, region_name, rest_api_id, resource_name, properties)
            return cls(account_id, region_name, rest_api_id, resource_name)

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[override]
            cls,
            original_resource: CloudFormationStage,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> CloudFormationStage:
            # A new deployment (CDK renames it when the API changes) or new settings: replace the stage.
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            _delete_stage(self.account_id, self.region_name, self.rest_api_id, self.stage_name)

        def is_created(self) -> bool:
            return True

    return CloudFormationStage


def _create_stage(account_id: str, region_name: str, rest_api_id: str, stage_name: str, properties: Any) -> None:
    """moto's own ``CreateStage``, with the resource's name, deployment, variables, description, tags and tracing."""
    from moto.apigateway.models import apigateway_backends

    apigateway_backends[account_id][region_name].create_stage(
        rest_api_id,
        stage_name,
        properties.get("DeploymentId"),
        variables=properties.get("Variables"),
        description=properties.get("Description", ""),
        tags={t["Key"]: t["Value"] for t in properties.get("Tags", [])} or None,
        tracing_enabled=properties.get("TracingEnabled"),
    )


def _delete_stage(account_id: str, region_name: str, rest_api_id: str, stage_name: str) -> None:
    """moto's own ``DeleteStage``."""
    from moto.apigateway.exceptions import RestAPINotFound, StageNotFoundException
    from moto.apigateway.models import apigateway_backends

    # The API may have gone first, and its stages with it.
    with contextlib.suppress(RestAPINotFound, StageNotFoundException):
        apigateway_backends[account_id][region_name].delete_stage(rest_api_id, stage_name)


def _api_gateway_mock_methods() -> None:
    """``AWS::ApiGateway::Method`` with a ``MOCK`` integration (the CORS pre-flight ``OPTIONS`` methods
    of ``cors_allowed_origins``) has no ``IntegrationHttpMethod`` or ``Uri``, and moto's CloudFormation
    fails on the missing keys (``KeyError: 'IntegrationHttpMethod'``). Hand them over as absent values,
    which moto's own ``PutIntegration`` accepts for ``MOCK``.
    """
    from moto.apigateway.models import Method

    create = Method.create_from_cloudformation_json
    if getattr(create, "_rehearsal_patched", False):
        return
    original = create.__func__  # type: ignore[attr-defined]

    def create_with_mock_integration(
        cls: type[Method], /, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
    ) -> Method:
        properties = cloudformation_json.get("Properties", {})
        integration = properties.get("Integration")
        if isinstance(integration, dict) and integration.get("Type") == "MOCK":
            integration = {"IntegrationHttpMethod": None, "Uri": None, **integration}
            cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Integration": integration}}
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kw)  # type: ignore[no-any-return]

    create_with_mock_integration._rehearsal_patched = True  # type: ignore[attr-defined]
    Method.create_from_cloudformation_json = classmethod(create_with_mock_integration)  # type: ignore[method-assign,assignment]


def _sagemaker_endpoint_name() -> None:
    """``AWS::SageMaker::Endpoint`` with an ``EndpointName`` (an environment with deployment guardrails names its
    endpoint after the stack): moto's model declares no name property, so it generates a name and the stack's
    literal references (the front door's ``ENDPOINT_NAME``, the ``EndpointName`` output) name no endpoint.
    Declare ``EndpointName`` as the name property, as CloudFormation's schema does.
    """
    from moto.cloudformation import parsing
    from moto.sagemaker.models import FakeEndpoint

    if FakeEndpoint.cloudformation_name_type() == "EndpointName":
        return
    FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")  # type: ignore[method-assign]
    parsing.get_name_type_map.cache_clear()


def _endpoint_weights_keep_what_is_not_given() -> None:
    """``UpdateEndpointWeightsAndCapacities`` with only ``DesiredWeight`` (``make shift``): moto sets the
    variant's instance counts to ``None``; SageMaker leaves what the request does not give unchanged
    (``DesiredWeightAndCapacity``: both fields optional). Keep them.
    """
    from moto.sagemaker.models import SageMakerModelBackend

    update = SageMakerModelBackend.update_endpoint_weights_and_capacities
    if getattr(update, "_rehearsal_patched", False):
        return

    def update_keeping_unset(
        self: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
    ) -> str:
        endpoint = self.endpoints.get(endpoint_name)
        current = {v["VariantName"]: v for v in endpoint.production_variants} if endpoint else {}
        completed = []
        for desired in desired_weights_and_capacities:
            variant = current.get(desired.get("VariantName"), {})
            completed.append(
                {
                    **desired,
                    "DesiredWeight": desired.get("DesiredWeight", variant.get("DesiredWeight")),
                    "DesiredInstanceCount": desired.get("DesiredInstanceCount", variant.get("DesiredInstanceCount")),
                }
            )
        return update(self, endpoint_name, completed)  # type: ignore[no-any-return]

    update_keeping_unset._rehearsal_patched = True  # type: ignore[attr-defined]
    SageMakerModelBackend.update_endpoint_weights_and_capacities = update_keeping_unset  # type: ignore[method-assign]
