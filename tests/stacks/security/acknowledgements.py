"""The reviewed cdk-nag acknowledgements: the enforced copy of docs/security.md's tables.

A suppression that a stack brings must be listed here, so it shows up in review: per reference
environment (``EXPECTED_ACKNOWLEDGEMENTS``, checked exactly on the pinned reference configuration),
per option no reference environment uses (``OPTION_ACKNOWLEDGEMENTS``, ``BATCH_ACKNOWLEDGEMENTS``), and
all of them together as ``REVIEWED``, which any configuration's suppressions must come from
(tests/stacks/security/test_nag.py). ``review_key`` and ``reviewed_key`` spell a found suppression as
these tables do.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# Expected acknowledgements (cdk-nag 3 suppressions). A new one must be added here, so it shows up
# in review. Keyed by (construct path without the stack name, rule id); the value is the start of
# the reason, which must be specific. "<stack>" entries are set by aws-cdk-lib itself.
# ---------------------------------------------------------------------------------------------
_LOGS = "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/Endpoints/*"
_ENI = "arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*"
_MODEL_POLICY = {
    "AwsSolutions-IAM5[Resource::*]": "Resource '*' only for actions AWS defines without resource-level",
    f"AwsSolutions-IAM5[Resource::{_LOGS}]": "SageMaker writes container logs to /aws/sagemaker/Endpoints/",
    f"AwsSolutions-IAM5[Resource::{_LOGS}:log-stream:*]": "SageMaker writes container logs to /aws/sagemaker/",
}
_MODEL_POLICY_IN_VPC = {
    **_MODEL_POLICY,
    f"AwsSolutions-IAM5[Resource::{_ENI}]": "SageMaker creates the model's network",
}
_VPC = {
    "HIPAA.Security-VPCDefaultSecurityGroupClosed": "Nothing is placed in the default security group",
    "NIST.800.53.R5-VPCDefaultSecurityGroupClosed": "Nothing is placed in the default security group",
}
_CDK_VPC_AZS = {"CloudFormation-Validate::W3010": "Literal AZs in template are the result of accessing"}
_SERVERLESS_CONFIG = {
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured": "No ML storage volume to encrypt",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured": "No ML storage volume to encrypt",
}
# The front door (front_door.py): the same in every environment unless noted.
_FD_FUNCTION = {
    "HIPAA.Security-LambdaDLQ": "API Gateway invokes the function synchronously",
    "NIST.800.53.R5-LambdaDLQ": "API Gateway invokes the function synchronously",
    "AwsSolutions-L1": "Python 3.12 on purpose: the AWS-published Powertools layer",
    "HIPAA.Security-LambdaConcurrency": "No reserved concurrency by default",
    "NIST.800.53.R5-LambdaConcurrency": "No reserved concurrency by default",
}
_FD_FUNCTION_NO_VPC = {
    "HIPAA.Security-LambdaInsideVPC": "No VPC configured for this front door",
    "NIST.800.53.R5-LambdaInsideVPC": "No VPC configured for this front door",
}
_FD_FUNCTION_POLICY = {
    "HIPAA.Security-IAMNoInlinePolicy": "The function role's grants",
    "NIST.800.53.R5-IAMNoInlinePolicy": "The function role's grants",
    "AwsSolutions-IAM5[Resource::*]": "Resource '*' only for actions AWS defines without resource-level",
}
_FD_FUNCTION_POLICY_IN_VPC = {
    **_FD_FUNCTION_POLICY,
    f"AwsSolutions-IAM5[Resource::{_ENI}]": "Lambda creates the function's network interfaces",
}
_FD_STAGE = {
    "HIPAA.Security-APIGWSSLEnabled": "The backend is not an HTTP endpoint",
    "NIST.800.53.R5-APIGWSSLEnabled": "The backend is not an HTTP endpoint",
    "HIPAA.Security-APIGWCacheEnabledAndEncrypted": "Inference responses must not be cached",
    "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted": "Inference responses must not be cached",
}
_FD_STAGE_NO_WAF = {
    **_FD_STAGE,
    "NIST.800.53.R5-APIGWAssociatedWithWAF": "No WAF configured for this front door",
    "AwsSolutions-APIG3": "No WAF configured for this front door",
}
_FD_WAF = {
    "HIPAA.Security-WAFv2LoggingEnabled": "WAF full request logs would record every request's headers",
    "NIST.800.53.R5-WAFv2LoggingEnabled": "WAF full request logs would record every request's headers",
}
_APIGW_CW_ROLE = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
        "The account's API Gateway CloudWatch role"
    ),
}
_FD_METHODS = ("invocations/POST", "variants/{variant}/invocations/POST", "health/GET")
_FD_STAGE_PATH = "FrontDoor/Api/DeploymentStage.v1/Resource"


def _front_door(*, in_vpc: bool, waf: bool, method_rules: dict[str, str]) -> dict[tuple[str, str], str]:
    function = {**_FD_FUNCTION, **({} if in_vpc else _FD_FUNCTION_NO_VPC)}
    return {
        **{("FrontDoor/Function", r): why for r, why in function.items()},
        **{
            ("FrontDoor/FunctionRole/DefaultPolicy", r): why
            for r, why in (_FD_FUNCTION_POLICY_IN_VPC if in_vpc else _FD_FUNCTION_POLICY).items()
        },
        **{(_FD_STAGE_PATH, r): why for r, why in (_FD_STAGE if waf else _FD_STAGE_NO_WAF).items()},
        **({("FrontDoor/WebAcl", r): why for r, why in _FD_WAF.items()} if waf else {}),
        **{("FrontDoor/Api/CloudWatchRole", r): why for r, why in _APIGW_CW_ROLE.items()},
        **{(f"FrontDoor/Api/Default/{m}", r): why for m in _FD_METHODS for r, why in method_rules.items()},
    }


# Data capture (data_capture/): the capture bucket, its access log bucket and the models' write policy.
_CAPTURE_WRITE = "AwsSolutions-IAM5[Resource::<EndpointConfigDataCaptureBucket62C335C0.Arn>/data-capture/<prefix>/*]"
_DATA_CAPTURE = {
    ("EndpointConfig/DataCapture/AccessLogs", "AwsSolutions-S1"): "This is the server access log bucket",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3BucketLoggingEnabled"): "This is the server access",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3BucketLoggingEnabled"): "This is the server access",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3DefaultEncryptionKMS"): "S3 server access log delivery",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3DefaultEncryptionKMS"): "S3 server access log delivery",
    ("EndpointConfig/DataCapture/AccessLogs", "HIPAA.Security-S3BucketReplicationEnabled"): "Access logs are kept",
    ("EndpointConfig/DataCapture/AccessLogs", "NIST.800.53.R5-S3BucketReplicationEnabled"): "Access logs are kept",
    (
        "EndpointConfig/DataCapture/Bucket",
        "HIPAA.Security-S3BucketReplicationEnabled",
    ): "Captured requests are a sample",
    (
        "EndpointConfig/DataCapture/Bucket",
        "NIST.800.53.R5-S3BucketReplicationEnabled",
    ): "Captured requests are a sample",
    ("EndpointConfig/DataCapture/WritePolicy", _CAPTURE_WRITE): "SageMaker names each capture object itself",
}
_IAM_AUTH = {"AwsSolutions-COG4": "Authorization is IamAuth, not a Cognito user pool"}
_API_KEY_AUTH = {
    "AwsSolutions-COG4": "Authorization is ApiKeyAuth, not a Cognito user pool",
    "AwsSolutions-APIG4": "API key auth: callers are identified by their key",
}
EXPECTED_ACKNOWLEDGEMENTS: dict[str, dict[tuple[str, str], str]] = {
    "dev": {
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY.items()},
        **{("EndpointConfig/Resource", r): why for r, why in _SERVERLESS_CONFIG.items()},
        **_front_door(in_vpc=False, waf=False, method_rules=_IAM_AUTH),
    },
    "staging": {
        **{("<stack>", r): why for r, why in _CDK_VPC_AZS.items()},
        **{("Network/Vpc/Resource", r): why for r, why in _VPC.items()},
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **_front_door(in_vpc=True, waf=False, method_rules=_IAM_AUTH),
        **_DATA_CAPTURE,
    },
    "prod": {
        **{("<stack>", r): why for r, why in _CDK_VPC_AZS.items()},
        **{("Network/Vpc/Resource", r): why for r, why in _VPC.items()},
        **{("ModelChampion/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **{("ModelChallenger/ExecutionPolicy", r): why for r, why in _MODEL_POLICY_IN_VPC.items()},
        **_front_door(in_vpc=True, waf=True, method_rules=_IAM_AUTH),
        **_DATA_CAPTURE,
    },
}


def _model_path(path: str) -> str:
    """``ModelFraudDetector/ExecutionPolicy`` → ``Model*/ExecutionPolicy``: models are named after config keys;
    ``RollbackAlarms/FraudServerErrorRate`` → ``RollbackAlarms/*``: rollback alarms after variant names."""
    if path.startswith("RollbackAlarms/"):
        return "RollbackAlarms/*"
    return "Model*/" + path.split("/", 1)[1] if path.startswith("Model") and "/" in path else path


