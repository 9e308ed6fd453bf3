"""Model as aws-cdk resources are: grantable (its role), and importable by name, ARN or attributes."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from sagemaker_serving import (
    ContainerImage,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelBase,
    ModelData,
    ServerlessVariant,
    ValidationError,
)

PINNED = cdk.Environment(account="123456789012", region="eu-west-1")


def _model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))


def test_model_is_grantable_and_grants_land_before_the_model_is_created(stack: cdk.Stack) -> None:
    model = _model(stack)
    bucket = s3.Bucket(stack, "Features")
    assert model.grant_principal is model.role
    bucket.grant_read(model)  # jsii sees Model as an iam.IGrantable

    template = Template.from_stack(stack)
    role_id = stack.get_logical_id(model.role.node.default_child)  # type: ignore[union-attr,arg-type]
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": role_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": Match.array_with(["s3:GetObject*"]), "Effect": "Allow"})]
                )
            },
        },
    )
    # The role's default policy is a child of the role, which the model resource depends on.
    (policy_id,) = template.find_resources("AWS::IAM::Policy")
    (model_resource,) = template.find_resources("AWS::SageMaker::Model").values()
    assert policy_id in model_resource["DependsOn"]


def test_add_to_role_policy_extends_the_execution_policy(stack: cdk.Stack) -> None:
    model = _model(stack)
    model.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["arn:aws:dynamodb:*"]))
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": "arn:aws:dynamodb:*"} in statements


def test_model_arn_and_name_are_attributes_of_the_resource(stack: cdk.Stack) -> None:
    model = _model(stack)
    model_id = stack.get_logical_id(model.cfn_model)
    assert stack.resolve(model.model_arn) == {"Fn::GetAtt": [model_id, "ModelArn"]}
    assert stack.resolve(model.model_name) == {"Fn::GetAtt": [model_id, "ModelName"]}
    assert isinstance(model, ModelBase) and model.network_isolation is False and model.security_groups == ()


def test_import_by_name_keeps_the_name_and_lower_cases_the_arn() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=PINNED)
    imported = Model.from_model_name(stack, "Imported", "Iris-Champion")
    assert isinstance(imported, ModelBase)
    assert imported.model_name == "Iris-Champion"
    assert stack.resolve(imported.model_arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:eu-west-1:123456789012:model/iris-champion"]]
    }
    assert imported.role is None and imported.vpc is None and imported.network_isolation is None
    with pytest.raises(ValidationError, match="model_name: 'not_valid!' is not allowed; expected 1-63 alphanumerics"):
        Model.from_model_name(stack, "Bad", "not_valid!")


def test_import_by_arn_takes_name_and_environment_from_the_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sagemaker:us-east-2:111122223333:model/shared-model"
    imported = Model.from_model_arn(stack, "Imported", arn)
    assert (imported.model_name, imported.model_arn) == ("shared-model", arn)
    assert (imported.env.account, imported.env.region) == ("111122223333", "us-east-2")
    with pytest.raises(ValidationError) as info:
        Model.from_model_arn(stack, "Bad", "arn:aws:sagemaker:us-east-2:111122223333:endpoint/not-a-model")
    assert (
        "model_arn: 'arn:aws:sagemaker:us-east-2:111122223333:endpoint/not-a-model' is not allowed; "
        "expected arn:<partition>:sagemaker:<region>:<account>:model/<name>" in str(info.value)
    )


def test_import_without_a_role_makes_grants_a_warning_not_a_policy(stack: cdk.Stack) -> None:
    imported = Model.from_model_name(stack, "Imported", "existing")
    grant = iam.Grant.add_to_principal(grantee=imported, actions=["s3:GetObject"], resource_arns=["*"])
    assert grant.success  # UnknownPrincipal accepts the statement and warns instead
    imported.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))  # a no-op
    Template.from_stack(stack).resource_count_is("AWS::IAM::Policy", 0)
    Annotations.from_stack(stack).has_warning("/TestStack/Imported", Match.string_like_regexp("role"))


def test_import_with_its_role_grants_to_that_role(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/model-role")
    imported = Model.from_model_attributes(
        stack, "Imported", model_arn="arn:aws:sagemaker:eu-west-1:123456789012:model/existing", role=role
    )
    assert imported.grant_principal is role
    s3.Bucket(stack, "Features").grant_read(imported)
    Template.from_stack(stack).has_resource_properties("AWS::IAM::Policy", {"Roles": ["model-role"]})


def test_imported_models_serve_instance_and_serverless_variants(stack: cdk.Stack) -> None:
    owned = _model(stack)
    imported = Model.from_model_name(stack, "Imported", "existing-model")
    EndpointConfig(
        stack,
        "Config",
        variants=[
            InstanceVariant(name="champion", model=owned, instance_type="ml.m5.large", initial_weight=0.9),
            InstanceVariant(name="challenger", model=imported, instance_type="ml.m5.large", initial_weight=0.1),
        ],
    )
    EndpointConfig(stack, "Serverless", variants=[ServerlessVariant(name="s", model=imported)])
    configs = Template.from_stack(stack).find_resources("AWS::SageMaker::EndpointConfig")
    names = [[v["ModelName"] for v in c["Properties"]["ProductionVariants"]] for c in configs.values()]
    assert names == [
        [{"Fn::GetAtt": [stack.get_logical_id(owned.cfn_model), "ModelName"]}, "existing-model"],
        ["existing-model"],
    ]


def test_imported_model_known_to_be_in_a_vpc_is_refused_by_a_serverless_variant(stack: cdk.Stack) -> None:
    group = ec2.SecurityGroup.from_security_group_id(stack, "Group", "sg-0123456789abcdef0")
    imported = Model.from_model_attributes(
        stack,
        "Imported",
        model_arn="arn:aws:sagemaker:eu-west-1:123456789012:model/in-vpc",
        security_groups=[group],
    )
    assert imported.security_groups == (group,)
    assert [g.security_group_id for g in imported.connections.security_groups] == ["sg-0123456789abcdef0"]
    with pytest.raises(
        ValidationError,
        match=r"variants\[0\] \('s'\).model: runs in a VPC, which serverless variants do not support",
    ):
        EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="s", model=imported)])
