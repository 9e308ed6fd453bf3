"""The network of every environment: nothing open to the internet, models isolated and in the VPC as
configured, with its endpoints and flow logs; and the reference environments' choices."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from stacks.config import AppConfig
from tests.conftest import Synthesised


def test_no_security_group_accepts_traffic_from_anywhere(any_config: Synthesised) -> None:
    for env, template in any_config.templates.items():
        for logical_id, resource in template.to_json()["Resources"].items():
            rules = []
            if resource["Type"] == "AWS::EC2::SecurityGroup":
                rules = resource["Properties"].get("SecurityGroupIngress", [])
            elif resource["Type"] == "AWS::EC2::SecurityGroupIngress":
                rules = [resource["Properties"]]
            for rule in rules:
                assert rule.get("CidrIp") != "0.0.0.0/0" and rule.get("CidrIpv6") != "::/0", (env, logical_id)


def test_no_route_to_the_internet_in_any_environment(any_config: Synthesised) -> None:
    for template in any_config.templates.values():
        for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway"):
            template.resource_count_is(kind, 0)


def test_network_as_configured(any_config: Synthesised) -> None:
    """Every model isolated as configured (on by default with instance variants); with ``network.vpc``
    every model and the front-door function in the VPC's subnets, with the VPC endpoints and flow logs."""
    models_config = any_config.config.models
    for name, env in any_config.config.environments.items():
        template = any_config.templates[name]
        resources = template.to_json()["Resources"]
        used = set(env.model_keys)
        isolated = [models_config[m].network_isolation or env.network.network_isolation for m in used]
        models = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::Model"]
        assert sorted(m.get("EnableNetworkIsolation", False) for m in models) == sorted(isolated), name
        if not env.network.vpc:
            assert all("VpcConfig" not in m for m in models), name
            template.resource_count_is("AWS::EC2::VPC", 0)
            continue
        (vpc_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::EC2::VPC"]
        subnets = {k for k, r in resources.items() if r["Type"] == "AWS::EC2::Subnet"}
        for model in models:
            assert {s["Ref"] for s in model["VpcConfig"]["Subnets"]} == subnets, name
            assert len(model["VpcConfig"]["SecurityGroupIds"]) == 1, name
        endpoints = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
        assert all(e["VpcId"] == {"Ref": vpc_id} for e in endpoints)
        services = sorted(json.dumps(e["ServiceName"]) for e in endpoints)
        for suffix in (".s3", ".ecr.api", ".ecr.dkr", ".logs", ".sagemaker.runtime", ".sagemaker.api", ".xray"):
            assert any(suffix + '"' in s for s in services), (name, suffix, services)
        template.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"})
        functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
        for function in functions:  # the front door runs in the models' subnets
            assert {s["Ref"] for s in function["VpcConfig"]["SubnetIds"]} == subnets, name


def test_reference_network_configuration(reference_config: AppConfig, reference_templates: dict[str, Template]) -> None:
    """dev: serverless, no VPC; staging and prod: every model in the VPC, network-isolated, and so is the function."""
    environments = reference_config.environments
    assert {n: (e.network.vpc, e.network.network_isolation) for n, e in environments.items()} == {
        "dev": (False, False),
        "staging": (True, True),
        "prod": (True, True),
    }
    for name in ("staging", "prod"):
        models = reference_templates[name].find_resources("AWS::SageMaker::Model").values()
        assert models and all(m["Properties"]["EnableNetworkIsolation"] is True for m in models)
        (function,) = reference_templates[name].find_resources("AWS::Lambda::Function").values()
        assert function["Properties"]["VpcConfig"]["SubnetIds"]
