"""How a transform job reads, batches and writes records: :class:`TransformOptions` and its rules.

Allowed values and limits are those of the ``CreateTransformJob`` API
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html, and the
``sagemaker`` service model of botocore):

- ``SplitType``: ``None | Line | RecordIO | TFRecord``; ``BatchStrategy``: ``MultiRecord | SingleRecord``,
  and only with a ``SplitType`` other than ``None`` ("To enable the batch strategy, you must set the
  SplitType property to Line, RecordIO, or TFRecord");
- ``AssembleWith``: ``None | Line``; ``JoinSource``: ``None | Input``; ``CompressionType``: ``None | Gzip``;
- ``MaxPayloadInMB``: 0 to 100 ("cannot be greater than 100 MB"; 0 streams with HTTP chunked encoding,
  for containers that support it), and ``MaxConcurrentTransforms × MaxPayloadInMB`` at most 100;
- ``MaxConcurrentTransforms``: ≥ 0 (0 or unset: SageMaker asks the container's execution-parameters,
  else 1 request at a time per instance);
- ``ModelClientConfig``: ``InvocationsTimeoutInSeconds`` 1 to 3600, ``InvocationsMaxRetries`` 0 to 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SplitType = Literal["None", "Line", "RecordIO", "TFRecord"]
BatchStrategy = Literal["MultiRecord", "SingleRecord"]
AssembleWith = Literal["None", "Line"]
JoinSource = Literal["None", "Input"]
CompressionType = Literal["None", "Gzip"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "split_type": ("None", "Line", "RecordIO", "TFRecord"),
    "batch_strategy": ("MultiRecord", "SingleRecord"),
    "assemble_with": ("None", "Line"),
    "join_source": ("None", "Input"),
    "compression": ("None", "Gzip"),
}
MAX_PAYLOAD_MB = 100
JSON_LINES = "application/jsonlines"


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class TransformOptions:
    """How the transform job splits its input into requests and assembles the predictions.

    The defaults suit a model that answers JSON Lines: one record per line in, one prediction per
    line out, as many records per request as fit in 6 MB.
    """

    #: MIME type of the input records. Default ``application/jsonlines``.
    content_type: str = JSON_LINES
    #: MIME type the model answers with. Default ``application/jsonlines``.
    accept: str = JSON_LINES
    #: How an input file is cut into records. Default ``Line``.
    split_type: SplitType = "Line"
    #: One record per request or as many as fit in ``max_payload_mb``. Default ``MultiRecord``.
    batch_strategy: BatchStrategy | None = "MultiRecord"
    #: How predictions of a file are put together: ``Line`` writes one per line. Default ``Line``.
    assemble_with: AssembleWith = "Line"
    #: ``Input`` writes each prediction joined to its input record (JSON or CSV). Default ``None``.
    join_source: JoinSource = "None"
    #: ``Gzip`` when the input files are compressed. Default ``None``.
    compression: CompressionType = "None"
    #: Largest request, in MB (0-100; 0 streams). Default 6 (SageMaker's).
    max_payload_mb: int = 6
    #: Parallel requests per instance (≥ 0). Default: unset (the container's execution-parameters, else 1).
    max_concurrent_transforms: int | None = None
    #: Time one request may take, in seconds (1-3600). Default: unset (SageMaker's default).
    invocation_timeout_seconds: int | None = None
    #: Retries of a failed request (0-3). Default: unset (SageMaker's default).
    invocation_max_retries: int | None = None

    def problems(self, where: str = "transform") -> list[str]:
        """Every rule these options break, each prefixed with ``where``."""
        problems = []
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value is None and name == "batch_strategy":
                continue
            if value not in allowed:
                problems.append(f"{where}.{name}: {value!r} is not allowed; expected one of {', '.join(allowed)}")
        if self.batch_strategy is not None and self.split_type == "None":
            problems.append(
                f"{where}.batch_strategy: {self.batch_strategy!r} needs split_type Line, RecordIO or TFRecord, "
                "not 'None' (CreateTransformJob: the batch strategy works on split records); unset batch_strategy "
                "to send whole files"
            )
        for name in ("content_type", "accept"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or len(value) > 256:
                problems.append(f"{where}.{name}: {value!r} is not allowed; expected a MIME type of 1-256 characters")
        payload, concurrent = self.max_payload_mb, self.max_concurrent_transforms
        payload_ok = _int(payload) and 0 <= payload <= MAX_PAYLOAD_MB
        if not payload_ok:
            problems.append(f"{where}.max_payload_mb: {payload!r} is not allowed; must be an integer from 0 to 100")
        if concurrent is not None and (not _int(concurrent) or concurrent < 0):
            problems.append(
                f"{where}.max_concurrent_transforms: {concurrent!r} is not allowed; must be an integer >= 0"
            )
        elif payload_ok and _int(concurrent) and concurrent * payload > MAX_PAYLOAD_MB:  # type: ignore[operator]
            problems.append(
                f"{where}.max_concurrent_transforms × max_payload_mb: {concurrent} × {payload} = "
                f"{concurrent * payload} MB is not allowed; must be at most 100 MB"  # type: ignore[operator]
            )
        timeout, retries = self.invocation_timeout_seconds, self.invocation_max_retries
        if timeout is not None and (not _int(timeout) or not 1 <= timeout <= 3600):
            problems.append(
                f"{where}.invocation_timeout_seconds: {timeout!r} is not allowed; must be an integer from 1 to 3600"
            )
        if retries is not None and (not _int(retries) or not 0 <= retries <= 3):
            problems.append(
                f"{where}.invocation_max_retries: {retries!r} is not allowed; must be an integer from 0 to 3"
            )
        return problems

    def writes_json_lines(self) -> bool:
        """Whether the output is one JSON document per line (what prediction loading reads)."""
        return self.assemble_with == "Line" and self.accept == JSON_LINES

    def render(self) -> dict[str, Any]:
        """The job-wide ``CreateTransformJob`` parameters these options set (not input/output)."""
        rendered: dict[str, Any] = {"MaxPayloadInMB": self.max_payload_mb}
        if self.batch_strategy is not None:
            rendered["BatchStrategy"] = self.batch_strategy
        if self.max_concurrent_transforms is not None:
            rendered["MaxConcurrentTransforms"] = self.max_concurrent_transforms
        client: dict[str, Any] = {}
        if self.invocation_timeout_seconds is not None:
            client["InvocationsTimeoutInSeconds"] = self.invocation_timeout_seconds
        if self.invocation_max_retries is not None:
            client["InvocationsMaxRetries"] = self.invocation_max_retries
        if client:
            rendered["ModelClientConfig"] = client
        if self.join_source != "None":
            rendered["DataProcessing"] = {"JoinSource": self.join_source}
        return rendered