def review_key(path: str, rule: str) -> tuple[str, str]:
    """(path with ``Model*``, rule with ``<Name*.Arn>`` for a resource's logical ID, e.g. a bucket's)."""
    return _model_path(path), re.sub(r"<([A-Za-z0-9]+?)[0-9A-F]{8}\.Arn>", r"<\1*.Arn>", rule)


#: Acknowledgements of options no reference environment uses, reviewed here; the examples (examples/*.toml,
#: tests/stacks/test_examples.py) and any configuration using the option bring exactly these.
_ASYNC_BUCKET_ARN = "<EndpointConfigAsyncInferenceBucket*.Arn>"
OPTION_ACKNOWLEDGEMENTS: dict[str, dict[tuple[str, str], str]] = {
    "async_inference": {
        **{
            ("EndpointConfig/AsyncInference/Bucket/Resource", r): "No server access logs bucket given"
            for r in (
                "AwsSolutions-S1",
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
            )
        },
        **{
            ("EndpointConfig/AsyncInference/Bucket/Resource", r): "Asynchronous inference requests and results are"
            for r in ("HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled")
        },
        **{
            ("Model*/ExecutionPolicy", f"AwsSolutions-IAM5[Resource::{_ASYNC_BUCKET_ARN}/{p}*]"): (
                "Asynchronous inference: SageMaker reads each request body"
            )
            for p in ("input/", "output/", "failure/")
        },
        **{
            ("FrontDoor/FunctionRole/DefaultPolicy", f"AwsSolutions-IAM5[Resource::{_ASYNC_BUCKET_ARN}/{p}*]"): (
                "Asynchronous front door: each request gets a new inference id"
            )
            for p in ("input/", "output/", "failure/", "requests/")
        },
    },
    # examples/components.toml: the pool's execution role (ComponentEndpointConfig) has the models' grants.
    "inference_components": {("EndpointConfig/ExecutionPolicy", r): why for r, why in _MODEL_POLICY.items()},
}
#: The methods of an option's routes carry the auth's reasons, as the reference environments' methods do.
_ASYNC_METHODS = ("async-invocations/POST", "async-invocations/{inference_id}/GET")
_COMPONENT_METHODS = ("models/{component}/invocations/POST",)

