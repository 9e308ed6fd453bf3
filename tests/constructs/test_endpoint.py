"""Endpoint: no fixed name, grants scoped to the endpoint, metrics (typed options) and imports."""

from __future__ import annotations

import inspect

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    AutoscalingOptions,
    ContainerImage,
    Endpoint,
    EndpointBase,
    EndpointConfig,
    InstanceVariant,
    MetricOptions,
    Model,
    ModelData,
    ValidationError,
    VariantAutoscaling,
)


def _endpoint(stack: cdk.Stack, **kwargs: object) -> Endpoint:
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    config = EndpointConfig(
        stack,
        "Config",
        variants=[
            InstanceVariant(name="champion", model=model, instance_type="ml.m5.large", initial_instance_count=2),
            InstanceVariant(name="challenger", model=model, instance_type="ml.m5.large", initial_weight=0.1),
        ],
    )
    return Endpoint(stack, "Endpoint", endpoint_config=config, **kwargs)  # type: ignore[arg-type]


def test_endpoint_has_no_fixed_name_and_points_at_its_config(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    config_id = stack.get_logical_id(endpoint.endpoint_config.cfn_endpoint_config)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {"EndpointName": Match.absent(), "EndpointConfigName": {"Fn::GetAtt": [config_id, "EndpointConfigName"]}},
    )
    assert endpoint.variant_names == ("champion", "challenger")


def test_fixed_name_is_allowed_and_validated(stack: cdk.Stack) -> None:
    _endpoint(stack, endpoint_name="iris-prod")
    Template.from_stack(stack).has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "iris-prod"})
    with pytest.raises(ValidationError, match="endpoint_name: 'no spaces allowed' is not allowed"):
        Endpoint(stack, "Bad", endpoint_config=_endpoint_config_only(stack), endpoint_name="no spaces allowed")


def _endpoint_config_only(stack: cdk.Stack) -> EndpointConfig:
    model = Model(stack, "Model2", image=ContainerImage.sklearn())
    return EndpointConfig(
        stack, "Config2", variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")]
    )


def test_grants_are_scoped_to_this_endpoint(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(role)
    endpoint.grant_describe(role)
    endpoint_id = stack.get_logical_id(endpoint.cfn_endpoint)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {"Action": "sagemaker:InvokeEndpoint", "Effect": "Allow", "Resource": {"Ref": endpoint_id}},
                    {"Action": "sagemaker:DescribeEndpoint", "Effect": "Allow", "Resource": {"Ref": endpoint_id}},
                ]
            }
        },
    )


def test_metrics_have_endpoint_and_variant_dimensions(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    invocations = endpoint.metric_invocations(variant_name="champion")
    assert invocations.namespace == "AWS/SageMaker"
    assert invocations.metric_name == "Invocations"
    assert invocations.statistic == "Sum"
    assert stack.resolve(invocations.dimensions) == {
        "EndpointName": {"Fn::GetAtt": [stack.get_logical_id(endpoint.cfn_endpoint), "EndpointName"]},
        "VariantName": "champion",
    }
    latency = endpoint.metric_model_latency(variant_name="challenger")
    assert (latency.metric_name, latency.statistic) == ("ModelLatency", "p99")
    assert endpoint.metric_server_errors(variant_name="champion").metric_name == "Invocation5XXErrors"
    assert endpoint.metric_client_errors(variant_name="champion").metric_name == "Invocation4XXErrors"
    cpu = endpoint.metric_cpu_utilization(variant_name="champion")
    assert (cpu.namespace, cpu.statistic) == ("/aws/sagemaker/Endpoints", "Average")
    alarm = endpoint.metric_server_errors(variant_name="champion").create_alarm(
        stack, "Errors", threshold=1, evaluation_periods=1
    )
    assert alarm.alarm_arn


def test_import_by_name_and_arn() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    by_name = Endpoint.from_endpoint_name(stack, "ByName", "My-Endpoint")
    assert by_name.endpoint_name == "My-Endpoint"
    # SageMaker ARNs carry the lower-cased name.
    assert stack.resolve(by_name.endpoint_arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:eu-west-1:123456789012:endpoint/my-endpoint"]]
    }
    by_arn = Endpoint.from_endpoint_arn(stack, "ByArn", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/other")
    assert by_arn.endpoint_name == "other"
    role = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    by_arn.grant_invoke(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:InvokeEndpoint",
                        "Resource": "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/other",
                    }
                ]
            }
        },
    )


