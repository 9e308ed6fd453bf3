"""The example configurations under examples/ (one per inference option) build, and each shows its option.

Every ``examples/*.toml`` is also an ``any_config`` (tests/conftest.py): cdk-nag, checkov, cfn-lint, the
IAM and storage rules run on it. Here: each example loads and synthesises as ``make synth CONFIG=<file>``
would, and the option it demonstrates is in its templates; the configuration errors of batch jobs and of
serverless provisioned-concurrency autoscaling are named by the file's keys.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from aws_cdk.assertions import Match

from app import build_app
from stacks.config import ConfigError, parse
from tests.conftest import EXAMPLES, ROOT, Synthesised, synthesised_example


@pytest.fixture(scope="module", params=[p.name for p in EXAMPLES])
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesised_example(ROOT / "examples" / request.param, tmp_path_factory)


def test_every_example_synthesises_every_environment(example: Synthesised) -> None:
    assert example.config.environments
    for name, env in example.config.environments.items():
        assert (example.assembly_dir / f"{env.stack_name}.template.json").is_file(), name


def test_the_examples_are_there() -> None:
    assert {"async", "batch", "components", "serverless_provisioned"} <= {p.stem for p in EXAMPLES}


def test_each_example_validates_against_the_schema(example: Synthesised) -> None:
    """Editors complete and check an example as they do stacks/environments.toml (its ``#:schema`` line)."""
    schema = json.loads((ROOT / "stacks" / "environments.schema.json").read_text())
    assert example.config.source is not None
    text = example.config.source.read_text()
    assert text.startswith("#:schema ../stacks/environments.schema.json\n")
    jsonschema.validate(tomllib.loads(text), schema)


def _example(name: str, tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    path = ROOT / "examples" / name
    assert path in EXAMPLES, f"examples/{name} is missing"
    return synthesised_example(path, tmp_path_factory)


def test_batch_example_runs_nightly_and_on_new_input(tmp_path_factory: pytest.TempPathFactory) -> None:
    example = _example("batch.toml", tmp_path_factory)
    (template,) = example.templates.values()
    template.resource_count_is("AWS::StepFunctions::StateMachine", 1)
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {"ScheduleExpression": "cron(0 2 * * ? *)", "ScheduleExpressionTimezone": "Europe/Paris"},
    )
    template.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": Match.object_like({"detail-type": ["Object Created"]})}
    )
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert len([a for a in alarms if a.startswith("Batch")]) == 1  # the failure alarm (the rest: monitoring)
    definition = json.dumps(
        next(iter(template.find_resources("AWS::StepFunctions::StateMachine").values()))["Properties"]
    )
    for fragment in (
        "states:::sagemaker:createTransformJob.sync",
        '\\"InstanceType\\":\\"ml.m5.xlarge\\",\\"InstanceCount\\":2',
        '\\"MaxConcurrentTransforms\\":4',
        '\\"JoinSource\\":\\"Input\\"',
        "predictions/{}/",
    ):
        assert fragment in definition, fragment


def test_serverless_provisioned_example_follows_the_day(tmp_path_factory: pytest.TempPathFactory) -> None:
    example = _example("serverless_provisioned.toml", tmp_path_factory)
    (template,) = example.templates.values()
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                Match.object_like({"ServerlessConfig": Match.object_like({"ProvisionedConcurrency": 2})})
            ]
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
            "MinCapacity": 1,
            "MaxCapacity": 20,
            "ScheduledActions": Match.array_with(
                [Match.object_like({"ScheduledActionName": "weekday-morning", "Timezone": "Europe/Paris"})]
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "TargetValue": 0.7,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
                    },
                }
            )
        },
    )


def test_async_example_scales_to_zero_on_its_backlog(tmp_path_factory: pytest.TempPathFactory) -> None:
    example = _example("async.toml", tmp_path_factory)
    (template,) = example.templates.values()
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"AsyncInferenceConfig": Match.object_like({"OutputConfig": Match.any_value()})},
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": 0},
    )
    policies = json.dumps(template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy"))
    assert "ApproximateBacklogSizePerInstance" in policies
    assert "StepScalingPolicyConfiguration" in policies
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "HasBacklogWithoutCapacity", "Namespace": "AWS/SageMaker"}
    )


