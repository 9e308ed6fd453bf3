"""Templates into environments: what the plan reads, and from where."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagemaker_serving.plan.assembly import environment_from_template, read_assembly
from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.model import Rollout
from tests.plan.builders import (
    autoscaling,
    endpoint,
    front_door,
    instance_variant,
    interface_endpoints,
    schedule,
    serverless_variant,
    template,
    usage_plan,
    web_acl,
    write_assembly,
)


def test_variants_autoscaling_and_schedules_are_linked_through_cdk_intrinsics() -> None:
    floor = schedule("up", "cron(0 7 ? * MON-FRI *)", min_capacity=4, time_zone="Europe/London")
    env = environment_from_template(
        template(
            endpoint(
                [
                    instance_variant("champion", count=2, weight=0.9),
                    instance_variant("challenger", "ml.c5.xlarge", 1, 0.1),
                ]
            ),
            autoscaling("champion", 2, 8, target=200, schedules=[floor]),
        ),
        stack="S",
        name="prod",
        region=None,
    )
    (ep,) = env.endpoints
    champion, challenger = ep.variants
    assert (champion.name, champion.instance_type, champion.initial_count, champion.weight) == (
        "champion",
        "ml.m5.large",
        2,
        0.9,
    )
    assert champion.autoscaling is not None
    assert (champion.floor, champion.ceiling, champion.autoscaling.target_invocations) == (2, 8, 200)
    (action,) = champion.autoscaling.schedules
    assert (action.schedule, action.time_zone, action.min_capacity, action.max_capacity) == (
        "cron(0 7 ? * MON-FRI *)",
        "Europe/London",
        4,
        None,
    )
    assert challenger.autoscaling is None and (challenger.floor, challenger.ceiling) == (1, 1)
    assert ep.inference_option == "real-time"


def test_serverless_async_and_inference_components() -> None:
    serverless = environment_from_template(
        template(endpoint([serverless_variant("s", 3072, 20, provisioned=4)])), stack="S", name="dev", region=None
    )
    (variant,) = serverless.endpoints[0].variants
    assert variant.serverless is not None
    assert (
        variant.serverless.memory_mb,
        variant.serverless.max_concurrency,
        variant.serverless.provisioned_concurrency,
    ) == (3072, 20, 4)
    assert serverless.endpoints[0].inference_option == "serverless"

    asynchronous = environment_from_template(
        template(endpoint([instance_variant("a")], AsyncInferenceConfig={"OutputConfig": {}})),
        stack="S",
        name="x",
        region=None,
    )
    assert asynchronous.endpoints[0].inference_option == "asynchronous"

    managed = instance_variant("shared", "ml.g5.2xlarge", 1)
    managed["ManagedInstanceScaling"] = {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 3}
    component = {
        "Type": "AWS::SageMaker::InferenceComponent",
        "Properties": {
            "EndpointName": {"Fn::GetAtt": ["Endpoint", "EndpointName"]},
            "VariantName": "shared",
            "Specification": {
                "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}
            },
            "RuntimeConfig": {"CopyCount": 2},
        },
    }
    env = environment_from_template(template(endpoint([managed]), {"Llm": component}), stack="S", name="x", region=None)
    (ep,) = env.endpoints
    assert ep.inference_option == "real-time, inference components"
    (c,) = ep.components
    assert (c.name, c.variant_name, c.copies, c.accelerators, c.memory_mb) == ("Llm", "shared", 2, 1, 1024)
    assert (ep.variants[0].floor, ep.variants[0].ceiling) == (1, 3)


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                        "WaitIntervalInSeconds": 600,
                    },
                    "TerminationWaitInSeconds": 300,
                }
            },
            Rollout(
                "blue/green",
                "CANARY",
                wait_seconds=600,
                steps=2,
                termination_wait_seconds=300,
                step_size="INSTANCE_COUNT 1",
            ),
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                        "WaitIntervalInSeconds": 60,
                    }
                }
            },
            # 25% of a fleet of 4 is 1 instance a step: 4 steps
            Rollout("blue/green", "LINEAR", wait_seconds=60, steps=4, step_size="CAPACITY_PERCENT 25"),
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                    "WaitIntervalInSeconds": 120,
                }
            },
            Rollout("rolling", "BATCHES", wait_seconds=120, steps=2, batch_instances=2),
        ),
    ],
)
def test_rollout_from_deployment_config(deployment: dict[str, object], expected: Rollout) -> None:
    env = environment_from_template(
        template(endpoint([instance_variant("a", count=4)], deployment=deployment)), stack="S", name="x", region=None
    )
    assert env.endpoints[0].rollout == expected


def test_front_door_usage_plan_waf_and_network() -> None:
    env = environment_from_template(
        template(
            endpoint([instance_variant("a")]),
            front_door(rate=50, burst=100, memory_mb=256, api_key=True),
            usage_plan(20, 40, keys=3),
            web_acl(2000),
            interface_endpoints(6, azs=2),
            {"Key": {"Type": "AWS::KMS::Key"}, "Pool": {"Type": "AWS::Cognito::UserPool"}},
        ),
        stack="S",
        name="x",
        region=None,
    )
    door = env.front_door
    assert door is not None
    assert (door.endpoint_type, door.auth, door.api_key_required, door.integration) == (
        "REGIONAL",
        ("AWS_IAM",),
        True,
        "lambda",
    )
    assert (door.stage_rate_limit, door.stage_burst_limit, door.access_logs) == (50, 100, True)
    assert door.function is not None and (door.function.memory_mb, door.function.architecture) == (256, "arm64")
    (plan,) = door.usage_plans
    assert (plan.rate_limit, plan.burst_limit, plan.quota, plan.keys) == (20, 40, "50000 per day", 3)
    assert door.waf is not None and door.waf.rules == 2
    (rule,) = door.waf.rate_rules
    assert (rule.limit, rule.window_seconds, rule.aggregate) == (2000, 300, "IP")  # 300 s when left out
    assert door.waf.managed_groups == ("AWSManagedRulesCommonRuleSet",)
    assert (
        env.network.vpcs,
        env.network.interface_endpoints,
        env.network.interface_endpoint_azs,
        env.network.gateway_endpoints,
    ) == (
        1,
        6,
        (2,) * 6,
        1,
    )
    assert env.kms_keys == 1
    assert env.unpriced == ("Cognito user pool (priced per monthly active user)",)


def test_assembly_environments_regions_and_selection(tmp_path: Path) -> None:
    instance = template(endpoint([instance_variant("a")]))
    no_endpoint = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}
    assembly = write_assembly(
        tmp_path / "out", {"dev": instance, "prod": instance, "shared": no_endpoint}, region="eu-west-1"
    )

    environments = read_assembly(assembly)
    assert [(e.name, e.stack, e.region) for e in environments] == [
        ("dev", "Serving-dev", "eu-west-1"),
        ("prod", "Serving-prod", "eu-west-1"),
    ]
    assert [e.name for e in read_assembly(assembly, only="prod")] == ["prod"]
    assert [e.name for e in read_assembly(assembly, only="Serving-dev")] == ["dev"]
    with pytest.raises(PlanError, match=r"no environment 'qa'; it has dev, prod"):
        read_assembly(assembly, only="qa")


def test_no_assembly_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"not a cloud assembly \(no manifest.json\); run `cdk synth`"):
        read_assembly(tmp_path)
