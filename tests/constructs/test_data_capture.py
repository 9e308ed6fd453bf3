"""DataCapture on an EndpointConfig: rendering, the secure bucket, least-privilege grants, every rule."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from sagemaker_serving import (
    CaptureBucket,
    ContainerImage,
    DataCapture,
    EndpointConfig,
    ExistingCaptureBucket,
    InstanceVariant,
    Model,
    ModelData,
    ServerlessVariant,
    ValidationError,
)


@pytest.fixture
def model(stack: cdk.Stack) -> Model:
    return Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))


def _config(stack: cdk.Stack, model: Model, capture: DataCapture, **kwargs: object) -> EndpointConfig:
    variant = InstanceVariant(name="a", model=model, instance_type="ml.m5.large")
    return EndpointConfig(stack, "Config", variants=[variant], data_capture=capture, **kwargs)  # type: ignore[arg-type]


def _id(stack: cdk.Stack, construct: object) -> str:
    return stack.get_logical_id(construct.node.default_child)  # type: ignore[attr-defined]


def test_defaults_render_capture_of_both_directions_into_a_new_secure_bucket(stack: cdk.Stack, model: Model) -> None:
    config = _config(stack, model, DataCapture())
    bound = config.data_capture
    assert bound is not None and bound.prefix == "data-capture/TestStack/Config"
    bucket, key = _id(stack, bound.bucket), _id(stack, bound.encryption_key)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "InitialSamplingPercentage": 20,
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"], "CsvContentTypes": ["text/csv"]},
                "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": bucket}, "/data-capture/TestStack/Config"]]},
                "KmsKeyId": {"Fn::GetAtt": [key, "Arn"]},
            }
        },
    )
    template.has_resource("AWS::SageMaker::EndpointConfig", {"DependsOn": [_id(stack, bound.write_policy)]})
    template.has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "Description": Match.string_like_regexp("data captured")}
    )
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]},
                            },
                        }
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LoggingConfiguration": {
                    "DestinationBucketName": {"Ref": _id(stack, bound.access_log_bucket)},
                    "LogFilePrefix": "capture-bucket/",
                },
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Status": "Enabled",
                            "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
                            "ExpirationInDays": 365,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                },
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        Match.object_like({"Effect": "Deny", "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}),
                    ]
                )
            },
        },
    )
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_write_policy_is_put_object_on_the_prefix_and_the_key_only_on_the_models_role(
    stack: cdk.Stack, model: Model
) -> None:
    config = _config(stack, model, DataCapture(prefix="capture/fraud"))
    bound = config.data_capture
    assert bound is not None
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Roles": [{"Ref": _id(stack, model.role)}],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "s3:PutObject",
                        "Effect": "Allow",
                        "Resource": {
                            "Fn::Join": ["", [{"Fn::GetAtt": [_id(stack, bound.bucket), "Arn"]}, "/capture/fraud/*"]]
                        },
                    },
                    {
                        "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [_id(stack, bound.encryption_key), "Arn"]},
                    },
                ]
            },
        },
    )


def test_every_variants_model_role_is_granted_once(stack: cdk.Stack, model: Model) -> None:
    other = Model(stack, "Other", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/o.tar.gz"))
    config = EndpointConfig(
        stack,
        "Config",
        variants=[
            InstanceVariant(name="a", model=model, instance_type="ml.m5.large"),
            InstanceVariant(name="b", model=model, instance_type="ml.m5.large"),
        ],
        data_capture=DataCapture(),
    )
    config.add_variant(InstanceVariant(name="c", model=other, instance_type="ml.m5.large"))
    policy = Template.from_stack(stack).find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("data capture")}}
    )
    (props,) = [p["Properties"] for p in policy.values()]
    assert props["Roles"] == [{"Ref": _id(stack, model.role)}, {"Ref": _id(stack, other.role)}]


def test_options_request_only_csv_only_and_no_header(stack: cdk.Stack, model: Model) -> None:
    _config(stack, model, DataCapture(sampling_percentage=100, capture_response=False, json_content_types=()))
    other = cdk.Stack(cdk.App(), "Other")
    other_model = Model(
        other, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz")
    )
    _config(other, other_model, DataCapture(capture_request=False, json_content_types=(), csv_content_types=()))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "InitialSamplingPercentage": 100,
                "CaptureOptions": [{"CaptureMode": "Input"}],
                "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": Match.absent()},
            }
        },
    )
    Template.from_stack(other).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "CaptureOptions": [{"CaptureMode": "Output"}],
                "CaptureContentTypeHeader": Match.absent(),
            }
        },
    )


def test_bucket_options_lifecycle_and_destroy_on_delete(stack: cdk.Stack, model: Model) -> None:
    capture = DataCapture(
        destination=CaptureBucket(
            retention_days=90,
            transition_after_days=60,
            transition_storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
            destroy_on_delete=True,
        )
    )
    _config(stack, model, capture)
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Delete",
            "Properties": {
                "LifecycleConfiguration": {
                    "Rules": [
                        Match.object_like(
                            {
                                "Transitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 60}],
                                "ExpirationInDays": 90,
                            }
                        )
                    ]
                }
            },
        },
    )
    template.resource_count_is("Custom::S3AutoDeleteObjects", 2)  # the capture bucket and its log bucket
    template.has_resource(
        "AWS::KMS::Key",
        {"DeletionPolicy": "Delete", "Properties": {"Description": Match.string_like_regexp("data captured")}},
    )


def test_no_transition(stack: cdk.Stack, model: Model) -> None:
    _config(stack, model, DataCapture(destination=CaptureBucket(transition_after_days=None, retention_days=7)))
    rules = [
        r
        for b in Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
        for r in b["Properties"]["LifecycleConfiguration"]["Rules"]
    ]
    assert all("Transitions" not in r and r["ExpirationInDays"] == 7 for r in rules)


def test_existing_bucket_and_key_are_used_and_nothing_is_created(stack: cdk.Stack, model: Model) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Mine", "my-capture-bucket")
    key = kms.Key.from_key_arn(
        stack, "MyKey", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    config = _config(stack, model, DataCapture(destination=ExistingCaptureBucket(bucket=bucket, encryption_key=key)))
    assert config.data_capture is not None and config.data_capture.access_log_bucket is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "DestinationS3Uri": "s3://my-capture-bucket/data-capture/TestStack/Config",
                "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": "s3:PutObject",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        ":s3:::my-capture-bucket/data-capture/TestStack/Config/*",
                                    ],
                                ]
                            },
                        }
                    ),
                    Match.object_like(
                        {"Resource": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
                    ),
                ]
            }
        },
    )


def test_imported_model_without_role_gets_a_warning(stack: cdk.Stack) -> None:
    imported = Model.from_model_name(stack, "Imported", "my-model")
    _config(stack, imported, DataCapture())  # type: ignore[arg-type]
    warnings = [m for m in stack.node.find_all() for m in m.node.metadata if m.type == "aws:cdk:warning"]
    assert any("imported without its execution role" in str(w.data) for w in warnings)


def test_imported_model_with_role_is_granted(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111122223333:role/model-role")
    imported = Model.from_model_attributes(
        stack, "Imported", model_arn="arn:aws:sagemaker:eu-west-1:111122223333:model/m", role=role
    )
    _config(stack, imported, DataCapture())  # type: ignore[arg-type]
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"Roles": ["model-role"], "Description": Match.string_like_regexp("data capture")}
    )


def test_serverless_variant_refuses_data_capture(stack: cdk.Stack, model: Model) -> None:
    with pytest.raises(ValidationError) as info:
        EndpointConfig(stack, "Config", variants=[ServerlessVariant(name="s", model=model)], data_capture=DataCapture())
    assert info.value.problems == (
        "data_capture: not allowed with ServerlessVariant ['s']; Serverless Inference does not support data capture "
        "(use an InstanceVariant, or leave data_capture out)",
    )
    assert stack.node.try_find_child("Config") is not None  # nothing of the capture was created
    assert stack.node.find_child("Config").node.try_find_child("DataCapture") is None


def test_every_rule_is_reported_at_once_with_field_value_and_allowed(stack: cdk.Stack, model: Model) -> None:
    capture = DataCapture(
        sampling_percentage=101,
        capture_request=False,
        capture_response=False,
        json_content_types=("json",),
        csv_content_types=tuple(f"text/c{i}" for i in range(11)),
        prefix="/bad prefix/",
        destination=CaptureBucket(retention_days=0, transition_after_days=10, destroy_on_delete="yes"),  # type: ignore[arg-type]
    )
    with pytest.raises(ValidationError) as info:
        _config(stack, model, capture)
    assert info.value.problems == (
        "data_capture.sampling_percentage: 101 is not allowed; must be an integer from 0 to 100",
        "data_capture.capture_request/capture_response: both False is not allowed; capture the request, the response or both",
        "data_capture.json_content_types[0]: 'json' is not allowed; expected a content type such as 'application/json' (type/subtype, at most 256 characters)",
        "data_capture.csv_content_types: 11 given is not allowed; at most 10",
        "data_capture.prefix: '/bad prefix/' is not allowed; expected 1-443 characters of letters, digits and !_.*'()- in /-separated parts, without a leading or trailing /",
        "data_capture.destination.retention_days: 0 is not allowed; must be an integer >= 1",
        "data_capture.destination.transition_after_days: 10 is not allowed; must be an integer >= 30 (S3 moves objects to STANDARD_IA only after 30 days in S3 Standard)",
        "data_capture.destination.destroy_on_delete: 'yes' is not allowed; expected a bool",
    )


def test_transition_must_come_before_expiry_and_destination_must_be_a_destination(
    stack: cdk.Stack, model: Model
) -> None:
    with pytest.raises(ValidationError) as info:
        _config(stack, model, DataCapture(destination=CaptureBucket(retention_days=30, transition_after_days=30)))
    assert info.value.problems == (
        "data_capture.destination.transition_after_days: 30 is not allowed; must be less than retention_days 30 "
        "(objects would expire before they move)",
    )
    with pytest.raises(
        ValidationError,
        match=r"data_capture.destination: 's3://b' is not allowed; expected CaptureBucket or ExistingCaptureBucket",
    ):
        EndpointConfig(
            stack,
            "Other",
            variants=[InstanceVariant(name="a", model=model, instance_type="ml.m5.large")],
            data_capture=DataCapture(destination="s3://b"),  # type: ignore[arg-type]
        )


def test_adding_a_serverless_variant_later_is_refused(stack: cdk.Stack, model: Model) -> None:
    config = _config(stack, model, DataCapture())
    with pytest.raises(ValidationError, match=r"data_capture: not allowed with ServerlessVariant \['s'\]"):
        config.add_variant(ServerlessVariant(name="s", model=model))


def test_capture_resources_pass_the_nag_packs() -> None:
    from app import cli_context, nag_packs

    app = cdk.App(context=cli_context())
    stack = cdk.Stack(app, "Nag")
    model = Model(stack, "Model", image=ContainerImage.sklearn(), model_data=ModelData.from_s3_url("s3://b/m.tar.gz"))
    _config(stack, model, DataCapture(destination=CaptureBucket(destroy_on_delete=True)))
    findings = [
        f"{v.rule_name} at {r.construct_path}"
        for pack in nag_packs()
        for v in pack.validate_scope(app).violations
        for r in v.violating_resources
    ]
    assert findings == []
