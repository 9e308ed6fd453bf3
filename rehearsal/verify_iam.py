"""IAM checks of a deployed stack: what a role's policies allow (may it invoke the endpoint, read its artifact)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from rehearsal.report import ClientFactory, _Checks, _name_from_arn


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    return list(_as_list(document.get("Statement", [])))


def _managed_policy_statements(client: ClientFactory, policy_arn: str) -> list[dict[str, Any]]:
    iam = client("iam")
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    return _statements(iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"])


def _role_statements(client: ClientFactory, role_name: str) -> list[dict[str, Any]]:
    """Every statement of the role's inline and attached managed policies."""
    iam = client("iam")
    statements: list[dict[str, Any]] = []
    for policy_name in iam.list_role_policies(RoleName=role_name).get("PolicyNames", []):
        statements += _statements(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    for attached in iam.list_attached_role_policies(RoleName=role_name).get("AttachedPolicies", []):
        statements += _managed_policy_statements(client, attached["PolicyArn"])
    return statements


def _check_invoke_role(
    client: ClientFactory,
    role_arn: str,
    endpoint: Mapping[str, Any],
    checks: _Checks,
    who: str,
    action: str = "sagemaker:InvokeEndpoint",
    components: int = 0,
) -> None:
    """Every SageMaker permission of the role (``who``: whose it is) names this endpoint, and it may invoke it
    (``action``: ``InvokeEndpointAsync`` for an asynchronous endpoint).

    With ``components`` inference components, the role also names them; moto does not create them, so their
    ARNs resolve to ``None`` in the deployed policy: those are left to the template tests, and said so."""
    role_name = _name_from_arn(role_arn)
    statements = _role_statements(client, role_name)
    endpoint_arn = str(endpoint.get("EndpointArn", "")).lower()
    sagemaker_resources: set[str] = set()
    invoke = False
    for s in statements:
        actions = [str(a) for a in _as_list(s.get("Action"))]
        targets = [str(r).lower() for r in _as_list(s.get("Resource"))]
        if s.get("Effect", "Allow") == "Allow" and any(a.startswith("sagemaker:") or a == "*" for a in actions):
            sagemaker_resources.update(targets)
        invoke = invoke or (action in actions and endpoint_arn in targets)
    checks.expect(
        f"{who} may invoke the endpoint",
        invoke,
        role_name,
        f"no {action} on {endpoint_arn} in the policies of {role_name}",
    )
    if components:
        sagemaker_resources.discard("none")
    checks.expect(
        f"{who} scoped to the endpoint" + (f" and its {components} inference components" if components else ""),
        sagemaker_resources == {endpoint_arn},
        "SageMaker actions on this endpoint only"
        + (" (the components' ARNs: template tests; moto does not create components)" if components else ""),
        f"SageMaker actions on {sorted(sagemaker_resources)}",
    )


def _check_artifact_grant(
    client: ClientFactory,
    checks: _Checks,
    url: str,
    role_name: str,
    *,
    async_bucket: str | None = None,
    capture_uri: str | None = None,
) -> None:
    """The execution role may read the artifact object and nothing else in S3, but: for an asynchronous endpoint,
    its bucket's input, output and failure prefixes; with data capture, ``s3:PutObject`` under the capture prefix."""
    object_arn = "arn:aws:s3:::" + url.removeprefix("s3://")
    expected = [object_arn]
    if async_bucket is not None:
        expected += [f"arn:aws:s3:::{async_bucket}/{prefix}/*" for prefix in ("failure", "input", "output")]
    statements = _role_statements(client, role_name)

    def resources(wanted: Callable[[list[str]], bool]) -> list[str]:
        return sorted(
            {
                str(resource)
                for s in statements
                if wanted([str(a) for a in _as_list(s.get("Action"))])
                for resource in _as_list(s.get("Resource"))
            }
        )

    s3_resources = resources(lambda actions: any(a.startswith("s3:") or a == "*" for a in actions))
    prefix_arn = "arn:aws:s3:::" + capture_uri.removeprefix("s3://") + "/*" if capture_uri is not None else None
    checks.expect(
        "execution role reads exactly this artifact in S3"
        + (" (and writes the asynchronous prefixes)" if async_bucket is not None else ""),
        sorted(r for r in s3_resources if r != prefix_arn) == sorted(expected),
        ", ".join(expected),
        f"S3 permissions on {s3_resources}; expected only {sorted(expected)}",
    )
    if prefix_arn is not None:
        writes = resources(lambda actions: actions == ["s3:PutObject"])
        checks.expect(
            "execution role writes exactly the data capture prefix (s3:PutObject)",
            [r for r in writes if r not in expected] == [prefix_arn],
            prefix_arn,
            f"s3:PutObject on {writes}; expected only {prefix_arn}",
        )
