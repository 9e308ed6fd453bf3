"""BatchPredictions: the state machine definition, triggers, IAM scope, alarm, loading and every validation rule."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    BatchPredictions,
    ContainerImage,
    DynamoDbLoading,
    Model,
    TransformOptions,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn())


def _definition(template: Template) -> dict[str, Any]:
    """The state machine's definition with every token written as ``<LogicalId>`` / ``<LogicalId.Attr>``."""
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]

    def text(part: Any) -> str:
        if isinstance(part, str):
            return part
        if "Ref" in part:
            return f"<{part['Ref']}>"
        return f"<{'.'.join(part['Fn::GetAtt'])}>"

    return json.loads("".join(text(p) for p in parts))  # type: ignore[no-any-return]


def _statements(template: Template, path_part: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    policies |= template.find_resources("AWS::IAM::ManagedPolicy")
    return [
        s for lid, p in policies.items() if path_part in lid for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_the_transform_state_uses_the_sync_integration_with_every_parameter(stack: cdk.Stack, model: Model) -> None:
    batch = BatchPredictions(
        stack,
        "Nightly",
        model=model,
        instance_type="ml.c5.2xlarge",
        instance_count=3,
        job_name_prefix="nightly",
        transform=TransformOptions(
            max_payload_mb=10, max_concurrent_transforms=4, join_source="Input", invocation_timeout_seconds=120
        ),
        api_retries=2,
        job_retries=1,
        timeout=cdk.Duration.hours(3),
    )
    template = Template.from_stack(stack)
    definition = _definition(template)
    bucket, key = _logical_id(stack, batch.bucket), stack.get_logical_id(batch.encryption_key.node.default_child)  # type: ignore[union-attr]
    transform = definition["States"]["Transform"]
    assert transform["Resource"] == "arn:<AWS::Partition>:states:::sagemaker:createTransformJob.sync"
    assert transform["Parameters"] == {
        "TransformJobName.$": "States.Format('nightly-{}', States.UUID())",
        "ModelName": f"<{stack.get_logical_id(model.cfn_model)}.ModelName>",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.run.input_uri"}},
            "ContentType": "application/jsonlines",
            "SplitType": "Line",
            "CompressionType": "None",
        },
        "TransformOutput": {
            "S3OutputPath.$": "$.run.output_uri",
            "Accept": "application/jsonlines",
            "AssembleWith": "Line",
            "KmsKeyId": f"<{key}.Arn>",
        },
        "TransformResources": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 3, "VolumeKmsKeyId": f"<{key}.Arn>"},
        "MaxPayloadInMB": 10,
        "BatchStrategy": "MultiRecord",
        "MaxConcurrentTransforms": 4,
        "ModelClientConfig": {"InvocationsTimeoutInSeconds": 120},
        "DataProcessing": {"JoinSource": "Input"},
        "Tags": [{"Key": "sagemaker-serving:execution", "Value.$": "$$.Execution.Id"}],
    }
    assert transform["TimeoutSeconds"] == 3 * 3600
    assert transform["Retry"] == [
        {
            "ErrorEquals": ["SageMaker.AmazonSageMakerException"],
            "IntervalSeconds": 60,
            "MaxAttempts": 2,
            "BackoffRate": 2,
        },
        {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 300, "MaxAttempts": 1},
    ]
    assert transform["ResultPath"] == "$.job" and transform["Next"] == "Done"
    # Scheduled runs take the whole prefix; an S3 event names one object; each run writes to its own folder.
    assert definition["StartAt"] == "SelectInput"
    assert definition["States"]["SelectInput"]["Choices"] == [
        {"Variable": "$.detail.object.key", "IsPresent": True, "Next": "RunOnObject"}
    ]
    assert definition["States"]["RunOnPrefix"]["Parameters"] == {
        "input_uri": f"s3://<{bucket}>/input/",
        "output_uri.$": f"States.Format('s3://{{}}/output/{{}}/', '<{bucket}>', $$.Execution.Name)",
        "output_prefix.$": "States.Format('output/{}/', $$.Execution.Name)",
    }
    assert definition["States"]["RunOnObject"]["Parameters"]["input_uri.$"] == (
        "States.Format('s3://{}/{}', $.detail.bucket.name, $.detail.object.key)"
    )
    assert definition["TimeoutSeconds"] == 4 * 3600


def test_local_storage_instances_take_no_volume_key(stack: cdk.Stack, model: Model) -> None:
    BatchPredictions(stack, "Batch", model=model, instance_type="ml.g4dn.xlarge")
    resources = _definition(Template.from_stack(stack))["States"]["Transform"]["Parameters"]["TransformResources"]
    assert resources == {"InstanceType": "ml.g4dn.xlarge", "InstanceCount": 1}


