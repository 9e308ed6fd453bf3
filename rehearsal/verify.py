"""Check what a deployed ``ModelServing-<env>`` stack created, against the environment's config.

:func:`verify_stack` describes the stack's resources through any AWS API endpoint (the moto server
in practice) and returns a :class:`Report`: one :class:`Check` per fact, each passed, failed,
"checked by the template tests" (what moto accepts but does not emulate, listed from the template
so nothing is skipped silently) or "not in this stack" (the front door, until the stack has one).

Import every name from here; the checks are in modules of their own:

- :mod:`rehearsal.report`: :class:`Report`, :class:`Check`, :class:`Status`, :func:`failures_text`;
- :mod:`rehearsal.verify_endpoint`: the endpoint and its endpoint config (variants, KMS key,
  asynchronous inference, data capture);
- :mod:`rehearsal.verify_model`: the models of the variants and inference components, their data;
- :mod:`rehearsal.verify_iam`: the roles' policies (invoking the endpoint, reading the artifact);
- :mod:`rehearsal.verify_front_door`: the front-door function and REST API (:func:`front_door_routes`);
- :mod:`rehearsal.verify_template`: what moto does not emulate (:data:`TEMPLATE_ONLY`, :func:`skipped_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rehearsal.report import Check, ClientFactory, Report, Status, _Checks, failures_text
from rehearsal.verify_endpoint import _check_endpoint
from rehearsal.verify_front_door import (
    API_GATEWAY_TIMEOUT_SECONDS,
    ASYNC_FRONT_DOOR_ROUTES,
    COMPONENT_ROUTE,
    FRONT_DOOR_ROUTES,
    RouteCheck,
    _check_front_door,
    front_door_routes,
)
from rehearsal.verify_model import expected_image_suffix
from rehearsal.verify_template import TEMPLATE_ONLY, _template_only, skipped_summary
from stacks.config import EnvironmentConfig, ModelConfig

__all__ = [
    "API_GATEWAY_TIMEOUT_SECONDS",
    "ASYNC_FRONT_DOOR_ROUTES",
    "COMPONENT_ROUTE",
    "FRONT_DOOR_ROUTES",
    "TEMPLATE_ONLY",
    "Check",
    "ClientFactory",
    "Report",
    "RouteCheck",
    "Status",
    "expected_image_suffix",
    "failures_text",
    "front_door_routes",
    "skipped_summary",
    "verify_stack",
]


def verify_stack(
    client: ClientFactory,
    *,
    stack_name: str,
    env: EnvironmentConfig,
    models: Mapping[str, ModelConfig],
    template: Mapping[str, Any],
) -> Report:
    """Describe the deployed stack and compare it with ``env`` (and ``models``) and its ``template``.

    :param client: makes a boto3 client for a service name (e.g. ``MotoServer.client``).
    :param template: the synthesised template that was deployed (for what moto does not emulate).
    """
    cfn = client("cloudformation")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    # arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
    region = str(stack["StackId"]).split(":")[3]
    # moto lists resources it does not support without a logical ID: those are reported from the template.
    physical: dict[str, str] = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if "LogicalResourceId" in r
    }
    resources: Mapping[str, Any] = template.get("Resources", {})
    by_type: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append(logical_id)

    checks = _Checks("Stack")
    checks.expect(
        "status",
        stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"),
        stack["StackStatus"],
        f"{stack['StackStatus']}: {stack.get('StackStatusReason', '')}",
    )
    emulated = [lid for lid in resources if resources[lid]["Type"] not in TEMPLATE_ONLY]
    # Some resources (API Gateway methods, Lambda permissions) are created without a physical ID.
    missing = [lid for lid in emulated if lid not in physical]
    checks.expect(
        "every emulated resource created",
        not missing,
        f"{len(emulated)} resources",
        f"no physical resource for {', '.join(missing)}",
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    out = checks.out
    endpoint = _check_endpoint(client, env, models, physical, by_type, outputs, out, resources, region)
    out += _check_front_door(client, env, resources, physical, by_type, endpoint, outputs, region)
    out += _template_only(resources)
    return Report(stack_name, tuple(out))
