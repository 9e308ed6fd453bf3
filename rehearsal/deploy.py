"""Deploy a synthesised CDK stack to a moto server with boto3, the way ``cdk deploy`` would.

``cdk deploy`` publishes the file assets listed in ``<stack>.assets.json`` to the bootstrap bucket,
then creates or updates the stack. :func:`publish_assets` and :func:`deploy_stack` do the same with
boto3, so tests need no CDK CLI process (the CLI path is ``make deploy-local``).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.moto_server import DEFAULT_TARGET, MotoServer, Target

_SETTLED = ("_COMPLETE", "_FAILED")


class DeployError(RuntimeError):
    """A stack did not reach the expected status; the message carries moto's reasons."""


@dataclass(frozen=True)
class PublishedAsset:
    """A file asset uploaded to the emulator: where it went and how big it was."""

    bucket: str
    key: str
    size: int


def _substitute(value: str, target: Target) -> str:
    for name, replacement in (("AccountId", target.account), ("Region", target.region), ("Partition", "aws")):
        value = value.replace("${AWS::" + name + "}", replacement)
    return value


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(file, file.relative_to(folder).as_posix())
    return buffer.getvalue()


def publish_assets(server: MotoServer, assets_manifest: Path, target: Target = DEFAULT_TARGET) -> list[PublishedAsset]:
    """Upload every file asset of ``<stack>.assets.json`` (the template too) to ``target``'s S3.

    Folders with ``packaging: zip`` (Lambda code) are zipped; files are uploaded as they are. The
    bootstrap bucket is created if ``cdk bootstrap`` has not run.
    """
    manifest = json.loads(assets_manifest.read_text())
    if manifest.get("dockerImages"):
        raise DeployError(f"{assets_manifest.name}: Docker image assets cannot be published to moto")
    s3 = server.client("s3", target)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    published = []
    for asset in manifest.get("files", {}).values():
        source = assets_manifest.parent / asset["source"]["path"]
        if asset["source"].get("packaging") == "zip" and source.is_dir():
            body = _zip_folder(source)
        else:
            body = source.read_bytes()
        for destination in asset["destinations"].values():
            bucket, key = _substitute(destination["bucketName"], target), _substitute(destination["objectKey"], target)
            if bucket not in existing:
                where = {} if target.region == "us-east-1" else {"LocationConstraint": target.region}
                s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": where} if where else {}))
                existing.add(bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            published.append(PublishedAsset(bucket, key, len(body)))
    return published


def _wait(cfn: Any, stack_name: str, timeout_seconds: float) -> dict[str, Any]:
    """Poll until the stack settles (moto is synchronous, so this is usually immediate)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        stack: dict[str, Any] = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        if stack["StackStatus"].endswith(_SETTLED) or time.monotonic() > deadline:
            return stack
        time.sleep(0.2)


def _failure(cfn: Any, stack_name: str, status: str) -> DeployError:
    reasons = [
        f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
        for e in cfn.describe_stack_events(StackName=stack_name).get("StackEvents", [])
        if e.get("ResourceStatus", "").endswith("FAILED")
    ]
    return DeployError(f"{stack_name}: {status}" + "".join(f"\n  {r}" for r in reasons))


def deploy_stack(
    server: MotoServer,
    stack_name: str,
    template_file: Path,
    *,
    target: Target = DEFAULT_TARGET,
    timeout_seconds: float = 60,
) -> str:
    """Create ``stack_name`` from ``template_file`` in ``target``, or update it if it exists; return the status.

    Publishes the template's assets first (``<stack>.assets.json`` next to the template).
    """
    assets = template_file.with_name(template_file.name.replace(".template.json", ".assets.json"))
    if assets.exists():
        publish_assets(server, assets, target)
    cfn = server.client("cloudformation", target)
    exists = any(
        s["StackName"] == stack_name and s["StackStatus"] != "DELETE_COMPLETE"
        for s in cfn.list_stacks().get("StackSummaries", [])
    )
    request = {
        "StackName": stack_name,
        "TemplateBody": template_file.read_text(),
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    }
    if exists:
        cfn.update_stack(**request)
        expected = "UPDATE_COMPLETE"
    else:
        cfn.create_stack(**request)
        expected = "CREATE_COMPLETE"
    status = str(_wait(cfn, stack_name, timeout_seconds)["StackStatus"])
    if status != expected:
        raise _failure(cfn, stack_name, status)
    return status


def delete_stack(
    server: MotoServer, stack_name: str, *, target: Target = DEFAULT_TARGET, timeout_seconds: float = 60
) -> None:
    """Delete ``stack_name`` from ``target`` and wait until it is gone."""
    cfn = server.client("cloudformation", target)
    stack_id = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=stack_name)
    # By ID: a deleted stack is no longer found by name.
    status = str(_wait(cfn, stack_id, timeout_seconds)["StackStatus"])
    if status != "DELETE_COMPLETE":
        raise _failure(cfn, stack_id, status)
