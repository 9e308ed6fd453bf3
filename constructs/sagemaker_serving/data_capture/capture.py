"""What an endpoint config captures and how it renders: :class:`DataCapture` and :class:`BoundDataCapture`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_serving.compliance import acknowledge, nag_resource
from sagemaker_serving.data_capture.destinations import CaptureBucket, CaptureDestination, CaptureDestinationBinding
from sagemaker_serving.data_capture.validation import (
    MAX_PREFIX_LENGTH,
    content_type_problems,
    int_problem,
    valid_prefix,
)
from sagemaker_serving.variants import ServerlessVariant

if TYPE_CHECKING:
    from sagemaker_serving.model import ModelBase
    from sagemaker_serving.variants import Variant

#: Characters an S3 key should not carry (outside the "safe characters" of the S3 object key naming rules).
_UNSAFE = re.compile(r"[^a-zA-Z0-9!_.*'()/-]+")


@dataclass(frozen=True, kw_only=True)
class DataCapture:
    """Capture a sample of an endpoint's requests and/or answers to S3, for retraining and debugging.

    Example: ``EndpointConfig(..., data_capture=DataCapture(sampling_percentage=10))`` captures one
    request and answer in ten, as JSON Lines, in a new secure bucket kept for a year.
    """

    #: Percentage of requests captured (0-100, ``InitialSamplingPercentage``). Default 20, the SageMaker
    #: Python SDK's default; the API reference recommends a lower value for endpoints with high traffic.
    sampling_percentage: int = 20
    #: Capture what callers send (``Input``). Default ``True``.
    capture_request: bool = True
    #: Capture what the model answers (``Output``). Default ``True``; at least one of the two.
    capture_response: bool = True
    #: Content types captured as JSON text (up to 10). Default ``application/json``.
    json_content_types: tuple[str, ...] = ("application/json",)
    #: Content types captured as CSV text (up to 10). Default ``text/csv``. Any other content type is
    #: captured base64-encoded; both empty leaves the header out (everything base64).
    csv_content_types: tuple[str, ...] = ("text/csv",)
    #: Where to write. Default :class:`CaptureBucket` ``()``: a new secure bucket.
    destination: CaptureDestination = field(default_factory=CaptureBucket)
    #: Key prefix in the bucket, one per endpoint config (SageMaker adds endpoint and variant names below it).
    #: Default ``data-capture/<the endpoint config's construct path>``.
    prefix: str | None = None

    def problems(self, where: str, variants: Sequence[Variant]) -> list[str]:
        """Every rule broken, prefixed with ``where`` (``data_capture``), including the variants' kind."""
        problems = int_problem(f"{where}.sampling_percentage", self.sampling_percentage, 0, 100)
        if not (self.capture_request or self.capture_response):
            problems.append(
                f"{where}.capture_request/capture_response: both False is not allowed; capture the request, "
                "the response or both"
            )
        for name in ("json_content_types", "csv_content_types"):
            problems += content_type_problems(f"{where}.{name}", getattr(self, name))
        prefix = self.prefix
        if prefix is not None and not cdk.Token.is_unresolved(prefix) and not valid_prefix(prefix):
            problems.append(
                f"{where}.prefix: {self.prefix!r} is not allowed; expected 1-{MAX_PREFIX_LENGTH} characters of "
                "letters, digits and !_.*'()- in /-separated parts, without a leading or trailing /"
            )
        if isinstance(self.destination, CaptureDestination):
            problems += self.destination.problems(f"{where}.destination")
        else:
            problems.append(
                f"{where}.destination: {self.destination!r} is not allowed; expected CaptureBucket or "
                "ExistingCaptureBucket"
            )
        serverless = [v.name for v in variants if isinstance(v, ServerlessVariant)]
        if serverless:
            problems.append(
                f"{where}: not allowed with ServerlessVariant {serverless!r}; Serverless Inference does not "
                "support data capture (use an InstanceVariant, or leave data_capture out)"
            )
        return problems

    def bind(self, scope: Construct, variants: Sequence[Variant]) -> BoundDataCapture:
        """Create the destination and the write policy under ``scope`` (the endpoint config).

        See :mod:`sagemaker_serving.data_capture` for who writes and what is refused.
        """
        home = Construct(scope, "DataCapture")
        destination = self.destination.bind(home)
        prefix = self.prefix if self.prefix is not None else default_prefix(scope)
        bound = BoundDataCapture(home, capture=self, destination=destination, prefix=prefix)
        for variant in variants:
            bound.grant_write(variant.model)
        return bound


