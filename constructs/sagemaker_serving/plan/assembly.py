"""Reading a cloud assembly (``cdk.out``): its stacks, their regions and templates, as environments.

``manifest.json`` lists the artifacts; a stack (``aws:cloudformation:stack``) names its template file
and environment (``aws://<account>/<region>``, ``unknown-region`` when environment-agnostic); a nested
assembly (``cdk:cloud-assembly``, a CDK Stage) is read recursively. Stacks without a SageMaker
endpoint or endpoint config are left out.
https://docs.aws.amazon.com/cdk/v2/guide/deploy.html (the cloud assembly)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sagemaker_serving.plan.cfn import PlanError, of_type
from sagemaker_serving.plan.model import Environment
from sagemaker_serving.plan.read_endpoints import read_endpoints
from sagemaker_serving.plan.read_front_door import read_front_door, read_network, unpriced

_SAGEMAKER = ("AWS::SageMaker::Endpoint", "AWS::SageMaker::EndpointConfig")


def read_assembly(path: Path, *, only: str | None = None) -> tuple[Environment, ...]:
    """The environments of the cloud assembly at ``path`` (a folder with ``manifest.json``, or one
    template file), all of them or the one ``only`` names (its ``Environment`` tag, its stack name, or
    the end of its stack name after a ``-``).

    :raises PlanError: no assembly there, no environment of that name, or a template that is not JSON.
    """
    environments = tuple(_environments(path))
    if not environments:
        raise PlanError([f"{path}: no stack with a SageMaker endpoint (AWS::SageMaker::Endpoint) in it"])
    if only is None:
        return environments
    chosen = tuple(e for e in environments if only in (e.name, e.stack) or e.stack.endswith(f"-{only}"))
    if not chosen:
        names = ", ".join(e.name for e in environments)
        raise PlanError([f"{path}: no environment {only!r}; it has {names}"])
    return chosen


def environment_from_template(template: Mapping[str, Any], *, stack: str, name: str, region: str | None) -> Environment:
    """One environment from a template already loaded (for tests and other tools)."""
    resources = template.get("Resources") or {}
    return Environment(
        name=name,
        stack=stack,
        region=region,
        endpoints=read_endpoints(resources),
        front_door=read_front_door(resources),
        network=read_network(resources),
        kms_keys=len(of_type(resources, "AWS::KMS::Key")),
        log_groups=len(of_type(resources, "AWS::Logs::LogGroup")),
        unpriced=unpriced(resources),
    )


def _environments(path: Path) -> Iterator[Environment]:
    if path.is_file():
        template = _load(path)
        if of_type(template.get("Resources") or {}, *_SAGEMAKER):
            stack = path.name.removesuffix(".template.json").removesuffix(".json")
            yield environment_from_template(template, stack=stack, name=stack, region=None)
        return
    manifest = path / "manifest.json"
    if not manifest.is_file():
        raise PlanError([f"{path}: not a cloud assembly (no manifest.json); run `cdk synth` (or `make synth`) first"])
    for artifact_id, artifact in _load(manifest).get("artifacts", {}).items():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "cdk:cloud-assembly" and "directoryName" in properties:
            yield from _environments(path / properties["directoryName"])
        elif artifact.get("type") == "aws:cloudformation:stack":
            template = _load(path / properties["templateFile"])
            if not of_type(template.get("Resources") or {}, *_SAGEMAKER):
                continue
            stack = str(properties.get("stackName") or artifact.get("displayName") or artifact_id)
            name = str((properties.get("tags") or {}).get("Environment") or stack)
            yield environment_from_template(template, stack=stack, name=name, region=_region(artifact))


def _region(artifact: Mapping[str, Any]) -> str | None:
    region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
    return None if not region or region.startswith("unknown-") else region


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PlanError([f"{path}: cannot be read as JSON ({exc})"]) from exc
    if not isinstance(loaded, dict):
        raise PlanError([f"{path}: expected a JSON object"])
    return loaded
