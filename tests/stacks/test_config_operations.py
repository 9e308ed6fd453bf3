"""The ``monitoring`` and ``data_capture`` tables: parsing, every rule named by environment and key, the stacks.

Rules are checked on the pinned reference file with one change each; construct problems through ``build_app``.
"""

from __future__ import annotations

import copy
from typing import Any

from aws_cdk.assertions import Match, Template

from app import build_app
from sagemaker_serving import AlarmThresholds
from stacks.config import AppConfig, parse
from stacks.serving_stack import ServingStack
from tests.support.config_problems import build_problems as _build_problems
from tests.support.config_problems import parse_problems as _problems


def test_reference_monitoring_everywhere_and_capture_in_staging_and_prod(reference_config: AppConfig) -> None:
    envs = reference_config.environments
    assert all(e.monitoring.enabled and e.monitoring.thresholds is None for e in envs.values())
    captures = {n: e.data_capture.sampling_percentage if e.data_capture else None for n, e in envs.items()}
    assert captures == {"dev": None, "staging": 100, "prod": 10}
    assert envs["prod"].data_capture is not None and envs["prod"].data_capture.retention_days == 365


def test_reference_stacks_have_monitoring_and_rollback_alarms(reference_stacks: dict[str, ServingStack]) -> None:
    prod = reference_stacks["prod"].monitoring
    assert prod is not None
    assert [a.alarm_name for a in prod.rollback_alarms] == [
        "ModelServing-prod-champion-Invocation5XXErrors",
        "ModelServing-prod-champion-ModelLatencyP99",
        "ModelServing-prod-challenger-Invocation5XXErrors",
        "ModelServing-prod-challenger-ModelLatencyP99",
    ]
    assert all(s.monitoring is not None and s.monitoring.dashboard is not None for s in reference_stacks.values())
    assert reference_stacks["dev"].endpoint_config.data_capture is None
    staging = reference_stacks["staging"].endpoint_config.data_capture
    assert staging is not None and staging.prefix == "data-capture/ModelServing-staging/EndpointConfig"


