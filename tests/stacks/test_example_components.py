"""examples/components.toml: three models on one instance pool, one scaled to zero, synthesised as the app does.

Like every ``examples/*.toml`` it is an ``any_config`` (tests/conftest.py: cdk-nag, checkov, cfn-lint, IAM,
encryption and network checks) and tests/stacks/test_examples.py synthesises it and checks it against the
schema; the synthesis is shared (``synthesised_example``). Here: what the example promises, in the template.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.conftest import ROOT, Synthesised, synthesised_example

EXAMPLE = ROOT / "examples" / "components.toml"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesised_example(EXAMPLE, tmp_path_factory)


@pytest.fixture(scope="module")
def template(example: Synthesised) -> Template:
    return example.templates["shared"]


def _by_name(template: Template) -> dict[str, dict[str, Any]]:
    """The inference components by the name callers use (the last part of the physical name's path)."""
    found = {}
    for component in template.find_resources("AWS::SageMaker::InferenceComponent").values():
        physical = component["Properties"]["InferenceComponentName"]
        found[physical.split("-Component")[1].rsplit("-", 1)[0].lower()] = component["Properties"]
    return found


def test_three_models_share_one_pool_with_no_model_of_its_own(template: Template) -> None:
    template.resource_count_is("AWS::SageMaker::Model", 3)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    properties = config["Properties"]
    role_id, attribute = properties["ExecutionRoleArn"]["Fn::GetAtt"]
    assert attribute == "Arn" and role_id in template.find_resources("AWS::IAM::Role")
    assert properties["ProductionVariants"] == [
        {
            "VariantName": "pool",
            "InstanceType": "ml.m5.xlarge",
            "InitialInstanceCount": 1,
            "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
            "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
        }
    ]
    models = template.find_resources("AWS::SageMaker::Model")
    components = _by_name(template)
    assert set(components) == {"fraud", "churn", "reports"}
    assert {c["Specification"]["ModelName"]["Fn::GetAtt"][0] for c in components.values()} == set(models)
    assert all(m["Properties"]["EnableNetworkIsolation"] is True for m in models.values())


def test_each_component_reserves_what_the_file_says(template: Template) -> None:
    components = _by_name(template)
    assert components["fraud"]["Specification"]["ComputeResourceRequirements"] == {
        "NumberOfCpuCoresRequired": 1,
        "MinMemoryRequiredInMb": 2048,
        "MaxMemoryRequiredInMb": 4096,
    }
    assert components["reports"]["Specification"]["ComputeResourceRequirements"] == {
        "NumberOfCpuCoresRequired": 0.5,
        "MinMemoryRequiredInMb": 1024,
    }
    assert {name: c["RuntimeConfig"] for name, c in components.items()} == {
        name: {"CopyCount": 1} for name in components
    }
    assert components["fraud"]["DeploymentConfig"] == {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 300,
        }
    }


def test_only_reports_scales_to_zero_and_only_it_has_the_wake_alarm(template: Template) -> None:
    components = _by_name(template)
    targets = {
        t["Properties"]["ResourceId"].removeprefix("inference-component/"): t["Properties"]
        for t in template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    }
    ranges = {
        name: (targets[c["InferenceComponentName"]]["MinCapacity"], targets[c["InferenceComponentName"]]["MaxCapacity"])
        for name, c in components.items()
    }
    assert ranges == {"fraud": (1, 3), "churn": (1, 2), "reports": (0, 2)}
    alarms = template.find_resources("AWS::CloudWatch::Alarm").values()
    (alarm,) = [a for a in alarms if a["Properties"].get("MetricName") == "NoCapacityInvocationFailures"]
    assert alarm["Properties"]["Dimensions"] == [
        {"Name": "InferenceComponentName", "Value": components["reports"]["InferenceComponentName"]}
    ]
    policies = template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    step = [k for k, p in policies.items() if p["Properties"]["PolicyType"] == "StepScaling"]
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": step[0]}] and len(step) == 1
    assert len(policies) == 4  # target tracking for each of the three, the wake step policy for reports


def test_the_front_door_routes_by_model_name(template: Template) -> None:
    components = _by_name(template)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["INFERENCE_COMPONENTS"] == ",".join(
        f"{name}={components[name]['InferenceComponentName']}" for name in ("fraud", "churn", "reports")
    )
    paths = {r["Properties"]["PathPart"] for r in template.find_resources("AWS::ApiGateway::Resource").values()}
    assert {"models", "{component}", "invocations"} <= paths