def test_metric_options_are_typed_keywords_passed_to_cloudwatch(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    metric = endpoint.metric_invocations(
        variant_name="champion",
        period=cdk.Duration.minutes(5),
        statistic="Average",
        label="Requests",
        unit=cloudwatch.Unit.COUNT,
        color="#1f77b4",
        dimensions_map={"Extra": "x"},
        account="123456789012",
        region="eu-west-1",
    )
    assert (metric.period.to_minutes(), metric.statistic, metric.label, metric.unit, metric.color) == (
        5,
        "Average",
        "Requests",
        cloudwatch.Unit.COUNT,
        "#1f77b4",
    )
    assert (metric.account, metric.region) == ("123456789012", "eu-west-1")
    assert set(stack.resolve(metric.dimensions)) == {"EndpointName", "VariantName", "Extra"}
    # Defaults stay per method: Sum per minute, p99 for latencies, Average for CPU; each overridable.
    plain = endpoint.metric_invocations(variant_name="champion")
    assert (plain.period.to_minutes(), plain.statistic, plain.label) == (1, "Sum", None)
    assert endpoint.metric_model_latency(variant_name="champion", statistic="p50").statistic == "p50"
    assert endpoint.metric_overhead_latency(variant_name="champion").statistic == "p99"
    assert endpoint.metric_cpu_utilization(variant_name="champion", period=cdk.Duration.minutes(5)).statistic == (
        "Average"
    )
    assert endpoint.metric_invocations_per_instance(variant_name="champion").metric_name == "InvocationsPerInstance"


def test_unknown_metric_option_is_refused_with_a_hint(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    with pytest.raises(ValidationError) as info:
        endpoint.metric_invocations(variant_name="champion", perod=cdk.Duration.minutes(5))  # type: ignore[call-arg]
    assert "perod: is not a metric option; did you mean 'period'? options are account, color" in str(info.value)


def test_metric_options_mirror_cloudwatch_metric_options() -> None:
    cloudwatch_fields = [p for p in inspect.signature(cloudwatch.MetricOptions.__init__).parameters if p != "self"]
    assert sorted(MetricOptions.__annotations__) == sorted(cloudwatch_fields)
    assert MetricOptions.__required_keys__ == frozenset()
    # One style: every metric method takes variant_name and the MetricOptions keywords, nothing untyped; but an
    # asynchronous endpoint's queue metrics (metric_backlog), which SageMaker publishes per endpoint only.
    methods = [m for m in dir(EndpointBase) if m.startswith("metric")]
    assert len(methods) == 13
    for name in methods:
        parameters = inspect.signature(getattr(EndpointBase, name)).parameters
        kinds = {p.name: p.kind for p in parameters.values()}
        if name == "metric_backlog":
            assert "variant_name" not in kinds
        else:
            assert kinds["variant_name"] is inspect.Parameter.KEYWORD_ONLY, name
        assert kinds["options"] is inspect.Parameter.VAR_KEYWORD, name
        assert parameters["options"].annotation == "Unpack[MetricOptions]", name


def test_autoscale_options_are_the_constructs_own() -> None:
    own = inspect.signature(VariantAutoscaling.__init__).parameters.values()
    keywords = {p.name: p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY}
    del keywords["endpoint"], keywords["variant_name"]
    assert set(AutoscalingOptions.__annotations__) == set(keywords)
    assert AutoscalingOptions.__required_keys__ == {n for n, p in keywords.items() if p.default is p.empty}
    assert inspect.signature(Endpoint.autoscale).parameters["options"].annotation == "Unpack[AutoscalingOptions]"
