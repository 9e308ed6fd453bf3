"""Configuration of inference components, shadow variants and routing: every rule by message, named by the file's keys.

File rules are checked by ``parse``; the constructs' rules through ``build_app``, as ``cdk synth`` meets them,
each reported with the key path of examples/components.toml's tables.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from aws_cdk.assertions import Template

from app import build_app
from stacks.config import parse
from tests.conftest import ROOT
from tests.support.config_problems import build_problems as _build_problems
from tests.support.config_problems import parse_problems as _problems

EXAMPLE = ROOT / "examples" / "components.toml"


@pytest.fixture
def raw() -> dict[str, Any]:
    with open(EXAMPLE, "rb") as fh:
        return tomllib.load(fh)


def _variants_env(**extra: Any) -> dict[str, Any]:
    """A one-environment file with one instance variant."""
    return {
        "models": {
            "a": {"artifact": "reference_model/artifact", "image": "sklearn:1.2-1"},
            "b": {"artifact": "reference_model/artifact", "image": "sklearn:1.2-1"},
        },
        "environments": {
            "ab": {
                "instance_variants": [{"name": "champion", "model": "a", "instance_type": "ml.m5.large"}],
                **extra,
            }
        },
    }


def test_the_example_parses_into_a_pool_and_three_components(raw: dict[str, Any]) -> None:
    env = parse(raw).environments["shared"]
    assert env.instance_pool is not None and env.instance_pool.min_instance_count == 1
    assert [c.name for c in env.inference_components] == ["fraud", "churn", "reports"]
    assert env.model_keys == ("fraud", "churn", "reports")
    assert env.network.network_isolation is True  # on by default for instance pools, as for instance variants
    reports = env.inference_components[2]
    assert reports.autoscaling is not None and reports.autoscaling.min_copies == 0


def test_file_rules_for_pools_and_components(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    shared = data["environments"]["shared"]
    shared["serverless_variants"] = [{"name": "x", "model": "fraud"}]
    shared["inference_components"][0]["model"] = "frod"
    shared["inference_components"][0]["autoscaling"]["target_concurrent_requests_per_copy"] = 5
    shared["inference_components"][0]["rolling_update"]["maximum_batch_copies"] = 1
    shared["inference_components"][0]["rolling_update"]["rollback_maximum_batch_copies"] = 1
    shared["inference_components"][0]["rolling_update"]["rollback_maximum_batch_percent"] = 100
    shared["shadow_variant"] = {"name": "s", "model": "churn", "instance_type": "ml.m5.large"}
    assert _problems(data) == (
        "environment 'shared': instance_pool: not allowed with serverless_variants; an environment serves either "
        "variants or inference components on an instance pool",
        "environment 'shared': shadow_variant: only allowed with instance_variants (SageMaker shadow tests need one)",
        "environment 'shared': inference_components[0].model: 'frod' is not a model; did you mean 'fraud'? known "
        "models: churn, fraud, reports",
        "environment 'shared': inference_components[0].autoscaling: set target_invocations_per_copy or "
        "target_concurrent_requests_per_copy, not both",
        "environment 'shared': inference_components[0].rolling_update: set maximum_batch_copies or "
        "maximum_batch_percent, not both",
        "environment 'shared': inference_components[0].rolling_update: set rollback_maximum_batch_copies or "
        "rollback_maximum_batch_percent, not both",
    )


def test_a_pool_needs_components_and_components_need_a_pool(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    components = data["environments"]["shared"].pop("inference_components")
    assert _problems(data) == (
        "environment 'shared': instance_pool: has no inference_components; add at least one [[...inference_components]]",
    )
    data = _variants_env(inference_components=components)
    data["models"].update(raw["models"])
    assert _problems(data) == (
        "environment 'ab': inference_components: not allowed without instance_pool; add an instance_pool table",
    )


def test_unknown_keys_and_choices_are_named(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["instance_pool"]["routing"] = "round_robin"
    data["environments"]["shared"]["inference_components"][1]["cpu_core"] = 1
    assert _problems(data) == (
        "environment 'shared': instance_pool.routing: 'round_robin' is not allowed; expected one of "
        "least_outstanding_requests, random",
        "environment 'shared': inference_components[1].cpu_core: is not a known key; did you mean 'cpu_cores'?",
    )


def test_construct_rules_are_named_by_the_files_keys(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    shared = data["environments"]["shared"]
    shared["instance_pool"]["max_instance_count"] = 1
    shared["instance_pool"]["min_instance_count"] = 2
    assert _build_problems(data) == (
        "environment 'shared': instance_pool.min_instance_count: 2 is not allowed; must be an integer from 0 to 1 "
        "(at most initial_instance_count=1)",
    )
    data = copy.deepcopy(raw)
    shared = data["environments"]["shared"]
    shared["inference_components"][0].update(min_memory_mb=64, copy_count=0)
    shared["inference_components"][0]["rolling_update"].update(maximum_batch_percent=80, wait_interval_seconds=7200)
    shared["inference_components"][1]["container_startup_timeout_seconds"] = 10
    assert _build_problems(data) == (
        "environment 'shared': inference_components[0].min_memory_mb: 64 is not allowed; must be an integer ≥ 128",
        "environment 'shared': inference_components[0].copy_count: 0 is not allowed; must be an integer from 1 to "
        "1000 (a component is created with its copies running, so a model that does not start fails the deployment; "
        "scale to zero with autoscale(min_copies=0))",
        "environment 'shared': inference_components[0].rolling_update.maximum_batch_percent: 80 % is not allowed; "
        "must be from 5 to 50 %",
        "environment 'shared': inference_components[0].rolling_update.wait_interval_seconds: 7200 s is not allowed; "
        "must be whole seconds from 0 to 3600",
        "environment 'shared': inference_components[1].container_startup_timeout_seconds: 10 is not allowed; must be "
        "an integer from 60 to 3600",
    )


def test_fit_and_pool_capacity_are_named_by_the_files_keys(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    shared = data["environments"]["shared"]
    shared["inference_components"][0]["cpu_cores"] = 8
    assert _build_problems(data) == (
        "environment 'shared': inference_components[0].cpu_cores: 8 CPU cores per copy is not allowed on "
        "ml.m5.xlarge, which has 4 vCPUs (EC2 specifications, checked 2026-11-30); one copy must fit on one instance",
    )
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["inference_components"][2]["autoscaling"]["max_copies"] = 9
    (problem,) = _build_problems(data)
    assert problem.startswith(
        "environment 'shared': inference_components[2].autoscaling.max_copies: 3 × 1 ('fraud') + 2 × 1 ('churn') + "
        "9 × 0.5 ('reports' (autoscaling.max_copies)) = 9.5 CPU cores is not allowed; 2 × ml.m5.xlarge "
        "(max_instance_count 2) offers 8 vCPUs"
    )


def test_direct_integration_is_refused_by_the_files_key(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["front_door"] = {"integration": "direct"}
    assert _build_problems(data) == (
        "environment 'shared': front_door.integration: ['fraud', 'churn', 'reports'] are not allowed with "
        "DirectIntegration; API Gateway cannot map a model name to its inference component: use LambdaIntegration",
    )


def test_shadow_variant_and_routing_from_the_file() -> None:
    data = _variants_env(
        shadow_variant={
            "name": "candidate",
            "model": "b",
            "instance_type": "ml.m5.large",
            "sampling_percentage": 25,
            "routing": "random",
        }
    )
    data["environments"]["ab"]["instance_variants"][0]["routing"] = "least_outstanding_requests"
    app = build_app(parse(data))
    template = Template.from_stack(app.node.find_child("ModelServing-ab"))  # type: ignore[arg-type]
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    (production,) = config["Properties"]["ProductionVariants"]
    (shadow,) = config["Properties"]["ShadowProductionVariants"]
    assert production["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    assert (shadow["VariantName"], shadow["InitialVariantWeight"], shadow["RoutingConfig"]) == (
        "candidate",
        0.25,
        {"RoutingStrategy": "RANDOM"},
    )
    assert shadow["ModelName"] != production["ModelName"]
    template.resource_count_is("AWS::SageMaker::Model", 2)


def test_shadow_variant_rules_are_named_by_the_files_keys() -> None:
    data = _variants_env(
        shadow_variant={"name": "champion", "model": "b", "instance_type": "ml.inf1.xlarge", "sampling_percentage": 0}
    )
    data["environments"]["ab"]["instance_variants"].append(
        {"name": "second", "model": "a", "instance_type": "ml.m5.large"}
    )
    assert _build_problems(data) == (
        "environment 'ab': shadow_variant.sampling_percentage: 0 is not allowed; must be an integer from 1 to 100",
        "environment 'ab': instance_variants: 2 production variants ['champion', 'second'] are not allowed with a "
        "shadow variant; an endpoint config with ShadowProductionVariants has exactly one production variant",
        "environment 'ab': shadow_variant.name: 'champion' is already the production variant's; names must differ",
        "environment 'ab': shadow_variant.instance_type: 'ml.inf1.xlarge' is not allowed with a shadow variant; "
        "SageMaker excludes endpoints on Inf1 (Inferentia) instances from shadow tests: use ml.inf2 or another family",
    )


def test_async_inference_beside_an_instance_pool_is_refused_by_the_files_keys(raw: dict[str, Any]) -> None:
    """An endpoint is real-time, asynchronous or an instance pool: a pool's config has no AsyncInferenceConfig."""
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["async_inference"] = {"invocation_timeout_seconds": 1800}
    assert _problems(data) == (
        "environment 'shared': async_inference: not allowed with instance_pool/inference_components; an endpoint "
        "is either asynchronous (async_inference on instance_variants) or an instance pool of inference components "
        "(real-time): remove the async_inference table or serve the models with instance_variants",
    )