#: Every reviewed acknowledgement of any reference environment or option: (construct path with ``Model*``, rule
#: with ``<Name*.Arn>``) → the reason starts reviewed for it (they differ with the configuration, e.g. the auth).
REVIEWED: dict[tuple[str, str], set[str]] = {}
for _acks in [*EXPECTED_ACKNOWLEDGEMENTS.values(), *OPTION_ACKNOWLEDGEMENTS.values()]:
    for (_path, _rule), _why in _acks.items():
        REVIEWED.setdefault(review_key(_path, _rule), set()).add(_why)
for _method in (*_ASYNC_METHODS, *_COMPONENT_METHODS):  # the options' routes carry the auth's reasons too
    for _rule, _why in [*_IAM_AUTH.items(), *_API_KEY_AUTH.items()]:
        REVIEWED.setdefault((f"FrontDoor/Api/Default/{_method}", _rule), set()).add(_why)

# Batch predictions (sagemaker_serving.batch), in no reference environment: reviewed here, with paths
# and rules normalised by reviewed_key (Batch*/, <id> for logical IDs, <prefix> for key prefixes).
_INLINE = ("HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy")
_SM_POLICY = "The state machine's grants: transform jobs named <job_name_prefix>-*"
_TRIGGERS = "Grants of this state machine's own triggers and distributed maps"
_TRANSFORM_JOBS = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/<prefix>-*"
_EXECUTIONS = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<execution>"
BATCH_ACKNOWLEDGEMENTS: dict[tuple[str, str], str] = {
    (
        "Model*/ExecutionPolicy",
        "AwsSolutions-IAM5[Resource::<id>/<prefix>*]",
    ): "Batch Transform runs as the model's role",
    ("Batch*/StateMachine/Role/DefaultPolicy", f"AwsSolutions-IAM5[Resource::{_TRANSFORM_JOBS}]"): _SM_POLICY,
    ("Batch*/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]"): _SM_POLICY,
    ("Batch*/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<id>/*]"): (
        _SM_POLICY
    ),
    **{("Batch*/StateMachine/Role/DefaultPolicy", r): _SM_POLICY for r in _INLINE},
    **{("Batch*/StateMachine/DistributedMapPolicy", r): _TRIGGERS for r in _INLINE},
    ("Batch*/StateMachine/DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{_EXECUTIONS}:*]"): _TRIGGERS,
    ("Batch*/StateMachine/DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{_EXECUTIONS}/*:*]"): _TRIGGERS,
    **{("Batch*/StateMachine/EventsRole/DefaultPolicy", r): _TRIGGERS for r in _INLINE},
    **{("Batch*/ScheduleRole/DefaultPolicy", r): _TRIGGERS for r in _INLINE},
    **{
        (f"Batch*/{b}/Resource", f"{pack}-S3BucketReplicationEnabled"): "Batch data is recomputable"
        for b in ("Bucket", "AccessLogs")
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
    **{
        ("Batch*/AccessLogs/Resource", f"{pack}-S3DefaultEncryptionKMS"): "Server access logs can be delivered only"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
    **{
        ("Batch*/Table/Resource", f"{pack}-DynamoDBInBackupPlan"): "Predictions are made again by every run"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
    },
}
for (_path, _rule), _why in BATCH_ACKNOWLEDGEMENTS.items():
    REVIEWED.setdefault((_path, _rule), set()).add(_why)


def reviewed_key(path: str, rule: str) -> tuple[str, str]:
    """(path, rule) as REVIEWED spells them: model and batch construct names, logical IDs and prefixes blanked."""
    path = re.sub(r"^Batch[A-Za-z0-9]+/", "Batch*/", _model_path(path))
    rule = re.sub(r"\{\"Fn::Select\".*\}(?=[:/])", "<execution>", rule)
    rule = re.sub(r"<(?!execution>)[A-Za-z0-9]+(\.Arn)?>", "<id>", rule)
    rule = re.sub(r"transform-job/[a-z0-9-]+-\*", "transform-job/<prefix>-*", rule)
    rule = re.sub(r"<id>/[A-Za-z0-9!_.*'()/-]+/\*\]", "<id>/<prefix>*]", rule)
    return path, rule


#: Reviewed for options no reference environment uses: data_capture.destroy_on_delete (CDK's auto-delete provider).
_AUTO_DELETE_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
for _rule in (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AwsSolutions-L1",
    *(
        f"{pack}-{rule}"
        for pack in ("HIPAA.Security", "NIST.800.53.R5")
        for rule in ("LambdaConcurrency", "LambdaDLQ", "LambdaInsideVPC")
    ),
):
    REVIEWED.setdefault((_AUTO_DELETE_PROVIDER, _rule), set()).add("CDK's own auto-delete-objects provider")