def default_prefix(scope: Construct) -> str:
    """``data-capture/<construct path>``, with characters S3 keys should not carry replaced by ``-``."""
    return "data-capture/" + _UNSAFE.sub("-", scope.node.path).strip("/")


class BoundDataCapture:
    """The data capture of one endpoint config: its destination, its write policy and the rendered property.

    Attributes: ``scope`` (the ``DataCapture`` construct under the endpoint config), ``capture`` (the
    :class:`DataCapture`), ``bucket``, ``encryption_key``, ``access_log_bucket``
    (``None`` for an existing bucket), ``prefix``, ``destination_uri`` (``s3://<bucket>/<prefix>``),
    ``write_policy`` (the managed policy on the models' roles) and ``property`` (the CloudFormation
    ``DataCaptureConfig``).
    """

    def __init__(
        self, home: Construct, *, capture: DataCapture, destination: CaptureDestinationBinding, prefix: str
    ) -> None:
        """Not created directly: :meth:`DataCapture.bind` makes one per endpoint config, under ``home``."""
        self.scope = home
        self.capture = capture
        self.bucket = destination.bucket
        self.encryption_key = destination.encryption_key
        self.access_log_bucket = destination.access_log_bucket
        self.prefix = prefix
        self.destination_uri = f"s3://{self.bucket.bucket_name}/{prefix}"
        self._granted: set[int] = set()
        self.write_policy = iam.ManagedPolicy(
            home,
            "WritePolicy",
            description="SageMaker data capture: write captured requests and answers under one prefix",
            statements=[
                iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{prefix}/*")]),
                iam.PolicyStatement(
                    actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[self.encryption_key.key_arn]
                ),
            ],
        )
        acknowledge(
            self.write_policy,
            [f"AwsSolutions-IAM5[Resource::{nag_resource(home, self.bucket.arn_for_objects(f'{prefix}/*'))}]"],
            "SageMaker names each capture object itself (<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/<file>.jsonl) "
            "and the endpoint's name is generated after this policy, so only the endpoint config's own prefix "
            "can be named; s3:PutObject is the only action.",
        )
        self.property = sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            initial_sampling_percentage=capture.sampling_percentage,
            destination_s3_uri=self.destination_uri,
            kms_key_id=self.encryption_key.key_arn,
            capture_options=[
                sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=mode)
                for mode, on in (("Input", capture.capture_request), ("Output", capture.capture_response))
                if on
            ],
            capture_content_type_header=(
                sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                    json_content_types=list(capture.json_content_types) or None,
                    csv_content_types=list(capture.csv_content_types) or None,
                )
                if capture.json_content_types or capture.csv_content_types
                else None
            ),
        )

    def grant_write(self, model: ModelBase) -> None:
        """Attach the write policy to ``model``'s execution role (once per role; a warning if it has none)."""
        role = model.role
        if role is None:
            cdk.Annotations.of(model).add_warning_v2(
                "sagemaker-serving:dataCaptureRole",
                "This model was imported without its execution role, which SageMaker uses to write captured "
                "data: grant it s3:PutObject on the capture prefix and kms:GenerateDataKey on the key yourself.",
            )
            return
        if id(role) not in self._granted:
            self._granted.add(id(role))
            self.write_policy.attach_to_role(role)