def test_schedule_with_time_zone_and_new_input_rule(stack: cdk.Stack, model: Model) -> None:
    batch = BatchPredictions(
        stack,
        "Batch",
        model=model,
        schedule="cron(30 1 ? * MON-FRI *)",
        time_zone="Europe/Paris",
        run_on_new_input=True,
    )
    template = Template.from_stack(stack)
    machine = stack.get_logical_id(batch.state_machine.node.default_child)  # type: ignore[arg-type]
    bucket = _logical_id(stack, batch.bucket)
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(30 1 ? * MON-FRI *)",
            "ScheduleExpressionTimezone": "Europe/Paris",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": {"Ref": machine}, "Input": '{"trigger":"schedule"}', "RoleArn": Match.any_value()},
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [{"Ref": bucket}]}, "object": {"key": [{"prefix": "input/"}]}},
            },
            "Targets": [Match.object_like({"Arn": {"Ref": machine}})],
        },
    )
    # CloudFormation's own EventBridge setting: no custom-resource function.
    template.has_resource_properties(
        "AWS::S3::Bucket", {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}
    )
    template.resource_count_is("AWS::Lambda::Function", 0)
    for role in ("ScheduleRole", "EventsRole"):
        statements = _statements(template, role)
        assert statements == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine}}]


