"""AsyncInferenceConfig bound by EndpointConfig: the secure bucket, key and topics, the model grants, every rule."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    AsyncInferenceConfig,
    ContainerImage,
    Endpoint,
    EndpointConfig,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))


def _variant(model: Model, name: str = "a") -> InstanceVariant:
    return InstanceVariant(name=name, model=model, instance_type="ml.m5.large")


def _id(stack: cdk.Stack, construct: object) -> str:
    return stack.get_logical_id(construct.node.default_child)  # type: ignore[attr-defined]


def _object_arn(bucket_id: str, prefix: str) -> dict:
    return {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{prefix}*"]]}


def test_default_bucket_key_and_topics_are_secure_and_rendered(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(
        stack,
        "Config",
        variants=[_variant(model)],
        async_inference=AsyncInferenceConfig(max_concurrent_invocations_per_instance=4),
    )
    assert config.is_async
    bound = config.async_inference
    assert bound is not None
    template = Template.from_stack(stack)
    bucket_id, key_id = _id(stack, bound.bucket), _id(stack, bound.encryption_key)
    success_id, error_id = _id(stack, bound.success_topic), _id(stack, bound.error_topic)
    assert bound.node.path == "TestStack/Config/AsyncInference"
    template.has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "Description": Match.string_like_regexp("asynchronous")}
    )
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                            },
                        }
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-async-inference-data",
                            "Status": "Enabled",
                            "ExpirationInDays": 7,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
                "LoggingConfiguration": Match.absent(),
            },
            "DeletionPolicy": "Retain",
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                    )
                ]
            },
        },
    )
    for topic_id in (success_id, error_id):
        template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}})
        template.has_resource_properties(
            "AWS::SNS::TopicPolicy",
            {
                "Topics": [{"Ref": topic_id}],
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
                    ]
                },
            },
        )
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "AsyncInferenceConfig": {
                "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
                "OutputConfig": {
                    "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
                    "S3OutputPath": {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/output"]]},
                    "S3FailurePath": {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/failure"]]},
                    "NotificationConfig": {"SuccessTopic": {"Ref": success_id}, "ErrorTopic": {"Ref": error_id}},
                },
            },
            # The volumes keep their own key.
            "KmsKeyId": {"Fn::GetAtt": [_id(stack, config.encryption_key), "Arn"]},
        },
    )


def test_the_model_role_gets_exactly_the_prefixes_key_and_topics(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(stack, "Config", variants=[_variant(model)], async_inference=AsyncInferenceConfig())
    bound = config.async_inference
    assert bound is not None
    bucket_id, key_id = _id(stack, bound.bucket), _id(stack, bound.encryption_key)
    template = Template.from_stack(stack)
    (policy,) = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in template.find_resources("AWS::IAM::ManagedPolicy").values()
    ]
    async_statements = [s for s in policy if "AsyncInference" in json.dumps(s["Resource"])]
    assert async_statements == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": _object_arn(bucket_id, "input/")},
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [_object_arn(bucket_id, "output/"), _object_arn(bucket_id, "failure/")],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": {"Fn::GetAtt": [key_id, "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": [{"Ref": _id(stack, bound.success_topic)}, {"Ref": _id(stack, bound.error_topic)}],
        },
    ]
    # The model resource waits for its execution policy, which now carries these grants.
    model_resource = template.find_resources("AWS::SageMaker::Model")
    assert _id(stack, model.policy) in next(iter(model_resource.values()))["DependsOn"]


def test_a_model_added_later_and_two_variants_of_one_model_are_granted_once(stack: cdk.Stack, model: Model) -> None:
    other = Model(stack, "Other", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/o.tar.gz"))
    config = EndpointConfig(
        stack,
        "Config",
        variants=[_variant(model, "a"), _variant(model, "b")],
        async_inference=AsyncInferenceConfig(),
    )
    config.add_variant(_variant(other, "c"))
    template = Template.from_stack(stack).to_json()
    for m in (model, other):
        statements = template["Resources"][_id(stack, m.policy)]["Properties"]["PolicyDocument"]["Statement"]
        assert sum("sns:Publish" in json.dumps(s["Action"]) for s in statements) == 1, m.node.id


def test_given_bucket_key_and_topics_are_used_and_nothing_is_created(stack: cdk.Stack, model: Model) -> None:
    key = kms.Key(stack, "MyKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "MyBucket", encryption_key=key)
    success, error = sns.Topic(stack, "Ok"), sns.Topic(stack, "Ko")
    config = EndpointConfig(
        stack,
        "Config",
        variants=[_variant(model)],
        async_inference=AsyncInferenceConfig(
            bucket=bucket, success_topic=success, error_topic=error, input_prefix="jobs/in/", output_prefix="jobs/out/"
        ),
    )
    bound = config.async_inference
    assert bound is not None
    assert (bound.bucket, bound.encryption_key, bound.success_topic, bound.error_topic) == (bucket, key, success, error)
    assert [c.node.id for c in bound.node.children] == []
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 1)
    template.resource_count_is("AWS::SNS::Topic", 2)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "AsyncInferenceConfig": {
                "OutputConfig": Match.object_like(
                    {
                        "S3OutputPath": {"Fn::Join": ["", ["s3://", {"Ref": _id(stack, bucket)}, "/jobs/out"]]},
                        "KmsKeyId": {"Fn::GetAtt": [_id(stack, key), "Arn"]},
                    }
                )
            }
        },
    )


def test_grants_for_callers(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(stack, "Config", variants=[_variant(model)], async_inference=AsyncInferenceConfig())
    endpoint = Endpoint(stack, "Endpoint", endpoint_config=config)
    bound = config.async_inference
    assert bound is not None
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_invoke_async(caller)
    bound.grant_put_input(caller)
    bound.grant_read_results(reader)
    bucket_id, key_id = _id(stack, bound.bucket), _id(stack, bound.encryption_key)
    template = Template.from_stack(stack).to_json()["Resources"]

    def statements(role: iam.Role) -> list:
        return template[_id(stack, role.node.find_child("DefaultPolicy"))]["Properties"]["PolicyDocument"]["Statement"]

    assert statements(caller) == [
        {"Action": "sagemaker:InvokeEndpointAsync", "Effect": "Allow", "Resource": {"Ref": _id(stack, endpoint)}},
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": _object_arn(bucket_id, "input/")},
        {"Action": "kms:GenerateDataKey", "Effect": "Allow", "Resource": {"Fn::GetAtt": [key_id, "Arn"]}},
    ]
    assert statements(reader) == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [_object_arn(bucket_id, "output/"), _object_arn(bucket_id, "failure/")],
        },
        {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": {"Fn::GetAtt": [key_id, "Arn"]}},
    ]


def test_expiration_and_access_logs_of_a_created_bucket(stack: cdk.Stack, model: Model) -> None:
    logs = s3.Bucket(stack, "Logs")
    EndpointConfig(
        stack,
        "Config",
        variants=[_variant(model)],
        async_inference=AsyncInferenceConfig(expiration=cdk.Duration.days(30), server_access_logs_bucket=logs),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 30})]},
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": _id(stack, logs)},
                "LogFilePrefix": "async-inference/",
            },
        },
    )


def test_every_problem_is_reported_at_once(stack: cdk.Stack, model: Model) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Imported", "my-bucket")
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[_variant(model)],
            async_inference=AsyncInferenceConfig(
                bucket=bucket,
                expiration=cdk.Duration.days(3),
                server_access_logs_bucket=bucket,
                input_prefix="/in",
                output_prefix="out/",
                failure_prefix="out/failed/",
                max_concurrent_invocations_per_instance=1001,
                invocation_timeout=cdk.Duration.hours(2),
                request_ttl=cdk.Duration.seconds(30),
            ),
        )
    assert info.value.problems == (
        "async_inference.input_prefix: '/in' is not allowed; expected an S3 key prefix ending in '/' (letters, "
        "digits, !_.*'()- and '/', not starting with '/')",
        "async_inference.encryption_key: None is not allowed with a given bucket that has no key of its own; pass "
        "the KMS key that encrypts the bucket (SageMaker encrypts its outputs with it)",
        "async_inference.expiration: not allowed with a given bucket; its lifecycle rules are yours",
        "async_inference.server_access_logs_bucket: not allowed with a given bucket; its logging is yours",
        "async_inference.max_concurrent_invocations_per_instance: 1001 is not allowed; must be an integer from 1 to 1000",
        "async_inference.invocation_timeout: 2 hours is not allowed; must be whole seconds from 1 s to 3600 s "
        "(InvokeEndpointAsync's InvocationTimeoutSeconds)",
        "async_inference.request_ttl: 30 seconds is not allowed; must be whole seconds from 60 s to 21600 s "
        "(InvokeEndpointAsync's RequestTTLSeconds)",
    )
    assert str(info.value).startswith("Invalid production variants: 7 problem(s)")


@pytest.mark.parametrize(
    ("prefixes", "message"),
    [
        (
            {"output_prefix": "out/", "failure_prefix": "out/failed/"},
            "async_inference.output_prefix: 'out/' is not allowed; it overlaps failure_prefix ('out/failed/'): each "
            "prefix is granted to different principals, so none may contain another",
        ),
        (
            {"input_prefix": "requests/in/"},
            "async_inference.input_prefix: 'requests/in/' is not allowed; it overlaps the front door's request "
            "records ('requests/'): each prefix is granted to different principals, so none may contain another",
        ),
    ],
    ids=["output-contains-failure", "input-inside-request-records"],
)
def test_prefixes_may_not_overlap(stack: cdk.Stack, model: Model, prefixes: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[_variant(model)],
            async_inference=AsyncInferenceConfig(**prefixes),  # type: ignore[arg-type]
        )
    assert info.value.problems == (message,)


def test_expiration_must_be_whole_days(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(
        ValidationError,
        match=r"async_inference.expiration: 1 day 12 hours is not allowed; expected whole days, at least 1",
    ):
        EndpointConfig(
            stack,
            "Config",
            variants=[_variant(model)],
            async_inference=AsyncInferenceConfig(expiration=cdk.Duration.hours(36)),
        )


def test_serverless_variants_are_refused(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(
            stack,
            "Config",
            variants=[ServerlessVariant(name="s", model=model)],
            async_inference=AsyncInferenceConfig(),
        )
    assert info.value.problems == (
        "async_inference: ServerlessVariant 's' is not allowed; asynchronous inference runs on instance variants "
        "(it queues requests for their instances and scales their count, down to zero): use an InstanceVariant",
    )
    assert stack.node.try_find_child("Config") is None or not stack.node.find_child("Config").node.children


def test_a_wrong_type_is_refused(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(
        ValidationError, match=r"async_inference: \{'bucket': 'b'\} is not allowed; expected an AsyncInferenceConfig"
    ):
        EndpointConfig(stack, "Config", variants=[_variant(model)], async_inference={"bucket": "b"})  # type: ignore[arg-type]


def test_a_real_time_config_has_no_async_resources(stack: cdk.Stack, model: Model) -> None:
    config = EndpointConfig(stack, "Config", variants=[_variant(model)])
    assert config.async_inference is None and not config.is_async
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.has_resource_properties("AWS::SageMaker::EndpointConfig", {"AsyncInferenceConfig": Match.absent()})