_BASE = """
[models.m]
artifact = "reference_model/artifact"
image = "sklearn:1.2-1"
[environments.e]
[[environments.e.serverless_variants]]
name = "only"
model = "m"
"""


def _build_problems(text: str, tmp_path: Path) -> list[str]:
    config = parse(tomllib.loads(_BASE + text))
    with pytest.raises(ConfigError) as info:
        build_app(config, outdir=str(tmp_path))
    return list(info.value.problems)


def test_batch_job_transform_choices_are_checked_by_the_file() -> None:
    text = """
[[environments.e.batch_jobs]]
name = "nightly"
model = "m"
transform = { split_type = "Lines", max_payload = 6 }
"""
    with pytest.raises(ConfigError) as info:
        parse(tomllib.loads(_BASE + text))
    assert list(info.value.problems) == [
        "environment 'e': batch_jobs[0].transform.split_type: 'Lines' is not allowed; expected one of None, Line, "
        "RecordIO, TFRecord",
        "environment 'e': batch_jobs[0].transform.max_payload: is not a known key; did you mean 'max_payload_mb'?",
    ]


def test_batch_job_construct_errors_name_the_keys(tmp_path: Path) -> None:
    problems = _build_problems(
        """
[[environments.e.batch_jobs]]
name = "nightly"
model = "m"
instance_type = "ml.t2.medium"
timeout_seconds = 30
input_prefix = "data/"
output_prefix = "data/out/"
transform = { max_payload_mb = 101 }
dynamodb = { partition_key_field = "id", max_concurrency = 0 }
""",
        tmp_path,
    )
    assert problems == [
        "environment 'e': batch_jobs[0].instance_type: 'ml.t2.medium' is not allowed; expected a SageMaker Batch "
        "Transform instance type (TransformInstanceType) such as 'ml.m5.large'",
        "environment 'e': batch_jobs[0].transform.max_payload_mb: 101 is not allowed; must be an integer from 0 to 100",
        "environment 'e': batch_jobs[0].output_prefix: 'data/out/' overlaps input_prefix 'data/'; they must not "
        "contain each other (a job would read its own predictions, and a new-input trigger would loop)",
        "environment 'e': batch_jobs[0].timeout_seconds: 30 seconds is not allowed; must be from 1 minute to 7 days",
        "environment 'e': batch_jobs[0].dynamodb.max_concurrency: 0 is not allowed; must be an integer from 1 to 1000",
    ]


def test_batch_job_model_and_names_are_checked_by_the_file() -> None:
    text = """
[[environments.e.batch_jobs]]
name = "9nightly"
model = "nope"
scheduled = false
schedule = "rate(1 day)"
[[environments.e.batch_jobs]]
name = "9nightly"
model = "m"
"""
    with pytest.raises(ConfigError) as info:
        parse(tomllib.loads(_BASE + text))
    assert list(info.value.problems) == [
        "environment 'e': batch_jobs[0].name: '9nightly' is not allowed; use 1-63 letters, digits and hyphens, "
        "starting with a letter",
        "environment 'e': batch_jobs[0].model: 'nope' is not a model; known models: m",
        "environment 'e': batch_jobs[0].schedule: 'rate(1 day)' is not allowed with scheduled = false",
        "environment 'e': batch_jobs[1].name: '9nightly' is not allowed; use 1-63 letters, digits and hyphens, "
        "starting with a letter",
        "environment 'e': batch_jobs[1].name: '9nightly' is already used by batch_jobs[0]",
    ]


def test_serverless_autoscaling_errors_name_the_keys(tmp_path: Path) -> None:
    problems = _build_problems(
        """
[environments.e.serverless_variants.autoscaling]
min_capacity = 1
max_capacity = 3
target_utilization = 2.0
""",
        tmp_path,
    )
    assert problems == [
        "environment 'e': serverless_variants[0].provisioned_concurrency: the serverless variant 'only' has none; "
        "set it on the variant first (AWS scales only variants deployed with provisioned concurrency)",
        "environment 'e': serverless_variants[0].autoscaling.target_utilization: 2.0 is not allowed; must be a ratio "
        "> 0 and <= 1 (the share of the provisioned concurrency in use, e.g. 0.5)",
    ]
