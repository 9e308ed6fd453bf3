"""ServingNetwork, and a Model in a VPC with network isolation."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    ContainerImage,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ServingNetwork,
    ValidationError,
)

S3_URL = "s3://my-models/iris/model.tar.gz"


def _of_type(template: Template, kind: str) -> dict[str, Any]:
    return template.find_resources(kind)  # type: ignore[no-any-return]


def test_network_is_isolated_with_endpoints_and_flow_logs(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::Subnet", 2)
    for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::Route"):
        template.resource_count_is(kind, 0)
    template.has_resource_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False})
    assert len(network.subnet_ids) == 2

    endpoints = list(_of_type(template, "AWS::EC2::VPCEndpoint").values())
    by_type: dict[str, list[str]] = {}
    for e in endpoints:
        by_type.setdefault(e["Properties"]["VpcEndpointType"], []).append(json.dumps(e["Properties"]["ServiceName"]))
    assert len(by_type["Gateway"]) == 1 and '.s3"' in by_type["Gateway"][0]
    assert sorted(s.rsplit(".", 2)[-2:][-1].strip('"]}') for s in by_type["Interface"]) == sorted(
        ["api", "api", "dkr", "logs", "runtime", "xray"]
    )
    assert set(network.interface_endpoints) == {
        "ecr.api",
        "ecr.dkr",
        "logs",
        "sagemaker.runtime",
        "sagemaker.api",
        "xray",
    }
    endpoint_sg = stack.get_logical_id(network.endpoint_security_group.node.default_child)  # type: ignore[arg-type]
    for e in endpoints:
        if e["Properties"]["VpcEndpointType"] == "Interface":
            assert e["Properties"]["PrivateDnsEnabled"] is True
            assert e["Properties"]["SecurityGroupIds"] == [{"Fn::GetAtt": [endpoint_sg, "GroupId"]}]

    # Endpoints accept HTTPS from the VPC's block only; the model group has no inbound rule.
    groups = _of_type(template, "AWS::EC2::SecurityGroup")
    assert groups[endpoint_sg]["Properties"]["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.0.0.0/16",
            "Description": "HTTPS from resources in this VPC",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    model_sg = groups[stack.get_logical_id(network.model_security_group.node.default_child)]  # type: ignore[arg-type]
    assert "SecurityGroupIngress" not in model_sg["Properties"]
    assert [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in model_sg["Properties"]["SecurityGroupEgress"]] == [
        ("0.0.0.0/0", 443, 443)
    ]

    key_id = stack.get_logical_id(network.flow_log_key.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    # The flow-log role gets a managed policy limited to its log group (no inline policy).
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "vpc-flow-logs.amazonaws.com"
    }
    assert "Policies" not in role["Properties"]
    log_group_id = stack.get_logical_id(network.flow_log_group.node.default_child)  # type: ignore[arg-type]
    (policy,) = _of_type(template, "AWS::IAM::ManagedPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}


def test_network_options_and_client_security_group(stack: cdk.Stack) -> None:
    network = ServingNetwork(
        stack,
        "Network",
        max_azs=1,
        cidr="10.8.0.0/20",
        interface_endpoints=[
            ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
            ec2.InterfaceVpcEndpointAwsService.STS,
        ],
    )
    group = network.add_client_security_group("FrontDoor", description="Front-door Lambda")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.8.0.0/20"})
    template.resource_count_is("AWS::EC2::Subnet", 1)
    assert set(network.interface_endpoints) == {"sagemaker.runtime", "sts"}
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": "Front-door Lambda", "SecurityGroupIngress": Match.absent()},
    )
    assert group.node.scope is network


def test_bad_network_props_are_all_reported(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError) as info:
        ServingNetwork(stack, "Network", max_azs=0, cidr="10.0.0.0/8")
    message = str(info.value)
    assert "Invalid network props: 2 problem(s)" in message
    assert "max_azs: 0 is not allowed; must be an integer from 1 to 6" in message
    assert "cidr: '10.0.0.0/8' is not allowed; the prefix must be /16 to /22" in message
    with pytest.raises(ValidationError, match="cidr: 'ten' is not allowed; expected an IPv4 block"):
        ServingNetwork(stack, "Other", cidr="ten")


def test_model_in_a_vpc_with_network_isolation(stack: cdk.Stack) -> None:
    network = ServingNetwork(stack, "Network")
    model = Model(
        stack,
        "Model",
        image=ContainerImage.sklearn(),
        model_data=ModelData.from_s3_url(S3_URL),
        network_isolation=True,
        vpc=network.vpc,
        vpc_subnets=network.subnet_selection,
        security_groups=[network.model_security_group],
    )
    assert model.vpc is network.vpc and model.network_isolation
    assert model.connections.security_groups == [network.model_security_group]
    template = Template.from_stack(stack)
    sg_id = stack.get_logical_id(network.model_security_group.node.default_child)  # type: ignore[arg-type]
    subnets = sorted(_of_type(template, "AWS::EC2::Subnet"))
    (cfn_model,) = _of_type(template, "AWS::SageMaker::Model").values()
    assert cfn_model["Properties"]["EnableNetworkIsolation"] is True
    assert cfn_model["Properties"]["VpcConfig"] == {
        "SecurityGroupIds": [{"Fn::GetAtt": [sg_id, "GroupId"]}],
        "Subnets": [{"Ref": s} for s in subnets],
    }

    policy_id = stack.get_logical_id(model.policy.node.default_child)  # type: ignore[arg-type]
    statements = _of_type(template, "AWS::IAM::ManagedPolicy")[policy_id]["Properties"]["PolicyDocument"]["Statement"]
    by_action = {json.dumps(s["Action"]): s for s in statements}
    describe = next(s for s in statements if "ec2:DescribeVpcs" in s["Action"])
    assert describe["Resource"] == "*" and all(a.startswith("ec2:Describe") for a in describe["Action"])
    create = by_action['"ec2:CreateNetworkInterface"']
    rendered = json.dumps(create["Resource"])
    assert ":network-interface/*" in rendered
    assert all(s in rendered for s in subnets) and sg_id in rendered  # only this model's subnets and group
    eni = next(s for k, s in by_action.items() if "ec2:DeleteNetworkInterface" in k)
    assert list(eni["Condition"]) == ["ArnEquals"] and "ec2:Vpc" in eni["Condition"]["ArnEquals"]
    assert "*" not in json.dumps(eni["Resource"]).replace("network-interface/*", "")


def test_model_in_a_vpc_gets_its_own_https_only_group_by_default(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    model = Model(stack, "Model", image=ContainerImage.sklearn(), vpc=vpc)
    assert len(model.connections.security_groups) == 1
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "SageMaker model containers: outbound HTTPS only",
            "SecurityGroupEgress": [Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443})],
            "SecurityGroupIngress": Match.absent(),
        },
    )


def test_model_vpc_props_are_validated(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc(stack, "Vpc", nat_gateways=0, max_azs=2)
    groups = [ec2.SecurityGroup(stack, f"G{i}", vpc=vpc) for i in range(6)]
    with pytest.raises(ValidationError) as info:
        Model(
            stack,
            "NoVpc",
            image=ContainerImage.sklearn(),
            security_groups=groups[:1],
            vpc_subnets=ec2.SubnetSelection(),
        )
    message = str(info.value)
    assert "vpc_subnets: given without vpc, which is not allowed; pass vpc too" in message
    assert "security_groups: given without vpc" in message
    with pytest.raises(ValidationError, match="security_groups: 6 given is not allowed; expected 1 to 5"):
        Model(stack, "TooMany", image=ContainerImage.sklearn(), vpc=vpc, security_groups=groups)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"network_isolation": True}, "has network isolation, which serverless variants do not support"),
        ({"in_vpc": True}, "runs in a VPC, which serverless variants do not support"),
    ],
)
def test_serverless_variants_refuse_vpc_and_isolation(stack: cdk.Stack, kwargs: dict[str, bool], message: str) -> None:
    extra: dict[str, Any] = {"network_isolation": kwargs.get("network_isolation", False)}
    if kwargs.get("in_vpc"):
        extra["vpc"] = ServingNetwork(stack, "Network").vpc
    model = Model(stack, "Model", image=ContainerImage.sklearn(), **extra)
    with pytest.raises(ValidationError, match=message):
        EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="a", model=model)])
    EndpointConfig(stack, "Instances", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")])


def test_network_passes_the_nag_packs_on_its_own(stack: cdk.Stack) -> None:
    from app import nag_packs

    ServingNetwork(stack, "Network")
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for pack in nag_packs()
        for v in pack.validate_scope(stack).violations
        for r in v.violating_resources
    ]
    assert findings == []
