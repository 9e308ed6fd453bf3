"""bench/reference_9cff397.toml still describes the stacks of 9cff397, so `bench/synth.py --config` compares like with like.

The benchmark's before/after of the front-door redesign runs 9cff397's app on its own configuration and this
tree's app on that configuration with monitoring off (added later, on by default). The claim is that both then
emit the same resources: the resource types and counts below are those of 9cff397's three templates
(``git worktree add /tmp/9c 9cff397`` and ``python app.py`` there). A change that adds a resource to these
stacks makes the comparison unequal: this test then fails, and the bench configuration or its header must say why.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import ROOT, Synthesised, synthesised_example

_API = {
    "AWS::ApiGateway::Account": 1,
    "AWS::ApiGateway::Deployment": 1,
    "AWS::ApiGateway::GatewayResponse": 18,
    "AWS::ApiGateway::Method": 3,
    "AWS::ApiGateway::RequestValidator": 1,
    "AWS::ApiGateway::Resource": 5,
    "AWS::ApiGateway::RestApi": 1,
    "AWS::ApiGateway::Stage": 1,
    "AWS::Lambda::Function": 1,
    "AWS::Lambda::Permission": 3,
    "AWS::IAM::Policy": 1,
    "AWS::SageMaker::Endpoint": 1,
    "AWS::SageMaker::EndpointConfig": 1,
}
_NETWORK = {
    "AWS::EC2::FlowLog": 1,
    "AWS::EC2::RouteTable": 2,
    "AWS::EC2::SecurityGroup": 3,
    "AWS::EC2::Subnet": 2,
    "AWS::EC2::SubnetRouteTableAssociation": 2,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCEndpoint": 7,
    "AWS::KMS::Key": 3,
    "AWS::Logs::LogGroup": 3,
}
#: Resource types and counts of 9cff397's templates (46, 72 and 78 resources).
AT_9CFF397 = {
    "ModelServing-dev": {
        **_API,
        "AWS::IAM::ManagedPolicy": 1,
        "AWS::IAM::Role": 3,
        "AWS::KMS::Key": 1,
        "AWS::Logs::LogGroup": 2,
        "AWS::SageMaker::Model": 1,
    },
    "ModelServing-staging": {
        **_API,
        **_NETWORK,
        "AWS::ApiGateway::ApiKey": 1,
        "AWS::ApiGateway::UsagePlan": 1,
        "AWS::ApiGateway::UsagePlanKey": 1,
        "AWS::IAM::ManagedPolicy": 2,
        "AWS::IAM::Role": 4,
        "AWS::SageMaker::Model": 1,
    },
    "ModelServing-prod": {
        **_API,
        **_NETWORK,
        "AWS::ApplicationAutoScaling::ScalableTarget": 2,
        "AWS::ApplicationAutoScaling::ScalingPolicy": 2,
        "AWS::IAM::ManagedPolicy": 3,
        "AWS::IAM::Role": 5,
        "AWS::SageMaker::Model": 2,
        "AWS::WAFv2::WebACL": 1,
        "AWS::WAFv2::WebACLAssociation": 1,
    },
}


@pytest.fixture(scope="module")
def reference_9cff397(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesised_example(ROOT / "bench" / "reference_9cff397.toml", tmp_path_factory)


def test_the_bench_configuration_gives_the_resources_of_9cff397(reference_9cff397: Synthesised) -> None:
    assert sum(sum(counts.values()) for counts in AT_9CFF397.values()) == 196
    stacks = {env.stack_name for env in reference_9cff397.config.environments.values()}
    assert stacks == set(AT_9CFF397)
    for name, template in reference_9cff397.templates.items():
        stack_name = reference_9cff397.config.environments[name].stack_name
        types = Counter(r["Type"] for r in template.to_json()["Resources"].values())
        assert dict(types) == AT_9CFF397[stack_name], stack_name


def test_the_bench_configuration_turns_off_only_what_came_later(reference_9cff397: Synthesised) -> None:
    for env in reference_9cff397.config.environments.values():
        assert not env.monitoring.enabled, env.name