def test_thresholds_are_the_constructs_value_object_and_keys_are_checked(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["prod"]["monitoring"] = {
        "notification_emails": ["oncall@example.com"],
        "thresholds": {"model_latency_p99_ms": 250, "server_errors_per_minute": 2},
    }
    monitoring = parse(data).environments["prod"].monitoring
    assert monitoring.thresholds == AlarmThresholds(model_latency_p99_ms=250, server_errors_per_minute=2)
    assert monitoring.notification_emails == ("oncall@example.com",)
    data["environments"]["prod"]["monitoring"] = {
        "enable": False,
        "thresholds": {"model_latency_p99": 250, "server_errors_per_minute": "2"},
        "subscriptions": [{"protocol": "slack", "endpoint": "x"}],
    }
    assert _problems(data) == (
        "environment 'prod': monitoring.subscriptions[0].protocol: 'slack' is not allowed; expected one of email, "
        "email-json, https, http, sms, sqs, lambda",
        "environment 'prod': monitoring.thresholds.server_errors_per_minute: '2' is not allowed; expected int",
        "environment 'prod': monitoring.thresholds.model_latency_p99: is not a known key; did you mean "
        "'model_latency_p99_ms'?",
        "environment 'prod': monitoring.enable: is not a known key; did you mean 'enabled'?",
    )


def test_subscription_endpoints_must_have_their_protocols_form(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["staging"]["monitoring"] = {
        "notification_emails": ["ops@example.com", "not-an-address"],
        "subscriptions": [
            {"protocol": "https", "endpoint": "http://insecure.example.com"},
            {"protocol": "sms", "endpoint": "0123"},
            {"protocol": "sqs", "endpoint": "arn:aws:sns:eu-west-1:111122223333:q"},
            {"protocol": "lambda", "endpoint": "my-function"},
            {"protocol": "email-json", "endpoint": "ops@example.com"},
        ],
    }
    assert _problems(data) == (
        "environment 'staging': monitoring.notification_emails[1]: 'not-an-address' is not allowed; expected an "
        "email address",
        "environment 'staging': monitoring.subscriptions[0].endpoint: 'http://insecure.example.com' is not allowed "
        "with protocol 'https'; expected an https:// URL",
        "environment 'staging': monitoring.subscriptions[1].endpoint: '0123' is not allowed with protocol 'sms'; "
        "expected a phone number in E.164 form (+14155550100)",
        "environment 'staging': monitoring.subscriptions[2].endpoint: 'arn:aws:sns:eu-west-1:111122223333:q' is not "
        "allowed with protocol 'sqs'; expected an SQS queue ARN",
        "environment 'staging': monitoring.subscriptions[3].endpoint: 'my-function' is not allowed with protocol "
        "'lambda'; expected a Lambda function ARN",
    )


def test_data_capture_keys_are_checked(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["prod"]["data_capture"] = {"sampling_percent": 5, "capture_request": "yes"}
    assert _problems(data) == (
        "environment 'prod': data_capture.capture_request: 'yes' is not allowed; expected bool",
        "environment 'prod': data_capture.sampling_percent: is not a known key; did you mean 'sampling_percentage'?",
    )


def test_construct_problems_name_the_tables_keys(raw: dict[str, Any]) -> None:
    """The constructs' rules, reported with the file's keys: capture on serverless, bucket settings, thresholds."""
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["data_capture"] = {"sampling_percentage": 10}
    data["environments"]["prod"]["data_capture"] = {
        "sampling_percentage": 150,
        "transition_after_days": 10,
        "json_content_types": ["json"],
    }
    data["environments"]["staging"]["monitoring"] = {"thresholds": {"client_error_rate_percent": 0}}
    assert _build_problems(data) == (
        "environment 'dev': data_capture: not allowed with ServerlessVariant ['champion']; Serverless Inference does "
        "not support data capture (use an InstanceVariant, or leave data_capture out)",
        "environment 'staging': monitoring.thresholds.client_error_rate_percent: 0.0 is not allowed; must be a number > 0",
        "environment 'prod': data_capture.sampling_percentage: 150 is not allowed; must be an integer from 0 to 100",
        "environment 'prod': data_capture.json_content_types[0]: 'json' is not allowed; expected a content type such "
        "as 'application/json' (type/subtype, at most 256 characters)",
        "environment 'prod': data_capture.transition_after_days: 10 is not allowed; must be an integer >= 30 (S3 "
        "moves objects to STANDARD_IA only after 30 days in S3 Standard)",
    )


def test_monitoring_off_subscriptions_and_capture_options_reach_the_template(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["dev"]["monitoring"] = {"enabled": False}
    data["environments"]["staging"]["monitoring"] = {
        "dashboard": False,
        "notification_emails": ["ops@example.com"],
        "subscriptions": [
            {"protocol": "https", "endpoint": "https://hooks.example.com/a"},
            {"protocol": "sms", "endpoint": "+14155550100"},
            {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:111122223333:alarms"},
            {"protocol": "lambda", "endpoint": "arn:aws:lambda:us-east-1:111122223333:function:pager"},
        ],
        "thresholds": {"disk_utilization_percent": 60},
    }
    data["environments"]["staging"]["data_capture"] = {
        "sampling_percentage": 50,
        "capture_response": False,
        "csv_content_types": [],
        "prefix": "capture/staging",
        "retention_days": 90,
        "transition_after_days": 45,
        "destroy_on_delete": True,
    }
    app = build_app(parse(data), context={"env": "dev"})
    dev = Template.from_stack(app.node.find_child("ModelServing-dev"))  # type: ignore[arg-type]
    dev.resource_count_is("AWS::CloudWatch::Alarm", 0)
    dev.resource_count_is("AWS::SNS::Topic", 0)
    app = build_app(parse(data), context={"env": "staging"})
    stack = app.node.find_child("ModelServing-staging")
    staging = Template.from_stack(stack)  # type: ignore[arg-type]
    staging.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    for protocol, endpoint in (
        ("email", "ops@example.com"),
        ("https", "https://hooks.example.com/a"),
        ("sms", "+14155550100"),
        ("sqs", "arn:aws:sqs:us-east-1:111122223333:alarms"),
        ("lambda", "arn:aws:lambda:us-east-1:111122223333:function:pager"),
    ):
        staging.has_resource_properties("AWS::SNS::Subscription", {"Protocol": protocol, "Endpoint": endpoint})
    staging.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "ModelServing-staging-champion-DiskUtilization", "Threshold": 60}
    )
    staging.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "InitialSamplingPercentage": 50,
                "CaptureOptions": [{"CaptureMode": "Input"}],
                "CaptureContentTypeHeader": {
                    "JsonContentTypes": ["application/json"],
                    "CsvContentTypes": Match.absent(),
                },
                "DestinationS3Uri": {"Fn::Join": ["", ["s3://", Match.any_value(), "/capture/staging"]]},
            }
        },
    )
    staging.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Delete",
            "Properties": {
                "LifecycleConfiguration": {
                    "Rules": [
                        Match.object_like(
                            {"ExpirationInDays": 90, "Transitions": [Match.object_like({"TransitionInDays": 45})]}
                        )
                    ]
                }
            },
        },
    )
