"""Data capture for retraining: what an endpoint config records of its requests and answers, and where.

:class:`DataCapture` is a value object bound into an :class:`~sagemaker_serving.EndpointConfig`
(``EndpointConfig(..., data_capture=DataCapture(...))``). It renders the endpoint config's
``DataCaptureConfig`` (CloudFormation ``AWS::SageMaker::EndpointConfig`` DataCaptureConfig:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-endpointconfig-datacaptureconfig.html,
API: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfig.html) and creates
or uses its destination: a :class:`CaptureBucket` (created, secure by default) or an
:class:`ExistingCaptureBucket` (yours, with its KMS key). A choice of destination is an object with a
``bind()``, not a flag.

SageMaker writes one JSON Lines object per batch of captured requests under
``s3://<bucket>/<prefix>/<endpoint name>/<variant name>/<yyyy>/<mm>/<dd>/<hh>/``
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html). Capture is
asynchronous (it adds no latency), and SageMaker stops capturing while an instance's disk is more than
about 75% full: the monitoring's disk alarm (:class:`~sagemaker_serving.monitoring.AlarmThresholds`)
defaults to that level.

**Who writes.** SageMaker writes captured data with the execution role of the variant's model (the
``ExecutionRoleArn`` of ``CreateModel``, the role it assumes "for deployment on ML compute
instances"; the endpoint config here has no role of its own). So the roles of exactly the models the
variants serve get ``s3:PutObject`` on ``<prefix>/*`` of the bucket and ``kms:GenerateDataKey`` /
``kms:Encrypt`` on its key, in one managed policy (``write_policy``) that the endpoint config depends
on, so it is attached before any endpoint can capture. The models' own execution policies are left as
they are. A model imported without its role cannot be granted: a synth warning says so.

**Serverless variants** cannot capture: Serverless Inference lists data capture among its feature
exclusions (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions),
so a config with a serverless variant refuses a ``DataCapture`` with a :class:`ValidationError`.
"""

from __future__ import annotations

from sagemaker_serving.compliance import nag_resource
from sagemaker_serving.data_capture.capture import BoundDataCapture, DataCapture, default_prefix
from sagemaker_serving.data_capture.destinations import (
    CaptureBucket,
    CaptureDestination,
    CaptureDestinationBinding,
    ExistingCaptureBucket,
)
from sagemaker_serving.data_capture.validation import CONTENT_TYPE, MAX_CONTENT_TYPES, MAX_PREFIX_LENGTH

__all__ = [
    "CONTENT_TYPE",
    "MAX_CONTENT_TYPES",
    "MAX_PREFIX_LENGTH",
    "BoundDataCapture",
    "CaptureBucket",
    "CaptureDestination",
    "CaptureDestinationBinding",
    "DataCapture",
    "ExistingCaptureBucket",
    "default_prefix",
    "nag_resource",
]
