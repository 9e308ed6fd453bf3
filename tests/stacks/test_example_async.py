"""examples/async.toml: what an environment with ``[environments.<env>.async_inference]`` deploys, and every rule
of the async table and of autoscaling on the backlog, named by environment and key."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from app import build_app
from stacks.config import load, parse
from tests.conftest import ROOT, Synthesised, synthesise
from tests.support.config_problems import build_problems as _build_problems
from tests.support.config_problems import parse_problems as _parse_problems

EXAMPLE = ROOT / "examples" / "async.toml"


@pytest.fixture(scope="module")
def async_example(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(load(EXAMPLE), tmp_path_factory.mktemp("cdk.async.out"))


@pytest.fixture
def raw() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text())


def test_the_example_is_an_async_endpoint_that_scales_to_zero(async_example: Synthesised) -> None:
    env = async_example.config.environments["async"]
    assert env.async_inference is not None
    template: Template = async_example.templates["async"]
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "AsyncInferenceConfig": {
                "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
                "OutputConfig": Match.object_like(
                    {"NotificationConfig": {"SuccessTopic": Match.any_value(), "ErrorTopic": Match.any_value()}}
                ),
            },
            "ProductionVariants": [Match.object_like({"VariantName": "champion", "InstanceType": "ml.m5.large"})],
        },
    )
    template.has_resource_properties(
        "AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 7})]}}
    )
    topics = template.find_resources("AWS::SNS::Topic")
    assert len([t for t in topics if t.startswith("EndpointConfigAsyncInference")]) == 2  # success and error
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 0, "MaxCapacity": 2}
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "TargetValue": 5,
                    "ScaleInCooldown": 600,
                    "CustomizedMetricSpecification": Match.object_like(
                        {"MetricName": "ApproximateBacklogSizePerInstance"}
                    ),
                }
            )
        },
    )
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "HasBacklogWithoutCapacity"})
    variables = template.find_resources("AWS::Lambda::Function")
    (function,) = variables.values()
    env_vars = function["Properties"]["Environment"]["Variables"]
    assert (env_vars["INVOCATION_MODE"], env_vars["ASYNC_INVOCATION_TIMEOUT_SECONDS"]) == ("async", "1800")
    assert env_vars["ASYNC_REQUEST_TTL_SECONDS"] == "21600"
    stack = async_example.stacks["async"]
    assert [(m.http_method, m.resource.path) for m in stack.front_door.methods] == [
        ("POST", "/async-invocations"),
        ("GET", "/async-invocations/{inference_id}"),
        ("GET", "/health"),
    ]


def test_async_settings_left_out_are_the_constructs_defaults(raw: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["async"]["async_inference"] = {}
    stack = build_app(parse(data), outdir=str(tmp_path)).node.find_child("ModelServing-async")
    template = Template.from_stack(stack)  # type: ignore[arg-type]
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"AsyncInferenceConfig": {"OutputConfig": Match.any_value()}}
    )
    template.has_resource_properties(
        "AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 7})]}}
    )
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    env_vars = function["Properties"]["Environment"]["Variables"]
    assert (env_vars["ASYNC_INVOCATION_TIMEOUT_SECONDS"], env_vars["ASYNC_REQUEST_TTL_SECONDS"]) == ("900", "21600")


def test_autoscaling_keys_of_the_other_kind_are_refused(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    autoscaling = data["environments"]["async"]["instance_variants"][0]["autoscaling"]
    autoscaling["target_invocations_per_instance"] = 100
    autoscaling["target_cpu_utilization"] = 50
    data["environments"]["rt"] = copy.deepcopy(data["environments"]["async"])
    del data["environments"]["rt"]["async_inference"]
    del data["environments"]["rt"]["instance_variants"][0]["autoscaling"]["target_invocations_per_instance"]
    del data["environments"]["rt"]["instance_variants"][0]["autoscaling"]["target_cpu_utilization"]
    assert _parse_problems(data) == (
        "environment 'async': instance_variants[0].autoscaling.target_invocations_per_instance: 100 is not allowed "
        "with async_inference: SageMaker publishes no invocation metrics for an asynchronous endpoint; it scales on "
        "target_backlog_per_instance",
        "environment 'async': instance_variants[0].autoscaling.target_cpu_utilization: 50.0 is not allowed with "
        "async_inference: SageMaker publishes no invocation metrics for an asynchronous endpoint; it scales on "
        "target_backlog_per_instance",
        "environment 'rt': instance_variants[0].autoscaling.target_backlog_per_instance: 5.0 is only allowed with "
        "async_inference (the backlog of asynchronous requests)",
    )


def test_the_async_table_is_strict(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["async"]["async_inference"] = {
        "max_concurrency": 2,
        "invocation_timeout_seconds": -1,
        "expiration_days": 1.5,
    }
    assert _parse_problems(data) == (
        "environment 'async': async_inference.invocation_timeout_seconds: -1 is not allowed; expected a duration in "
        "seconds (a number ≥ 0)",
        "environment 'async': async_inference.expiration_days: 1.5 is not allowed; expected a number of days (an "
        "integer ≥ 0)",
        "environment 'async': async_inference.max_concurrency: is not a known key; allowed keys: expiration_days, "
        "invocation_timeout_seconds, max_concurrent_invocations_per_instance, request_ttl_seconds",
    )


def test_construct_rules_are_named_by_the_files_keys(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    env = data["environments"]["async"]
    env["async_inference"] = {
        "max_concurrent_invocations_per_instance": 0,
        "invocation_timeout_seconds": 3601,
        "request_ttl_seconds": 30,
        "expiration_days": 0,
    }
    assert _build_problems(data) == (
        "environment 'async': async_inference.expiration_days: 0 days is not allowed; expected whole days, at least "
        "1 (an S3 lifecycle expiration)",
        "environment 'async': async_inference.max_concurrent_invocations_per_instance: 0 is not allowed; must be an "
        "integer from 1 to 1000",
        "environment 'async': async_inference.invocation_timeout_seconds: 1 hour 1 second is not allowed; must be "
        "whole seconds from 1 s to 3600 s (InvokeEndpointAsync's InvocationTimeoutSeconds)",
        "environment 'async': async_inference.request_ttl_seconds: 30 seconds is not allowed; must be whole seconds "
        "from 60 s to 21600 s (InvokeEndpointAsync's RequestTTLSeconds)",
    )


def test_serverless_variants_direct_integration_and_backlog_ranges_are_refused(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    serverless = copy.deepcopy(data["environments"]["async"])
    del serverless["instance_variants"]
    serverless["serverless_variants"] = [{"name": "champion", "model": "champion"}]
    data["environments"]["serverless"] = serverless
    data["environments"]["async"]["front_door"]["integration"] = "direct"
    for key in ("log_retention_days",):
        data["environments"]["async"]["front_door"].pop(key)
    autoscaling = data["environments"]["async"]["instance_variants"][0]["autoscaling"]
    autoscaling["min_capacity"] = -1
    autoscaling["target_backlog_per_instance"] = 0
    assert _build_problems(data) == (
        "environment 'async': instance_variants[0].autoscaling.min_capacity: -1 is not allowed; must be an integer "
        "from 0 to 1000",
        "environment 'async': instance_variants[0].autoscaling.target_backlog_per_instance: 0.0 is not allowed; must "
        "be a number > 0",
        "environment 'async': front_door.integration: DirectIntegration is not allowed for an asynchronous endpoint; "
        "InvokeEndpointAsync reads the request body from S3, which API Gateway cannot write in the same call: use "
        "LambdaIntegration, whose function stores the body and answers the result routes",
        "environment 'serverless': async_inference: ServerlessVariant 'champion' is not allowed; asynchronous "
        "inference runs on instance variants (it queues requests for their instances and scales their count, down "
        "to zero): use an InstanceVariant",
    )
