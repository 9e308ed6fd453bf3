"""Checks of a deployed stack's front door: the function, its role, the REST API's routes, permissions and stage."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from rehearsal.report import Check, ClientFactory, _Checks
from rehearsal.verify_endpoint import _variants
from rehearsal.verify_iam import _check_invoke_role, _statements
from stacks.config import EnvironmentConfig

#: The routes the front-door handler serves (``lambda/front_door/handler.py``), as (method, resource).
FRONT_DOOR_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/invocations"),
    ("POST", "/variants/{variant}/invocations"),
    ("GET", "/health"),
)
#: ... and for an asynchronous endpoint (``async_inference``), which takes asynchronous invocations only.
ASYNC_FRONT_DOOR_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/async-invocations"),
    ("GET", "/async-invocations/{inference_id}"),
    ("GET", "/health"),
)
#: The front door's route to inference components (environments with an ``instance_pool``), beside the others.
COMPONENT_ROUTE = ("POST", "/models/{component}/invocations")


def front_door_routes(env: EnvironmentConfig) -> tuple[tuple[str, str], ...]:
    """The routes of ``env``'s front door: asynchronous, real-time, or real-time and the components' route."""
    if env.async_inference is not None:
        return ASYNC_FRONT_DOOR_ROUTES
    return (*FRONT_DOOR_ROUTES, COMPONENT_ROUTE) if env.inference_components else FRONT_DOOR_ROUTES


#: API Gateway's integration timeout: a front-door function must answer within it.
API_GATEWAY_TIMEOUT_SECONDS = 29


def _check_front_door(
    client: ClientFactory,
    env: EnvironmentConfig,
    resources: Mapping[str, Any],
    physical: Mapping[str, str],
    by_type: Mapping[str, list[str]],
    endpoint: Mapping[str, Any],
    outputs: Mapping[str, str],
    region: str,
) -> list[Check]:
    functions = [
        lid
        for lid in by_type.get("AWS::Lambda::Function", [])
        if "ENDPOINT_NAME" in resources[lid].get("Properties", {}).get("Environment", {}).get("Variables", {})
    ]
    apis = by_type.get("AWS::ApiGateway::RestApi", [])
    # integration = "direct": API Gateway calls SageMaker itself, signing with an integration role.
    direct_roles: set[str] = set()
    for lid in by_type.get("AWS::ApiGateway::Method", []):
        integration = resources[lid]["Properties"].get("Integration", {})
        credentials = integration.get("Credentials")
        if integration.get("Type") == "AWS" and isinstance(credentials, dict) and "Fn::GetAtt" in credentials:
            direct_roles.add(physical.get(credentials["Fn::GetAtt"][0], ""))
    checks = _Checks("Front door")
    if not functions:
        why = "direct integration: API Gateway calls SageMaker itself" if direct_roles else "no Lambda function"
        checks.absent("front-door function", f"{why} (none with ENDPOINT_NAME in the template)")
    if not apis:
        checks.absent("front-door API", "no API Gateway REST API in the template")
    function_arns = []
    for lid in functions:
        function_arns.append(_check_function(client, physical.get(lid, ""), env, endpoint, checks))
    for role in sorted(direct_roles):
        _check_invoke_role(client, role, endpoint, checks, "API Gateway integration role")
    routes = front_door_routes(env)
    for lid in apis:
        api_id = physical.get(lid, "")
        if functions:
            _check_api(client, api_id, _to_function([a for a in function_arns if a]), checks, routes)
        else:
            _check_api(client, api_id, _to_sagemaker(region, str(endpoint.get("EndpointName", ""))), checks, routes)
        _check_api_permissions(client, api_id, [a for a in function_arns if a], checks)
        stages = [
            str(r["Properties"].get("StageName", ""))
            for r in resources.values()
            if r["Type"] == "AWS::ApiGateway::Stage" and r["Properties"].get("RestApiId") == {"Ref": lid}
        ]
        _check_stage_and_url(client, api_id, stages, outputs, region, checks)
    return checks.out


def _check_function(
    client: ClientFactory,
    function_name: str,
    env: EnvironmentConfig,
    endpoint: Mapping[str, Any],
    checks: _Checks,
) -> str:
    try:
        config = client("lambda").get_function_configuration(FunctionName=function_name)
    except ClientError as exc:
        checks.expect(f"function {function_name}", False, failure=str(exc))
        return ""
    variables = config.get("Environment", {}).get("Variables", {})
    checks.equal("function ENDPOINT_NAME", variables.get("ENDPOINT_NAME"), endpoint.get("EndpointName"))
    if "VARIANT_NAMES" in variables:
        checks.equal(
            "function VARIANT_NAMES",
            sorted(n.strip() for n in variables["VARIANT_NAMES"].split(",") if n.strip()),
            sorted(v.name for v in _variants(env)),
        )
    checks.expect(
        "function runtime and handler",
        str(config.get("Runtime", "")).startswith("python3") and str(config.get("Handler", "")).endswith(".handler"),
        f"{config.get('Runtime')} {config.get('Handler')}",
        f"runtime {config.get('Runtime')!r}, handler {config.get('Handler')!r}",
    )
    timeout = int(config.get("Timeout", 0))
    checks.expect(
        "function timeout within API Gateway's",
        0 < timeout <= API_GATEWAY_TIMEOUT_SECONDS,
        f"{timeout} s",
        f"{timeout} s; expected 1-{API_GATEWAY_TIMEOUT_SECONDS}",
    )
    checks.expect("function code deployed", int(config.get("CodeSize", 0)) > 0, f"{config.get('CodeSize')} bytes")
    action = "sagemaker:InvokeEndpoint"
    if env.async_inference is not None:
        action = "sagemaker:InvokeEndpointAsync"
        checks.equal("function INVOCATION_MODE", variables.get("INVOCATION_MODE"), "async")
    if env.inference_components:
        pairs = [p.split("=", 1)[0] for p in variables.get("INFERENCE_COMPONENTS", "").split(",") if p]
        checks.equal("function INFERENCE_COMPONENTS names", pairs, [c.name for c in env.inference_components])
    _check_invoke_role(
        client,
        config.get("Role", ""),
        endpoint,
        checks,
        "function role",
        action,
        components=len(env.inference_components),
    )
    return str(config.get("FunctionArn", ""))


#: What a route's integration must be: (check name, type and URI) → (passed, detail, failure).
RouteCheck = Callable[[str, str, Mapping[str, Any]], tuple[str, bool, str, str]]


def _to_function(function_arns: list[str]) -> RouteCheck:
    """Lambda mode: every route is a proxy integration of the front-door function."""

    def check(method: str, path: str, integration: Mapping[str, Any]) -> tuple[str, bool, str, str]:
        kind, uri = str(integration.get("type", "")), str(integration.get("uri", ""))
        ok = kind == "AWS_PROXY" and any(arn in uri for arn in function_arns)
        return f"route {method} {path} → front-door function (proxy)", ok, kind, f"integration {kind} {uri}"

    return check


def _to_sagemaker(region: str, endpoint_name: str) -> RouteCheck:
    """Direct mode: invocations go to the SageMaker runtime of this endpoint, the health check to DescribeEndpoint."""

    def check(method: str, path: str, integration: Mapping[str, Any]) -> tuple[str, bool, str, str]:
        kind, uri = str(integration.get("type", "")), str(integration.get("uri", ""))
        if path.endswith("/invocations"):
            expected = f"arn:aws:apigateway:{region}:runtime.sagemaker:path/endpoints/{endpoint_name}/invocations"
        else:
            expected = f"arn:aws:apigateway:{region}:api.sagemaker:action/DescribeEndpoint"
        ok = kind == "AWS" and uri == expected
        return (
            f"route {method} {path} → SageMaker (direct)",
            ok,
            uri,
            f"integration {kind} {uri}; expected AWS {expected}",
        )

    return check


def _check_api(
    client: ClientFactory,
    api_id: str,
    route_check: RouteCheck,
    checks: _Checks,
    routes: tuple[tuple[str, str], ...] = FRONT_DOOR_ROUTES,
) -> None:
    apigw = client("apigateway")
    items = apigw.get_resources(restApiId=api_id, embed=["methods"]).get("items", [])
    methods = {r["path"]: (r["id"], set(r.get("resourceMethods", {}))) for r in items}
    for method, path in routes:
        resource_id, found = methods.get(path, ("", set()))
        if not ({method, "ANY"} & found):
            proxies = [p for p in methods if p.endswith("{proxy+}") and path.startswith(p.removesuffix("{proxy+}"))]
            if proxies:
                resource_id, found = methods[proxies[0]]
        http_method = method if method in found else "ANY"
        if not checks.expect(f"route {method} {path}", http_method in found, failure=f"not among {sorted(methods)}"):
            continue
        integration = apigw.get_integration(restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
        name, ok, detail, failure = route_check(method, path, integration)
        checks.expect(name, ok, detail, failure)


def _check_api_permissions(client: ClientFactory, api_id: str, function_arns: list[str], checks: _Checks) -> None:
    lambda_client = client("lambda")
    for arn in function_arns:
        try:
            policy = json.loads(lambda_client.get_policy(FunctionName=arn)["Policy"])
        except ClientError:
            policy = {}
        allowed = [
            s
            for s in _statements(policy)
            if "apigateway.amazonaws.com" in json.dumps(s.get("Principal")) and api_id in json.dumps(s.get("Condition"))
        ]
        checks.expect(
            "API Gateway may invoke the function (this API only)",
            bool(allowed),
            f"{len(allowed)} permission(s)",
            "no lambda:InvokeFunction permission for apigateway.amazonaws.com from this API",
        )


def _check_stage_and_url(
    client: ClientFactory,
    api_id: str,
    stages: list[str],
    outputs: Mapping[str, str],
    region: str,
    checks: _Checks,
) -> None:
    """The template's stages exist on the API, and every URL output of the API names one of them."""
    deployed = {s["stageName"]: s for s in client("apigateway").get_stages(restApiId=api_id).get("item", [])}
    for stage in stages:
        checks.expect(
            f"stage {stage} deployed",
            bool(deployed.get(stage, {}).get("deploymentId")),
            f"deployment {deployed.get(stage, {}).get('deploymentId')}",
            f"the API's stages are {sorted(deployed)}",
        )
    expected = [f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/" for stage in stages]
    for key, value in sorted(outputs.items()):
        if f"{api_id}.execute-api." in value:
            checks.expect(f"{key} output", value in expected, value, f"{value!r}; expected one of {expected}")
