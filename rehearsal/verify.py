"""Check what a deployed ``ModelServing-<env>`` stack created, against the environment's config.

:func:`verify_stack` describes the stack's resources through any AWS API endpoint (the moto server
in practice) and returns a :class:`Report`: one :class:`Check` per fact, each passed, failed,
"checked by the template tests" (what moto accepts but does not emulate, listed from the template
so nothing is skipped silently) or "not in this stack" (the front door, until the stack has one).
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from stacks.config import CONFIG_FILE, EnvironmentConfig, InstanceVariantConfig, ModelConfig, ServerlessVariantConfig
from stacks.serving_endpoint import variant_settings

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

#: Resource types moto accepts in a template but does not create (or does not emulate), and why
#: the template tests check them instead.
TEMPLATE_ONLY: Mapping[str, str] = {
    "AWS::ApplicationAutoScaling::ScalableTarget": "autoscaling target (capacity range, schedules)",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "autoscaling policy (target tracking)",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::SNS::TopicPolicy": "SNS topic policy (TLS-only publishing)",
    "AWS::S3::BucketPolicy": "S3 bucket policy (TLS only; log delivery to an access log bucket)",
    "AWS::ApiGateway::Stage": "API Gateway stage (logging, tracing, throttling)",
    "AWS::ApiGateway::Account": "API Gateway account (CloudWatch role)",
    "AWS::ApiGateway::GatewayResponse": "API Gateway gateway responses (JSON error bodies)",
    "AWS::ApiGateway::RequestValidator": "API Gateway request validator",
    "AWS::ApiGateway::UsagePlan": "API Gateway usage plan (throttle, quota)",
    "AWS::ApiGateway::UsagePlanKey": "API Gateway usage plan key",
    "AWS::ApiGateway::ApiKey": "API Gateway API key",
    "AWS::WAFv2::WebACL": "WAF web ACL (rate-based + managed rules)",
    "AWS::WAFv2::WebACLAssociation": "WAF association with the API stage",
    "AWS::ApiGateway::Authorizer": "API Gateway authorizer (Cognito user pool)",
    "AWS::Cognito::UserPool": "Cognito user pool",
    "AWS::Cognito::UserPoolClient": "Cognito user pool client",
    "AWS::Scheduler::Schedule": "EventBridge Scheduler schedule of batch predictions (cron, time zone, target)",
    "AWS::CDK::Metadata": "CDK metadata",
    "AWS::SageMaker::InferenceComponent": "inference component (model, compute per copy, copies, rolling update)",
}

ClientFactory = Callable[[str], Any]


class Status(Enum):
    """The outcome of one check."""

    PASSED = "ok"
    FAILED = "FAIL"
    TEMPLATE = "tmpl"
    ABSENT = "--"


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    area: str
    name: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Report:
    """Every check of one deployed stack."""

    stack_name: str
    checks: tuple[Check, ...]
    #: A line printed under the title (what moto skipped: :func:`skipped_summary`).
    note: str = ""

    @property
    def failures(self) -> tuple[Check, ...]:
        """The failed checks."""
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    @property
    def ok(self) -> bool:
        """No check failed."""
        return not self.failures

    def of(self, status: Status) -> tuple[Check, ...]:
        """The checks with ``status``."""
        return tuple(c for c in self.checks if c.status is status)

    def render(self, where: str = "moto") -> str:
        """A readable, plain-text report."""
        lines = [f"Deploy rehearsal of {self.stack_name} on {where}", *([self.note] if self.note else []), ""]
        sections = (
            ("Verified on the emulator", (Status.PASSED, Status.FAILED)),
            ("Checked by the template tests (moto accepts these but does not emulate them)", (Status.TEMPLATE,)),
            ("Not in this stack", (Status.ABSENT,)),
        )
        for title, statuses in sections:
            checks = [c for c in self.checks if c.status in statuses]
            if not checks:
                continue
            lines.append(title)
            area = None
            for c in checks:
                if c.area != area:
                    area = c.area
                    lines.append(f"  {area}")
                detail = f": {c.detail}" if c.detail else ""
                lines.append(f"    [{c.status.value:^4}] {c.name}{detail}")
            lines.append("")
        counts = Counter(c.status for c in self.checks)
        lines.append(
            f"{counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
            f"{counts[Status.TEMPLATE]} checked by the template tests, {counts[Status.ABSENT]} not in this stack."
        )
        return "\n".join(lines)


@dataclass
class _Checks:
    area: str
    out: list[Check] = field(default_factory=list)

    def expect(self, name: str, ok: bool, detail: str = "", failure: str = "") -> bool:
        self.out.append(Check(self.area, name, Status.PASSED if ok else Status.FAILED, detail if ok else failure))
        return ok

    def equal(self, name: str, actual: Any, expected: Any) -> bool:
        return self.expect(name, actual == expected, _short(actual), f"expected {expected!r}, got {actual!r}")

    def template(self, name: str, detail: str = "") -> None:
        self.out.append(Check(self.area, name, Status.TEMPLATE, detail))

    def absent(self, name: str, detail: str = "") -> None:
        self.out.append(Check(self.area, name, Status.ABSENT, detail))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 100 else text[:97] + "..."


def _name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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


def _variants(env: EnvironmentConfig) -> tuple[InstanceVariantConfig | ServerlessVariantConfig, ...]:
    return (*env.instance_variants, *env.serverless_variants)


def _expected_variant(v: InstanceVariantConfig | ServerlessVariantConfig) -> dict[str, Any]:
    s = variant_settings(v)  # what the file sets, the construct's defaults for the rest
    if isinstance(v, InstanceVariantConfig):
        return {
            "InstanceType": s["instance_type"],
            "InitialInstanceCount": s["initial_instance_count"],
            "InitialVariantWeight": s["initial_weight"],
        }
    serverless: dict[str, Any] = {"MemorySizeInMB": s["memory_size_mb"], "MaxConcurrency": s["max_concurrency"]}
    if s["provisioned_concurrency"] is not None:
        serverless["ProvisionedConcurrency"] = s["provisioned_concurrency"]
    return {"ServerlessConfig": serverless, "InitialVariantWeight": s["initial_weight"]}


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


def _one(by_type: Mapping[str, list[str]], type_name: str, physical: Mapping[str, str]) -> str | None:
    ids = by_type.get(type_name, [])
    return physical.get(ids[0]) if len(ids) == 1 else None


def _check_endpoint(
    client: ClientFactory,
    env: EnvironmentConfig,
    models: Mapping[str, ModelConfig],
    physical: Mapping[str, str],
    by_type: Mapping[str, list[str]],
    outputs: Mapping[str, str],
    out: list[Check],
    resources: Mapping[str, Any],
    region: str,
) -> dict[str, Any]:
    sm = client("sagemaker")
    checks = _Checks("Endpoint", out)
    endpoint_arn = _one(by_type, "AWS::SageMaker::Endpoint", physical)
    config_arn = _one(by_type, "AWS::SageMaker::EndpointConfig", physical)
    if not checks.expect("one endpoint and one endpoint config", bool(endpoint_arn and config_arn)):
        return {}
    endpoint = sm.describe_endpoint(EndpointName=_name_from_arn(endpoint_arn or ""))
    config_name = _name_from_arn(config_arn or "")
    _check_endpoint_in_service(sm, checks, env, endpoint, config_name, outputs)

    checks = _Checks("Endpoint config", out)
    described = sm.describe_endpoint_config(EndpointConfigName=config_name)
    variants = {v["VariantName"]: v for v in described["ProductionVariants"]}
    _check_config_variants(checks, env, variants)
    _check_config_key(checks, described, resources, by_type, physical)

    async_bucket = _async_bucket(by_type, physical) if env.async_inference is not None else None
    if env.async_inference is not None:
        _check_async(client, described, async_bucket, by_type, physical, out)
    capture_uri = _check_data_capture(checks, env, described, physical, by_type)

    _check_variant_models(
        client,
        env,
        models,
        variants,
        physical,
        resources,
        out,
        region=region,
        async_bucket=async_bucket,
        capture_uri=capture_uri,
    )
    for key in dict.fromkeys(c.model for c in env.inference_components):
        _check_component_model(client, key, env, models, resources, physical, out, region)
    return dict(endpoint)


def _check_endpoint_in_service(
    sm: Any,
    checks: _Checks,
    env: EnvironmentConfig,
    endpoint: Mapping[str, Any],
    config_name: str,
    outputs: Mapping[str, str],
) -> None:
    """The endpoint serves the stack's endpoint config, with the configured weights and tags."""
    checks.equal("status", endpoint["EndpointStatus"], "InService")
    checks.equal("serves the stack's endpoint config", endpoint["EndpointConfigName"], config_name)
    checks.equal("EndpointName output", outputs.get("EndpointName"), endpoint["EndpointName"])
    if env.instance_pool is None:  # a pool has one variant and no weights to compare
        expected_weights = {v.name: variant_settings(v)["initial_weight"] for v in _variants(env)}
        actual_weights = {v["VariantName"]: v.get("CurrentWeight") for v in endpoint.get("ProductionVariants", [])}
        checks.equal("variant weights in service", actual_weights, expected_weights)
    if env.tags:
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=endpoint["EndpointArn"]).get("Tags", [])}
        checks.equal("tags", {k: tags.get(k) for k in env.tags}, dict(env.tags))