def test_iam_is_scoped_to_the_jobs_prefixes_key_and_table(stack: cdk.Stack, model: Model) -> None:
    batch = BatchPredictions(
        stack, "Batch", model=model, job_name_prefix="Scores", loading=DynamoDbLoading(partition_key_field="id")
    )
    template = Template.from_stack(stack)
    bucket, key = _logical_id(stack, batch.bucket), stack.get_logical_id(batch.encryption_key.node.default_child)  # type: ignore[union-attr]
    text = json.dumps(_statements(template, "BatchStateMachineRoleDefaultPolicy"))
    assert ":transform-job/scores-*" in text and "transform-job/*" not in text
    machine = _statements(template, "BatchStateMachineRoleDefaultPolicy")
    sagemaker = next(s for s in machine if "sagemaker:CreateTransformJob" in s["Action"])
    assert sorted(sagemaker["Action"]) == [
        "sagemaker:AddTags",
        "sagemaker:CreateTransformJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:ListTags",
        "sagemaker:StopTransformJob",
    ]
    assert "iam:PassRole" not in text  # CreateTransformJob takes no role
    table = stack.get_logical_id(batch.loading.table.node.default_child)  # type: ignore[union-attr]
    put = next(s for s in machine if s["Action"] == "dynamodb:PutItem")
    assert table in json.dumps(put["Resource"])
    kms = next(s for s in machine if "kms:CreateGrant" in s["Action"])
    assert kms["Resource"] == {"Fn::GetAtt": [key, "Arn"]}
    assert kms["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    # The model's role: read the input prefix, write the output prefix, nothing else of the bucket.
    model_statements = _statements(template, "ModelExecutionPolicy")
    assert {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/input/*"]]},
    } in model_statements
    assert {
        "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
        "Effect": "Allow",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/output/*"]]},
    } in model_statements
    assert {
        "Action": "s3:ListBucket",
        "Condition": {"StringLike": {"s3:prefix": ["input/*"]}},
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [bucket, "Arn"]},
    } in model_statements


def test_failure_alarm_notifies_an_encrypted_topic(stack: cdk.Stack, model: Model) -> None:
    batch = BatchPredictions(stack, "Batch", model=model)
    template = Template.from_stack(stack)
    topic = stack.get_logical_id(batch.alarm_topic.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [{"Ref": topic}],
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "Metrics": Match.array_with([Match.object_like({"Expression": "FILL(failed, 0) + FILL(timedOut, 0)"})]),
        },
    )
    key_policies = json.dumps(template.find_resources("AWS::KMS::Key"))
    assert '"Service": "cloudwatch.amazonaws.com"' in key_policies
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"TracingConfiguration": {"Enabled": True}, "LoggingConfiguration": Match.object_like({"Level": "ALL"})},
    )


def test_dynamodb_loading_reads_the_output_as_json_lines(stack: cdk.Stack, model: Model) -> None:
    BatchPredictions(stack, "Batch", model=model, loading=DynamoDbLoading(partition_key_field="customer_id"))
    template = Template.from_stack(stack)
    states = _definition(template)["States"]
    outer = states["LoadPredictions"]
    assert outer["ItemReader"]["Resource"] == "arn:<AWS::Partition>:states:::s3:listObjectsV2"
    assert outer["ItemReader"]["Parameters"]["Prefix.$"] == "$.run.output_prefix"
    inner = outer["ItemProcessor"]["States"]["LoadRecords"]
    assert inner["ItemReader"]["ReaderConfig"] == {"InputType": "JSONL"}
    put = inner["ItemProcessor"]["States"]["PutPrediction"]
    assert put["Resource"] == "arn:<AWS::Partition>:states:::dynamodb:putItem"
    assert put["Parameters"]["Item"]["pk"] == {"S.$": "States.Format('{}', $.record.customer_id)"}
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": Match.object_like({"SSEEnabled": True, "SSEType": "KMS"}),
        },
    )


def _problems(**props: Any) -> list[str]:
    stack = cdk.Stack(cdk.App(), "S")
    model = Model(stack, "Model", image=ContainerImage.sklearn())
    with pytest.raises(ValidationError, match=re.escape("Invalid batch predictions")) as info:
        BatchPredictions(stack, "Batch", model=model, **props)
    return list(info.value.problems)


def test_every_rule_is_reported_at_once() -> None:
    assert _problems(
        instance_type="ml.t2.medium",
        instance_count=0,
        input_prefix="/in",
        output_prefix="input/out/",
        schedule="cron(0 2 * * *)",
        time_zone="Mars/Olympus",
        job_name_prefix="a_very_long_and_invalid_prefix_name",
        timeout=cdk.Duration.seconds(30),
        api_retries=11,
        job_retries=4,
    ) == [
        "instance_type: 'ml.t2.medium' is not allowed; expected a SageMaker Batch Transform instance type "
        "(TransformInstanceType) such as 'ml.m5.large'",
        "instance_count: 0 is not allowed; must be an integer >= 1",
        "input_prefix: '/in' is not allowed; expected an S3 key prefix such as 'input/' (safe characters, ending in "
        "'/', not starting with '/')",
        "schedule: 'cron(0 2 * * *)' is not allowed; Application Auto Scaling cron expressions have six fields, "
        "cron(Minutes Hours Day-of-month Month Day-of-week Year), not 5: did you mean 'cron(0 2 * * ? *)'?",
        "time_zone: 'Mars/Olympus' is not an IANA time zone such as 'Europe/Paris'",
        "job_name_prefix: 'a_very_long_and_invalid_prefix_name' is not allowed; expected 1-26 alphanumerics or "
        "hyphens (a job name is '<prefix>-<36-character UUID>', at most 63 characters)",
        "timeout: 30 seconds is not allowed; must be from 1 minute to 7 days",
        "api_retries: 11 is not allowed; must be an integer from 0 to 10",
        "job_retries: 4 is not allowed; must be an integer from 0 to 3",
    ]


def test_overlapping_prefixes_and_no_trigger_are_refused() -> None:
    assert _problems(input_prefix="data/", output_prefix="data/out/", schedule=None) == [
        "output_prefix: 'data/out/' overlaps input_prefix 'data/'; they must not contain each other (a job would "
        "read its own predictions, and a new-input trigger would loop)",
        "schedule: None with run_on_new_input False would never run; set a schedule or turn it on",
    ]


def test_transform_options_limits() -> None:
    assert _problems(
        transform=TransformOptions(
            split_type="None",
            assemble_with="Lines",  # type: ignore[arg-type]
            max_payload_mb=101,
            max_concurrent_transforms=-1,
            invocation_timeout_seconds=3601,
            invocation_max_retries=4,
            accept="",
        )
    ) == [
        "transform.assemble_with: 'Lines' is not allowed; expected one of None, Line",
        "transform.batch_strategy: 'MultiRecord' needs split_type Line, RecordIO or TFRecord, not 'None' "
        "(CreateTransformJob: the batch strategy works on split records); unset batch_strategy to send whole files",
        "transform.accept: '' is not allowed; expected a MIME type of 1-256 characters",
        "transform.max_payload_mb: 101 is not allowed; must be an integer from 0 to 100",
        "transform.max_concurrent_transforms: -1 is not allowed; must be an integer >= 0",
        "transform.invocation_timeout_seconds: 3601 is not allowed; must be an integer from 1 to 3600",
        "transform.invocation_max_retries: 4 is not allowed; must be an integer from 0 to 3",
    ]
    assert _problems(transform=TransformOptions(max_payload_mb=30, max_concurrent_transforms=4)) == [
        "transform.max_concurrent_transforms × max_payload_mb: 4 × 30 = 120 MB is not allowed; must be at most 100 MB"
    ]


def test_loading_rules() -> None:
    assert _problems(
        transform=TransformOptions(accept="text/csv"),
        loading=DynamoDbLoading(partition_key_field="$.id", max_concurrency=0),
    ) == [
        "loading.partition_key_field: '$.id' is not allowed; expected a field name (letters, digits and _, not "
        "starting with a digit)",
        "loading.max_concurrency: 0 is not allowed; must be an integer from 1 to 1000",
        "loading: DynamoDbLoading reads the predictions as JSON Lines; set transform.accept = "
        "'application/jsonlines' and transform.assemble_with = 'Line'",
    ]
