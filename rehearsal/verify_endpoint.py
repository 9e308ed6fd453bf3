"""Checks of a deployed stack's endpoint and endpoint config: variants, KMS key, asynchronous inference, data capture.

:func:`_check_endpoint` also checks the models of the variants and of the inference components
(:mod:`rehearsal.verify_model`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from rehearsal.report import Check, ClientFactory, _Checks, _name_from_arn, _short
from rehearsal.verify_model import _check_component_model, _check_model
from stacks.config import EnvironmentConfig, InstanceVariantConfig, ModelConfig, ServerlessVariantConfig
from stacks.serving_endpoint import variant_settings


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
