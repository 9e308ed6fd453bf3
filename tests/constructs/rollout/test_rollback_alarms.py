"""Rollback alarms: named, granted to the models, created before the endpoint (or warned about), and their rules."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Annotations, Match, Template

from sagemaker_serving import DeploymentGuardrails, Endpoint
from tests.constructs.rollout.support import deployment_config as _deployment_config
from tests.constructs.rollout.support import endpoint as _endpoint
from tests.constructs.rollout.support import problems as _problems


# ---------------------------------------------------------------------------------------------
# Rollback alarms: by name, granted, created before the endpoint
# ---------------------------------------------------------------------------------------------
def _alarm(stack: cdk.Stack, endpoint: Endpoint, name: str | None, variant: str = "v0") -> cloudwatch.Alarm:
    return endpoint.metric_server_errors(variant_name=variant).create_alarm(
        stack, f"Alarm{name}", threshold=1, evaluation_periods=1, alarm_name=name
    )


def test_rollback_alarms_by_name_with_a_fixed_endpoint_name(stack: cdk.Stack) -> None:
    endpoint = _endpoint(
        stack, 2, endpoint_name="iris-prod", deployment=DeploymentGuardrails(rollback_alarm_names=["team-slo"])
    )
    errors = _alarm(stack, endpoint, "iris-prod-v0-errors")
    endpoint.add_rollback_alarms(errors)
    assert endpoint.rollback_alarms == (errors,)
    assert endpoint.rollback_alarm_names == ("iris-prod-v0-errors", "team-slo")
    template = Template.from_stack(stack)
    alarm_id = stack.get_logical_id(errors.node.default_child)  # type: ignore[arg-type]
    (endpoint_resource,) = template.find_resources("AWS::SageMaker::Endpoint").values()
    assert endpoint_resource["DependsOn"] == [alarm_id]  # the alarm exists before SageMaker reads it
    assert endpoint_resource["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "iris-prod-v0-errors"}, {"AlarmName": "team-slo"}]
    }
    # The alarm's metric names the endpoint by its fixed name, not by a reference: no cycle.
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Dimensions": Match.array_with([{"Name": "EndpointName", "Value": "iris-prod"}])},
    )


def test_models_may_describe_exactly_the_rollback_alarms(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails(rollback_alarm_names=["a1", "a2"]))
    policy = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    statements = [s for p in policy.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (describe,) = [s for s in statements if s["Action"] == "cloudwatch:DescribeAlarms"]
    arns = [stack.resolve(r) for r in describe["Resource"]]
    assert [a["Fn::Join"][1][-1] for a in arns] == [":alarm:a1", ":alarm:a2"]
    assert endpoint.rollback_alarm_names == ("a1", "a2")


def test_alarms_given_at_construction_are_imports_or_named_alarms(stack: cdk.Stack) -> None:
    imported = cloudwatch.Alarm.from_alarm_name(stack, "Imported", "existing-alarm")
    metric = cloudwatch.Metric(namespace="Custom", metric_name="Errors")
    own = metric.create_alarm(stack, "Own", threshold=1, evaluation_periods=1, alarm_name="own-alarm")
    _endpoint(stack, deployment=DeploymentGuardrails(rollback_alarms=[imported, own]))
    assert _deployment_config(stack)["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "existing-alarm"}, {"AlarmName": "own-alarm"}]
    }


def test_without_a_fixed_name_rollback_alarms_come_after_the_endpoint_and_a_warning_says_so(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack, 2, deployment=DeploymentGuardrails())
    endpoint.add_rollback_alarms(_alarm(stack, endpoint, "errors"))
    (endpoint_resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    assert "DependsOn" not in endpoint_resource
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Endpoint", Match.string_like_regexp("no fixed endpoint_name.*give it a fixed endpoint_name")
    )


def test_imported_alarms_need_no_fixed_endpoint_name(stack: cdk.Stack) -> None:
    imported = cloudwatch.Alarm.from_alarm_name(stack, "Imported", "existing-alarm")
    _endpoint(stack, deployment=DeploymentGuardrails(rollback_alarms=[imported]))
    (endpoint_resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Endpoint").values()
    assert "DependsOn" not in endpoint_resource
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


# ---------------------------------------------------------------------------------------------
# Their rules, by message
# ---------------------------------------------------------------------------------------------
def test_rollback_alarm_rules(stack: cdk.Stack) -> None:
    metric = cloudwatch.Metric(namespace="Custom", metric_name="Errors")
    unnamed = metric.create_alarm(stack, "Unnamed", threshold=1, evaluation_periods=1)
    message = _problems(
        lambda: _endpoint(
            stack, deployment=DeploymentGuardrails(rollback_alarms=[unnamed], rollback_alarm_names=["  ", "x", "x"])
        )
    )
    assert (
        "rollback_alarms[0]: alarm 'TestStack/Unnamed' has no fixed name; give it one (alarm_name=...) so the "
        "endpoint can name it without depending on it"
    ) in message
    assert "rollback_alarm_names[0]: '  ' is not allowed; expected 1-255 characters, not blank" in message
    assert "rollback alarms: ['x'] given more than once; name each alarm once" in message
    eleven = [f"alarm-{i}" for i in range(11)]
    message = _problems(
        lambda: _endpoint(cdk.Stack(cdk.App(), "S"), deployment=DeploymentGuardrails(rollback_alarm_names=eleven))
    )
    assert "rollback alarms: 11 alarms is not allowed; SageMaker takes 1 to 10" in message


def test_alarms_added_later_count_towards_the_ten(stack: cdk.Stack) -> None:
    endpoint = _endpoint(
        stack, endpoint_name="ep", deployment=DeploymentGuardrails(rollback_alarm_names=[f"a{i}" for i in range(9)])
    )
    endpoint.add_rollback_alarms(_alarm(stack, endpoint, "tenth"))
    message = _problems(lambda: endpoint.add_rollback_alarms(_alarm(stack, endpoint, "eleventh")))
    assert "Invalid rollback alarms: 1 problem(s)" in message and "11 alarms is not allowed" in message
    assert len(endpoint.rollback_alarm_names) == 10


def test_rollback_alarms_need_guardrails(stack: cdk.Stack) -> None:
    endpoint = _endpoint(stack)
    message = _problems(lambda: endpoint.add_rollback_alarms(_alarm(stack, endpoint, "errors")))
    assert "deployment: None is not allowed with rollback alarms; give the endpoint deployment guardrails" in message
