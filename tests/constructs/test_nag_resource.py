"""``compliance.nag_resource``: a resource written as cdk-nag 3 writes it in an IAM5 finding's ``Resource::`` part."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from sagemaker_serving.compliance import flatten_cfn_reference, nag_resource


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"),
        ({"Ref": "Bucket83908E77"}, "<Bucket83908E77>"),
        ({"Ref": "AWS::Partition"}, "<AWS::Partition>"),
        ({"Fn::GetAtt": ["Bucket83908E77", "Arn"]}, "<Bucket83908E77.Arn>"),
        (
            {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket83908E77", "Arn"]}, "/capture/*"]]},
            "<Bucket83908E77.Arn>/capture/*",
        ),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/*"}, "arn:<AWS::Partition>:s3:::b/*"),
        ({"Fn::ImportValue": "SharedBucketArn"}, "SharedBucketArn"),
        ({"Fn::Select": [0, ["a", "b"]]}, '{"Fn::Select":[0,["a","b"]]}'),  # anything else: its JSON
        (None, ""),
    ],
)
def test_flatten_is_cdk_nags(value: object, expected: str) -> None:
    assert flatten_cfn_reference(value) == expected


def test_nag_resource_resolves_tokens_first() -> None:
    stack = cdk.Stack()
    bucket = s3.Bucket(stack, "Bucket")
    logical_id = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]

    assert nag_resource(stack, bucket.arn_for_objects("capture/*")) == f"<{logical_id}.Arn>/capture/*"