def _check_config_variants(checks: _Checks, env: EnvironmentConfig, variants: Mapping[str, Any]) -> None:
    """The endpoint config's variants (or instance pool) are the configured ones."""
    checks.equal("variant names", sorted(variants), sorted(_variant_names(env)))
    if env.instance_pool is not None:
        pool = variants.get(_variant_names(env)[0], {})
        expected_pool = {"InstanceType": env.instance_pool.instance_type, "ModelName": None}
        checks.equal("instance pool (no model)", {k: pool.get(k) for k in expected_pool}, expected_pool)
    for v in _variants(env):
        actual = variants.get(v.name, {})
        expected = _expected_variant(v)
        checks.equal(f"variant {v.name}", {k: actual.get(k) for k in expected}, expected)


def _check_config_key(
    checks: _Checks,
    described: Mapping[str, Any],
    resources: Mapping[str, Any],
    by_type: Mapping[str, list[str]],
    physical: Mapping[str, str],
) -> None:
    """Encrypted with the key the template gives the endpoint config (none for serverless or local-storage types)."""
    config_ids = by_type.get("AWS::SageMaker::EndpointConfig", [])
    key_ref = resources[config_ids[0]].get("Properties", {}).get("KmsKeyId") if len(config_ids) == 1 else None
    key_ids = [lid for lid in by_type.get("AWS::KMS::Key", []) if lid in json.dumps(key_ref)]
    if key_ids:
        kms_key = physical.get(key_ids[0], "")
        checks.expect(
            "encrypted with the stack's KMS key",
            bool(kms_key) and kms_key in str(described.get("KmsKeyId", "")),
            _short(described.get("KmsKeyId")),
            f"KmsKeyId {described.get('KmsKeyId')!r} is not key {kms_key}",
        )
    else:
        checks.expect(
            "no KMS key (SageMaker encrypts these volumes itself)",
            not described.get("KmsKeyId"),
            "none",
            f"unexpected KmsKeyId {described.get('KmsKeyId')!r}",
        )


