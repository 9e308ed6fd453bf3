"""Checks of a deployed stack's SageMaker models: image, environment, network isolation, model data, execution role."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from rehearsal.report import Check, ClientFactory, _Checks, _name_from_arn
from rehearsal.verify_iam import _check_artifact_grant
from stacks.config import CONFIG_FILE, EnvironmentConfig, ModelConfig


def expected_image_suffix(spec: str) -> str:
    """What the image URI must end with for an ``image`` setting of ``environments.toml``.

    The registry account comes from a per-region mapping in the template (checked by the construct
    tests); here the region must be resolved and the repository and tag must be the configured ones.
    """
    kind, _, rest = spec.partition(":")
    if kind == "sklearn":
        return f"/sagemaker-scikit-learn:{rest}-cpu-py3"
    if kind == "dlc":
        return "/" + rest
    return spec


def _check_component_model(
    client: ClientFactory,
    key: str,
    env: EnvironmentConfig,
    models: Mapping[str, ModelConfig],
    resources: Mapping[str, Any],
    physical: Mapping[str, str],
    out: list[Check],
    region: str,
) -> None:
    """The model of inference components (moto has no components: the model is found by its construct ID, the
    stack's ``Model<Key>``)."""
    prefix = "Model" + key.title().replace("-", "").replace("_", "")
    ids = [lid for lid, r in resources.items() if r["Type"] == "AWS::SageMaker::Model" and lid.startswith(prefix)]
    names = [c.name for c in env.inference_components if c.model == key]
    area = f"Model of inference component(s) {', '.join(names)} ({key})"
    if len(ids) != 1 or not physical.get(ids[0]):
        _Checks(area, out).expect("model created", False, failure=f"no single {prefix}* model in the stack: {ids}")
        return
    _check_model(
        client,
        area,
        _name_from_arn(physical[ids[0]]),
        models[key],
        out,
        region=region,
        expected_isolation=models[key].network_isolation or env.network.network_isolation,
        template_isolation=bool(resources[ids[0]].get("Properties", {}).get("EnableNetworkIsolation", False)),
    )


def _check_model(
    client: ClientFactory,
    area: str,
    model_name: str,
    config: ModelConfig,
    out: list[Check],
    *,
    region: str,
    expected_isolation: bool,
    template_isolation: bool,
    async_bucket: str | None = None,
    capture_uri: str | None = None,
) -> None:
    checks = _Checks(area, out)
    model = client("sagemaker").describe_model(ModelName=model_name)
    container = model["PrimaryContainer"]
    image = container.get("Image", "")
    suffix = expected_image_suffix(config.image)
    checks.expect(
        "image",
        image.endswith(suffix) and f".dkr.ecr.{region}." in image if suffix != config.image else image == suffix,
        image,
        f"{image!r} is not {config.image!r} resolved in {region}",
    )
    checks.equal("environment", container.get("Environment", {}), dict(config.environment))
    if model.get("EnableNetworkIsolation", False) == expected_isolation:
        checks.equal("network isolation", model.get("EnableNetworkIsolation", False), expected_isolation)
    else:
        # moto 5.2.5 always describes a model with EnableNetworkIsolation false: check the template.
        checks.expect(
            "network isolation (in the template; moto does not store it)",
            template_isolation == expected_isolation,
            str(template_isolation).lower(),
            f"expected {expected_isolation}, template has {template_isolation}",
        )
    url = container.get("ModelDataUrl", "")
    if config.artifact.startswith("s3://"):
        checks.equal("model data", url, config.artifact)
    else:
        _check_artifact(client, checks, url, CONFIG_FILE.parent / config.artifact)
    role_name = _name_from_arn(model.get("ExecutionRoleArn", ""))
    try:
        role = client("iam").get_role(RoleName=role_name)["Role"]
    except ClientError as exc:
        checks.expect("execution role", False, failure=str(exc))
        return
    principals = json.dumps(role.get("AssumeRolePolicyDocument", {}))
    checks.expect(
        "execution role assumable by SageMaker",
        "sagemaker.amazonaws.com" in principals,
        role_name,
        f"trust policy {principals}",
    )
    _check_artifact_grant(client, checks, url, role_name, async_bucket=async_bucket, capture_uri=capture_uri)


def _check_artifact(client: ClientFactory, checks: _Checks, url: str, folder: Path) -> None:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    try:
        body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        checks.expect("model data uploaded", False, failure=f"{url}: {exc}")
        return
    checks.expect("model data uploaded", True, f"{url} ({len(body)} bytes)")
    if folder.is_file():
        checks.equal("model data is the configured archive", body, folder.read_bytes())
        return
    expected = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            names = sorted(m.name for m in tar.getmembers() if m.isfile())
    except tarfile.TarError as exc:
        checks.expect("model data is a model.tar.gz", False, failure=str(exc))
        return
    checks.equal("model data holds the artifact files", names, expected)