def test_data_capture_beside_an_instance_pool_is_refused_not_dropped(raw: dict[str, Any]) -> None:
    """A pool's ComponentEndpointConfig takes no data capture: the table is refused, never ignored."""
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["data_capture"] = {"sampling_percentage": 10}
    assert _problems(data) == (
        "environment 'shared': data_capture: not allowed with instance_pool/inference_components; data capture is "
        "configured on an endpoint config of variants (ComponentEndpointConfig takes none): remove the data_capture "
        "table or serve the models with instance_variants",
    )


def test_deployment_guardrails_beside_an_instance_pool_are_refused_by_the_files_key(raw: dict[str, Any]) -> None:
    """The Endpoint's rule (guardrails update production variants), reported with the file's key."""
    data = copy.deepcopy(raw)
    data["environments"]["shared"]["deployment"] = {"blue_green": {"traffic_routing": "all_at_once"}}
    assert _build_problems(data) == (
        "environment 'shared': deployment: not allowed with a ComponentEndpointConfig; deployment guardrails update "
        "production variants: give each InferenceComponent a rolling_update (ComponentRollingUpdate) instead",
    )


def test_a_shadow_variant_beside_async_inference_is_refused_by_the_files_key() -> None:
    data = _variants_env(
        shadow_variant={"name": "candidate", "model": "b", "instance_type": "ml.m5.large"},
        async_inference={},
    )
    assert _build_problems(data) == (
        "environment 'ab': shadow_variant: not allowed with async_inference; SageMaker excludes asynchronous "
        "inference from shadow tests (https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-exclusions.html)",
    )