def _check_variant_models(
    client: ClientFactory,
    env: EnvironmentConfig,
    models: Mapping[str, ModelConfig],
    variants: Mapping[str, Any],
    physical: Mapping[str, str],
    resources: Mapping[str, Any],
    out: list[Check],
    *,
    region: str,
    async_bucket: str | None,
    capture_uri: str | None,
) -> None:
    """The model of each variant that has one (an instance pool's components are checked on their own)."""
    logical_by_physical = {_name_from_arn(p): lid for lid, p in physical.items() if p}
    for v in _variants(env):
        model_name = variants.get(v.name, {}).get("ModelName")
        if model_name:
            model_resource = resources.get(logical_by_physical.get(model_name, ""), {})
            _check_model(
                client,
                f"Model of variant {v.name} ({v.model})",
                model_name,
                models[v.model],
                out,
                region=region,
                expected_isolation=models[v.model].network_isolation or env.network.network_isolation,
                template_isolation=bool(model_resource.get("Properties", {}).get("EnableNetworkIsolation", False)),
                async_bucket=async_bucket,
                capture_uri=capture_uri,
            )


def _async_bucket(by_type: Mapping[str, list[str]], physical: Mapping[str, str]) -> str:
    """The name of the stack's asynchronous inference bucket (``EndpointConfig/AsyncInference/Bucket``)."""
    ids = [lid for lid in by_type.get("AWS::S3::Bucket", []) if lid.startswith("EndpointConfigAsyncInferenceBucket")]
    return physical.get(ids[0], "") if len(ids) == 1 else ""


