"""ServingMonitoring: alarms per variant kind and front door, fixed names, rollback alarms, topic, dashboard."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    AlarmThresholds,
    ContainerImage,
    DirectIntegration,
    Endpoint,
    EndpointConfig,
    FrontDoor,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ServingMonitoring,
    ValidationError,
)
from sagemaker_serving.monitoring.alarms import vcpus


def _endpoint(stack: cdk.Stack, *, serverless: bool = False) -> Endpoint:
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    variants = (
        [ServerlessVariant(name="s", model=model, max_concurrency=8)]
        if serverless
        else [
            InstanceVariant(name="champion", model=model, instance_type="ml.m5.xlarge", initial_instance_count=2),
            InstanceVariant(name="challenger", model=model, instance_type="ml.m5.large"),
        ]
    )
    return Endpoint(stack, "Endpoint", endpoint_config=EndpointConfig(stack, "Config", variants=variants))


def _alarms(stack: cdk.Stack) -> dict[str, dict]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    }


INSTANCE_ALARMS = [
    "CPUUtilization",
    "DiskUtilization",
    "Invocation4XXErrorRate",
    "Invocation5XXErrors",
    "MemoryUtilization",
    "ModelLatencyP99",
    "OverheadLatencyP99",
]


def test_instance_variants_and_lambda_front_door_alarms_with_fixed_names(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    monitoring = ServingMonitoring(stack, "Monitoring", endpoint=endpoint, front_door=front_door)
    expected = {f"{v}/{a}" for v in ("champion", "challenger") for a in INSTANCE_ALARMS} | {
        f"front-door/{a}"
        for a in ("5XXErrorRate", "LatencyP99", "FunctionErrors", "FunctionThrottles", "FunctionDuration")
    }
    assert set(monitoring.alarms) == expected
    alarms = _alarms(stack)
    assert set(alarms) == {f"TestStack-{k.replace('/', '-')}" for k in expected}
    endpoint_name = {"Fn::GetAtt": [stack.get_logical_id(endpoint.cfn_endpoint), "EndpointName"]}
    topic = {"Ref": stack.get_logical_id(monitoring.topic.node.default_child)}  # type: ignore[union-attr]
    five_xx = alarms["TestStack-champion-Invocation5XXErrors"]
    assert five_xx == {
        **five_xx,
        "Namespace": "AWS/SageMaker",
        "MetricName": "Invocation5XXErrors",
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint_name}, {"Name": "VariantName", "Value": "champion"}],
        "Statistic": "Sum",
        "Period": 60,
        "Threshold": 5,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    latency = alarms["TestStack-champion-ModelLatencyP99"]
    assert (latency["ExtendedStatistic"], latency["Threshold"], latency["EvaluationPeriods"]) == ("p99", 1_000_000, 5)
    assert alarms["TestStack-champion-OverheadLatencyP99"]["Threshold"] == 100_000
    # CPUUtilization is summed over vCPUs: 80% of ml.m5.xlarge's 4 vCPUs, of ml.m5.large's 2.
    assert alarms["TestStack-champion-CPUUtilization"]["Threshold"] == 320
    assert alarms["TestStack-challenger-CPUUtilization"]["Threshold"] == 160
    for name in ("CPUUtilization", "MemoryUtilization", "DiskUtilization"):
        assert alarms[f"TestStack-champion-{name}"]["Namespace"] == "/aws/sagemaker/Endpoints"
    assert alarms["TestStack-champion-DiskUtilization"]["Threshold"] == 75
    rate = alarms["TestStack-champion-Invocation4XXErrorRate"]
    assert rate["Threshold"] == 5 and [m["Id"] for m in rate["Metrics"]] == ["expr_1", "errors", "invocations"]
    assert rate["Metrics"][0]["Expression"] == "100 * errors / invocations"
    fd = alarms["TestStack-front-door-5XXErrorRate"]
    assert (fd["Namespace"], fd["MetricName"], fd["Statistic"], fd["Threshold"]) == (
        "AWS/ApiGateway",
        "5XXError",
        "Average",
        0.01,
    )
    duration = alarms["TestStack-front-door-FunctionDuration"]
    assert (duration["MetricName"], duration["ExtendedStatistic"], duration["Threshold"]) == ("Duration", "p99", 23_200)
    assert alarms["TestStack-front-door-FunctionThrottles"]["Threshold"] == 1


def test_rollback_alarms_are_plain_names_and_the_endpoint_can_name_them_without_a_cycle(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    monitoring = ServingMonitoring(stack, "Monitoring", endpoint=endpoint, alarm_name_prefix="fraud-prod")
    names = [a.alarm_name for a in monitoring.rollback_alarms]
    assert names == [
        "fraud-prod-champion-Invocation5XXErrors",
        "fraud-prod-champion-ModelLatencyP99",
        "fraud-prod-challenger-Invocation5XXErrors",
        "fraud-prod-challenger-ModelLatencyP99",
    ]
    assert [a.alarm_name for a in monitoring.rollback_alarms_of("challenger")] == names[2:]
    assert monitoring.alarms["champion/Invocation5XXErrors"].alarm_name == names[0]
    assert not any(cdk.Token.is_unresolved(n) for n in names)
    arn = stack.resolve(monitoring.rollback_alarms[0].fixed_arn)
    assert "Fn::GetAtt" not in json.dumps(arn) and "alarm:fraud-prod-champion-Invocation5XXErrors" in json.dumps(arn)
    with pytest.raises(KeyError, match="no variant 'nope'"):
        monitoring.rollback_alarms_of("nope")
    # What the guardrails do: the endpoint names the alarms. The template must still synthesise (no cycle).
    endpoint.cfn_endpoint.deployment_config = {  # type: ignore[assignment]
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": n} for n in names]}
    }
    resources = Template.from_stack(stack).to_json()["Resources"]
    endpoint_resource = resources[stack.get_logical_id(endpoint.cfn_endpoint)]
    assert "DependsOn" not in endpoint_resource
    assert "Ref" not in json.dumps(endpoint_resource["Properties"]["DeploymentConfig"])


def test_serverless_variant_alarms(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, serverless=True)
    monitoring = ServingMonitoring(stack, "Monitoring", endpoint=endpoint)
    assert set(monitoring.alarms) == {
        f"s/{a}"
        for a in (
            "Invocation5XXErrors",
            "Invocation4XXErrorRate",
            "ModelLatencyP99",
            "OverheadLatencyP99",
            "ModelSetupTime",
            "ConcurrencyUtilization",
            "MemoryUtilization",
        )
    }
    alarms = _alarms(stack)
    assert alarms["TestStack-s-OverheadLatencyP99"]["Threshold"] == 10_000_000  # cold starts included
    setup = alarms["TestStack-s-ModelSetupTime"]
    assert (setup["MetricName"], setup["Statistic"], setup["Threshold"]) == ("ModelSetupTime", "Maximum", 9_000_000)
    concurrency = alarms["TestStack-s-ConcurrencyUtilization"]
    assert (concurrency["MetricName"], concurrency["Threshold"]) == ("ServerlessConcurrentExecutionsUtilization", 0.9)


def test_thresholds_are_taken_from_the_props(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint, integration=DirectIntegration())
    thresholds = AlarmThresholds(
        server_errors_per_minute=1,
        model_latency_p99_ms=250,
        cpu_utilization_percent=50,
        front_door_latency_p99_ms=500,
    )
    monitoring = ServingMonitoring(stack, "Monitoring", endpoint=endpoint, front_door=front_door, thresholds=thresholds)
    assert {k for k in monitoring.alarms if k.startswith("front-door/")} == {
        "front-door/5XXErrorRate",
        "front-door/LatencyP99",
    }
    alarms = _alarms(stack)
    assert alarms["TestStack-champion-Invocation5XXErrors"]["Threshold"] == 1
    assert alarms["TestStack-champion-ModelLatencyP99"]["Threshold"] == 250_000
    assert alarms["TestStack-champion-CPUUtilization"]["Threshold"] == 200
    assert alarms["TestStack-front-door-LatencyP99"]["Threshold"] == 500


def test_topic_is_encrypted_tls_only_with_a_key_cloudwatch_may_use_and_subscriptions(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    monitoring = ServingMonitoring(
        stack,
        "Monitoring",
        endpoint=endpoint,
        subscriptions=[
            subscriptions.EmailSubscription("ops@example.com"),
            subscriptions.UrlSubscription("https://hooks.example.com/alarms"),
        ],
    )
    assert monitoring.topic_key is not None
    key = stack.get_logical_id(monitoring.topic_key.node.default_child)  # type: ignore[arg-type]
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}})
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Resource": "*",
                        }
                    ]
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
                ]
            }
        },
    )
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "https", "Endpoint": "https://hooks.example.com/alarms"}
    )


def test_existing_topic_and_no_dashboard(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    topic = sns.Topic.from_topic_arn(stack, "Ops", "arn:aws:sns:eu-west-1:111122223333:ops")
    monitoring = ServingMonitoring(stack, "Monitoring", endpoint=endpoint, topic=topic, dashboard=False)
    assert monitoring.topic_key is None and monitoring.dashboard is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert all(a["AlarmActions"] == ["arn:aws:sns:eu-west-1:111122223333:ops"] for a in _alarms(stack).values())


def test_dashboard_shows_traffic_latency_instances_against_autoscaling_limits_and_front_door(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    scaling = endpoint.autoscale("champion", min_capacity=2, max_capacity=6)
    front_door = FrontDoor(stack, "FrontDoor", endpoint=endpoint)
    monitoring = ServingMonitoring(
        stack, "Monitoring", endpoint=endpoint, front_door=front_door, autoscaling=[scaling], dashboard_name="ops-prod"
    )
    assert monitoring.dashboard is not None
    (dashboard,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "ops-prod"
    body = json.dumps(stack.resolve(dashboard["Properties"]["DashboardBody"]))
    for title in (
        "Alarms",
        "champion: requests and errors",
        "champion: latency",
        "champion: instances (autoscaling 2-6)",
        "challenger: instances (fixed count 1-1)",
        "Front door: requests and errors",
        "Front door: latency (ms)",
        "Front door: function",
    ):
        assert title in body, title
    assert "invocations / perinstance" in body
    assert '\\"label\\":\\"max 6\\"' in body or "max 6" in body


def test_every_rule_is_reported_at_once() -> None:
    stack = cdk.Stack(cdk.App(), "TestStack")
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    config = EndpointConfig(
        stack, "Config", variants=[InstanceVariant(name="front-door", model=model, instance_type="ml.m5.large")]
    )
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    thresholds = AlarmThresholds(server_errors_per_minute=0, client_error_rate_percent=150, model_latency_p99_ms=-1)
    with pytest.raises(ValidationError) as info:
        ServingMonitoring(
            stack,
            "Monitoring",
            endpoint=endpoint,
            thresholds=thresholds,
            alarm_name_prefix="bad prefix!",
            dashboard_name="a b",
        )
    assert info.value.problems == (
        "thresholds.server_errors_per_minute: 0 is not allowed; must be an integer >= 1",
        "thresholds.client_error_rate_percent: 150 is not allowed; must be a percentage from 0 (excluded) to 100",
        "thresholds.model_latency_p99_ms: -1 is not allowed; must be a number > 0",
        "alarm_name_prefix: 'bad prefix!' is not allowed; expected 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit",
        "dashboard_name: 'a b' is not allowed; expected 1-255 letters, digits, '-' or '_'",
        "endpoint: a variant named 'front-door' would share the front door's alarm names; rename it",
    )
    assert stack.node.try_find_child("Monitoring") is None


def test_front_door_metric_methods_need_a_function(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    direct = FrontDoor(stack, "FrontDoor", endpoint=endpoint, integration=DirectIntegration())
    with pytest.raises(
        ValidationError, match=r"metric_function_errors: this front door has no function \(DirectIntegration\)"
    ):
        direct.metric_function_errors()
    with pytest.raises(ValidationError, match="is not a metric option"):
        FrontDoor(stack, "Lambda", endpoint=endpoint).metric_function_throttles(peroid=cdk.Duration.minutes(1))  # type: ignore[call-arg]


def test_endpoint_metric_methods(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    cases = {
        "metric_memory_utilization": ("MemoryUtilization", "/aws/sagemaker/Endpoints", "Average"),
        "metric_disk_utilization": ("DiskUtilization", "/aws/sagemaker/Endpoints", "Average"),
        "metric_model_setup_time": ("ModelSetupTime", "AWS/SageMaker", "Maximum"),
        "metric_serverless_concurrency_utilization": (
            "ServerlessConcurrentExecutionsUtilization",
            "AWS/SageMaker",
            "Maximum",
        ),
    }
    for method, (name, namespace, statistic) in cases.items():
        metric = getattr(endpoint, method)(variant_name="champion")
        assert (metric.metric_name, metric.namespace, metric.statistic) == (name, namespace, statistic), method


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("ml.m5.large", 2),
        ("ml.m5.xlarge", 4),
        ("ml.c5.9xlarge", 36),
        ("ml.t2.medium", 2),
        ("ml.c6g.medium", 1),
        ("ml.p4d.24xlarge", 96),
    ],
)
def test_vcpus_from_the_size(instance_type: str, expected: int) -> None:
    assert vcpus(instance_type) == expected


def test_monitoring_passes_the_nag_packs() -> None:
    from app import cli_context, nag_packs

    app = cdk.App(context=cli_context())
    stack = cdk.Stack(app, "Nag")
    endpoint = _endpoint(stack)
    ServingMonitoring(stack, "Monitoring", endpoint=endpoint, subscriptions=[subscriptions.EmailSubscription("a@b.co")])
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for pack in nag_packs()
        for v in pack.validate_scope(app).violations
        for r in v.violating_resources
        if "/Monitoring/" in r.construct_path
    ]
    assert findings == []
