"""Where a model's artifact comes from: an ``s3://`` URL or a local folder packaged as an asset."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagemaker_serving.errors import ValidationError


@dataclass(frozen=True)
class BoundModelData:
    """A model artifact bound to a scope: its URL and the one S3 object a role may read."""

    url: str
    object_arn: str


class ModelData:
    """The model artifact (``model.tar.gz``) a SageMaker model loads.

    Use :meth:`from_s3_url` for an artifact that already exists, or :meth:`from_asset` to package a
    local folder as a gzipped tarball uploaded by ``cdk deploy``.
    """

    def bind(self, scope: Construct) -> BoundModelData:  # pragma: no cover - abstract
        """Return the artifact URL and the single object ARN the execution role may read."""
        raise NotImplementedError

    @staticmethod
    def from_s3_url(url: str) -> ModelData:
        """An artifact at ``s3://bucket/key`` (for example ``s3://my-models/iris/model.tar.gz``).

        Refused with the reason: another scheme or a mistyped one (``s3:/bucket/key``), no bucket,
        no object key (``s3://bucket``) or a folder (``s3://bucket/prefix/``).
        """
        return _S3ModelData(url)

    @staticmethod
    def from_asset(path: str | os.PathLike[str]) -> ModelData:
        """A local folder (or an existing ``.tar.gz`` file) packaged as a CDK file asset.

        A folder is archived into a deterministic ``model.tar.gz`` (sorted entries, zeroed times and
        owners), so the asset hash changes only when the files do.
        """
        return _AssetModelData(Path(path))


_S3_FORM = "s3://<bucket>/<key of a model.tar.gz>"


def _s3_url_problems(url: object) -> list[str]:
    """What is wrong with an artifact URL, if anything: the scheme, the bucket or the object key."""
    if not isinstance(url, str):
        return [f"url: {url!r} is not allowed; expected a string {_S3_FORM}"]
    if not url.startswith("s3://"):
        scheme, sep, rest = url.partition(":")
        if sep and scheme.lower() == "s3" and rest.strip("/"):
            # s3:/bucket/key, s3:bucket/key, S3://bucket/key, s3:///bucket/key ...
            fixed = "s3://" + rest.lstrip("/")
            return [
                f"url: {url!r} is not allowed; expected the scheme 's3://' (lower case, two slashes): "
                f"did you mean {fixed!r}?"
            ]
        return [f"url: {url!r} is not allowed; expected {_S3_FORM}"]
    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not bucket:
        return [f"url: {url!r} has no bucket name, which is not allowed; expected {_S3_FORM}"]
    if not key:
        return [f"url: {url!r} has no object key, which is not allowed; expected s3://{bucket}/<key of a model.tar.gz>"]
    if key.endswith("/"):
        return [
            f"url: {url!r} ends with '/' (a folder, not an object), which is not allowed; "
            f"expected s3://{bucket}/<key of a model.tar.gz>"
        ]
    return []


class _S3ModelData(ModelData):
    def __init__(self, url: str) -> None:
        problems = _s3_url_problems(url)
        if problems:
            raise ValidationError("Invalid model data", problems)
        bucket, _, key = url.removeprefix("s3://").partition("/")
        self.url, self._bucket, self._key = url, bucket, key

    def bind(self, scope: Construct) -> BoundModelData:
        partition = cdk.Stack.of(scope).partition
        return BoundModelData(self.url, f"arn:{partition}:s3:::{self._bucket}/{self._key}")


class _AssetModelData(ModelData):
    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ValidationError(
                "Invalid model data", [f"path: {str(path)!r} does not exist; expected a folder or a .tar.gz"]
            )
        self._path = path
        self._archive: Path | None = None

    def bind(self, scope: Construct) -> BoundModelData:
        from aws_cdk import aws_s3_assets as s3_assets

        # One archive per ModelData and one asset per stack and archive: models sharing an artifact
        # (an A/B test of two weight files, say) share the upload and the fingerprinting.
        if self._archive is None:
            self._archive = self._path if self._path.is_file() else _deterministic_tarball(self._path)
        stack = cdk.Stack.of(scope)
        asset_id = "ModelData" + hashlib.sha256(str(self._archive).encode()).hexdigest()[:12]
        asset = stack.node.try_find_child(asset_id)
        if not isinstance(asset, s3_assets.Asset):
            asset = s3_assets.Asset(stack, asset_id, path=str(self._archive))
        return BoundModelData(
            asset.s3_object_url,
            f"arn:{stack.partition}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}",
        )


def _deterministic_tarball(folder: Path) -> Path:
    """Archive ``folder`` into a content-addressed, byte-for-byte reproducible ``.tar.gz``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = file.relative_to(folder)
            if "__pycache__" in rel.parts or file.suffix == ".pyc":
                continue
            info = tarfile.TarInfo(rel.as_posix())
            data = file.read_bytes()
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    out_dir = Path(tempfile.gettempdir()) / "sagemaker-serving-model-data" / digest
    out = out_dir / "model.tar.gz"
    if not out.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = out_dir / f".model.tar.gz.{os.getpid()}"
        with open(tmp, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
            gz.write(raw)
        tmp.replace(out)
    return out


def model_data_read_statement(bound: BoundModelData) -> iam.PolicyStatement:
    """The one statement that lets a role read exactly this artifact object."""
    return iam.PolicyStatement(actions=["s3:GetObject"], resources=[bound.object_arn])