def _check_async(
    client: ClientFactory,
    described: Mapping[str, Any],
    bucket: str | None,
    by_type: Mapping[str, list[str]],
    physical: Mapping[str, str],
    out: list[Check],
) -> None:
    """The endpoint config's ``AsyncInferenceConfig`` writes to the stack's bucket, key and topics."""
    checks = _Checks("Asynchronous inference", out)
    output = described.get("AsyncInferenceConfig", {}).get("OutputConfig", {})
    if not checks.expect("AsyncInferenceConfig", bool(output), failure="the endpoint config has none"):
        return
    checks.equal("results in the stack's bucket", output.get("S3OutputPath"), f"s3://{bucket}/output")
    checks.equal("failures in the stack's bucket", output.get("S3FailurePath"), f"s3://{bucket}/failure")
    topics = sorted(
        physical.get(lid, "") for lid in by_type.get("AWS::SNS::Topic", []) if lid.startswith("EndpointConfigAsync")
    )
    notification = output.get("NotificationConfig", {})
    checks.equal(
        "success and error topics are the stack's",
        sorted([notification.get("SuccessTopic", ""), notification.get("ErrorTopic", "")]),
        topics,
    )
    keys = [physical.get(lid, "") for lid in by_type.get("AWS::KMS::Key", []) if "AsyncInference" in lid]
    checks.expect(
        "results encrypted with the stack's key",
        len(keys) == 1 and bool(keys[0]) and keys[0] in str(output.get("KmsKeyId", "")),
        _short(output.get("KmsKeyId")),
        f"KmsKeyId {output.get('KmsKeyId')!r}; the stack's async key is {keys}",
    )
    try:
        rules = client("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except (ClientError, KeyError, IndexError) as exc:
        algorithm = f"none ({exc})"
    checks.equal("bucket encrypted with KMS by default", algorithm, "aws:kms")


def _check_data_capture(
    checks: _Checks,
    env: EnvironmentConfig,
    described: Mapping[str, Any],
    physical: Mapping[str, str],
    by_type: Mapping[str, list[str]],
) -> str | None:
    """The endpoint config's ``DataCaptureConfig`` against the ``data_capture`` table; its S3 URI (or ``None``)."""
    capture = described.get("DataCaptureConfig")
    if env.data_capture is None:
        checks.expect("no data capture (none configured)", not capture, "none", f"unexpected {capture!r}")
        return None
    if not checks.expect("data capture", bool(capture), failure="the endpoint config captures nothing"):
        return None
    assert capture is not None
    expected = env.data_capture.sampling_percentage
    checks.equal(
        "data capture sampling percentage",
        capture.get("InitialSamplingPercentage"),
        20 if expected is None else expected,
    )
    modes = sorted(o.get("CaptureMode") for o in capture.get("CaptureOptions", []))
    wanted = sorted(
        m
        for m, on in (("Input", env.data_capture.capture_request), ("Output", env.data_capture.capture_response))
        if on is not False
    )
    checks.equal("data capture of", modes, wanted)
    uri = str(capture.get("DestinationS3Uri", ""))
    buckets = [physical.get(lid, "") for lid in by_type.get("AWS::S3::Bucket", []) if "DataCaptureBucket" in lid]
    checks.expect(
        "data capture goes to the stack's capture bucket",
        len(buckets) == 1 and bool(buckets[0]) and uri.startswith(f"s3://{buckets[0]}/"),
        uri,
        f"{uri!r} is not in the stack's capture bucket {buckets}",
    )
    keys = [physical.get(lid, "") for lid in by_type.get("AWS::KMS::Key", []) if "DataCaptureKey" in lid]
    checks.expect(
        "data capture encrypted with the stack's capture key",
        len(keys) == 1 and bool(keys[0]) and keys[0] in str(capture.get("KmsKeyId", "")),
        _short(capture.get("KmsKeyId")),
        f"KmsKeyId {capture.get('KmsKeyId')!r} is not the capture key {keys}",
    )
    return uri


def _variant_names(env: EnvironmentConfig) -> list[str]:
    """The endpoint config's variant names: the configured variants', or the instance pool's."""
    if env.instance_pool is None:
        return [v.name for v in _variants(env)]
    from sagemaker_serving.inference_components.pool import InstancePool

    return [env.instance_pool.name or str(InstancePool.__dataclass_fields__["name"].default)]


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


def _template_only(resources: Mapping[str, Any]) -> list[Check]:
    """Lines for what moto accepts but does not emulate, read from the template."""
    checks = _Checks("Template")
    for logical_id, resource in resources.items():
        type_name, props = resource["Type"], resource.get("Properties", {})
        if type_name == "AWS::ApplicationAutoScaling::ScalableTarget" and str(props.get("ResourceId")).startswith(
            "inference-component/"
        ):
            checks.template(
                f"autoscaling of {props['ResourceId']}",
                f"{props.get('MinCapacity')}–{props.get('MaxCapacity')} copies, "
                f"{len(props.get('ScheduledActions', []))} schedule(s)",
            )
        elif type_name == "AWS::SageMaker::InferenceComponent":
            spec = props.get("Specification", {})
            compute = spec.get("ComputeResourceRequirements", {})
            checks.template(
                f"inference component {props.get('InferenceComponentName')}",
                f"{compute.get('NumberOfCpuCoresRequired', 0)} CPU, {compute.get('MinMemoryRequiredInMb')} MB, "
                f"{compute.get('NumberOfAcceleratorDevicesRequired', 0)} accelerators per copy; "
                f"{props.get('RuntimeConfig', {}).get('CopyCount')} copies",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalingPolicy" and props.get("PolicyType") == "StepScaling":
            steps = props.get("StepScalingPolicyConfiguration", {}).get("StepAdjustments", [])
            checks.template(
                f"scaling policy {logical_id}",
                f"step scaling {[s.get('ScalingAdjustment') for s in steps]} (brings the first copy back)",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalableTarget":
            match = re.search(r"/variant/([A-Za-z0-9-]+)", json.dumps(props.get("ResourceId")))
            variant = match.group(1) if match else logical_id
            schedules = len(props.get("ScheduledActions", []))
            checks.template(
                f"autoscaling of variant {variant}",
                f"{props.get('MinCapacity')}–{props.get('MaxCapacity')} instances, {schedules} schedule(s)",
            )
        elif type_name == "AWS::ApplicationAutoScaling::ScalingPolicy":
            tracking = props.get("TargetTrackingScalingPolicyConfiguration", {})
            metric = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType", "custom metric")
            checks.template(f"scaling policy {logical_id}", f"{metric} target {tracking.get('TargetValue')}")
        elif type_name == "AWS::SageMaker::Endpoint" and props.get("DeploymentConfig"):
            checks.template("deployment guardrails", _guardrails_summary(props["DeploymentConfig"]))
        elif type_name == "AWS::ApiGateway::RestApi" and props.get("BinaryMediaTypes"):
            checks.template("API binary media types", "moto drops them: " + ", ".join(props["BinaryMediaTypes"]))
        elif type_name in TEMPLATE_ONLY and type_name != "AWS::CDK::Metadata":
            checks.template(f"{TEMPLATE_ONLY[type_name]} {logical_id}")
    return checks.out


def _guardrails_summary(deployment: Mapping[str, Any]) -> str:
    """``blue/green CANARY 1 INSTANCE_COUNT, 600 s baking, rollback on 4 alarm(s)`` (moto ignores DeploymentConfig:
    it never updates an endpoint in steps)."""
    alarms = len(deployment.get("AutoRollbackConfiguration", {}).get("Alarms", []))
    if "RollingUpdatePolicy" in deployment:
        rolling = deployment["RollingUpdatePolicy"]
        size = rolling.get("MaximumBatchSize", {})
        wait = rolling.get("WaitIntervalInSeconds")
        text = f"rolling, batches of {size.get('Value')} {size.get('Type')}, {wait} s baking"
    else:
        routing = deployment.get("BlueGreenUpdatePolicy", {}).get("TrafficRoutingConfiguration", {})
        size = routing.get("CanarySize") or routing.get("LinearStepSize") or {}
        step = f" {size.get('Value')} {size.get('Type')}" if size else ""
        text = (
            f"blue/green {routing.get('Type', 'ALL_AT_ONCE')}{step}, {routing.get('WaitIntervalInSeconds', 0)} s baking"
        )
    return f"{text}, rollback on {alarms} alarm(s)"


def failures_text(checks: Iterable[Check]) -> str:
    """The failed checks, one per line (for assertion messages)."""
    return "\n".join(f"{c.area}: {c.name}: {c.detail}" for c in checks if c.status is Status.FAILED)


def skipped_summary(skipped_types: Iterable[str], template: Mapping[str, Any]) -> str:
    """One line in place of moto's "No Moto CloudFormation support for <type>" warnings (hidden unless asked).

    :param skipped_types: the types moto skipped (``MotoServer.skipped_types``).
    :param template: the deployed stack's template: the line counts its resources of those types.
    """
    skipped = set(skipped_types)
    in_stack = Counter(r["Type"] for r in template.get("Resources", {}).values() if r["Type"] in skipped)
    unlisted = sorted(t for t in in_stack if t not in TEMPLATE_ONLY)
    line = f"moto skipped {sum(in_stack.values())} resource(s) of {len(in_stack)} type(s) it does not emulate"
    if unlisted:
        line += f": {', '.join(unlisted)} not covered by this report, the others checked by the template tests"
    elif in_stack:
        line += ": checked by the template tests"
    return line + " (--verbose or VERBOSE=1 shows moto's own warnings)."
