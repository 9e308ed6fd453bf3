"""``POST /models/{component}/invocations`` and the health of inference components, run for real against the
loopback SageMaker (the handler's real boto3 clients, botocore's real wire format)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fake_sagemaker_runtime import DESCRIBE_COMPONENT, INVOKE, FakeResponse, FakeSageMaker

COMPONENTS = "fraud=ModelServing-shared-ComponentFraud-1A2B3C4D,churn=churn-v7"
NO_CAPACITY = (
    "Inference Component has no capacity to process this request. ApplicationAutoScaling may be in-progress "
    "(if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API."
)


@pytest.fixture
def frontdoor(frontdoor_factory: Callable[..., Any]) -> Any:
    return frontdoor_factory(INFERENCE_COMPONENTS=COMPONENTS)


@pytest.mark.parametrize("proxy", [False, True])
def test_a_component_call_names_its_inference_component(frontdoor: Any, fake: FakeSageMaker, proxy: bool) -> None:
    response = frontdoor.post("/models/fraud/invocations", body='{"amount": 12}', proxy=proxy)

    assert response.status == 200
    assert response.json() == {"amount": 12}
    [sent] = fake.requests_for(INVOKE)
    assert sent.path == "/endpoints/test-endpoint/invocations"
    assert sent.header("X-Amzn-SageMaker-Inference-Component") == "ModelServing-shared-ComponentFraud-1A2B3C4D"
    assert sent.header("X-Amzn-SageMaker-Target-Variant") is None


def test_each_name_maps_to_its_own_component(frontdoor: Any, fake: FakeSageMaker) -> None:
    assert frontdoor.post("/models/churn/invocations").status == 200
    assert fake.requests_for(INVOKE)[0].header("X-Amzn-SageMaker-Inference-Component") == "churn-v7"


@pytest.mark.parametrize("name", ["unknown", "ModelServing-shared-ComponentFraud-1A2B3C4D", "FRAUD"])
def test_an_unknown_name_is_404_before_sagemaker_is_called(frontdoor: Any, fake: FakeSageMaker, name: str) -> None:
    response = frontdoor.post(f"/models/{name}/invocations")

    assert response.status == 404
    assert response.error() == ("ComponentNotFound", "No such model on this endpoint")
    assert fake.requests == []


def test_without_components_the_route_is_404(frontdoor_factory: Callable[..., Any], fake: FakeSageMaker) -> None:
    response = frontdoor_factory().post("/models/fraud/invocations")

    assert response.status == 404
    assert response.error()[0] == "ComponentNotFound"
    assert fake.requests == []


@pytest.mark.parametrize("path", ["/invocations", "/variants/pool/invocations"])
def test_a_component_endpoint_needs_a_component_name(frontdoor: Any, fake: FakeSageMaker, path: str) -> None:
    response = frontdoor.post(path)

    assert response.status == 404
    assert response.error() == (
        "ComponentRequired",
        "This endpoint hosts several models: POST /models/{model}/invocations, with one of: churn, fraud",
    )
    assert fake.requests == []


def test_wrong_method_is_405(frontdoor: Any, fake: FakeSageMaker) -> None:
    response = frontdoor.request("GET", "/models/fraud/invocations")

    assert response.status == 405
    assert response.headers["Allow"] == "POST"


def test_scaled_to_zero_is_a_503_with_retry_after_and_no_retry(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.error("ValidationError", 400, NO_CAPACITY))

    response = frontdoor.post("/models/fraud/invocations")

    assert response.status == 503
    assert response.error() == (
        "ComponentScaledToZero",
        "The model has scaled to zero and is starting; retry in a minute or more",
    )
    assert response.headers["Retry-After"] == "60"
    assert len(fake.requests_for(INVOKE)) == 1  # that one refusal is what wakes the component


def test_other_validation_errors_stay_400(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.queue(INVOKE, FakeResponse.error("ValidationError", 400, "Inference Component is not valid"))

    response = frontdoor.post("/models/fraud/invocations")

    assert response.status == 400
    assert response.error() == ("ValidationError", "Inference Component is not valid")


def test_health_names_each_components_state(frontdoor: Any, fake: FakeSageMaker) -> None:
    fake.variant_names = ["pool"]
    fake.inference_components = {"ModelServing-shared-ComponentFraud-1A2B3C4D": ("InService", 0)}

    response = frontdoor.request("GET", "/health")

    assert response.status == 200
    assert response.json() == {
        "status": "InService",
        "variants": ["pool"],
        "components": {"churn": {"status": "Unknown"}, "fraud": {"status": "InService", "copies": 0}},
    }
    sent = fake.requests_for(DESCRIBE_COMPONENT)
    assert [json.loads(r.body) for r in sent] == [
        {"InferenceComponentName": "churn-v7"},
        {"InferenceComponentName": "ModelServing-shared-ComponentFraud-1A2B3C4D"},
    ]
    assert all(r.header("X-Amz-Target") == "SageMaker.DescribeInferenceComponent" for r in sent)


def test_component_states_are_cached_with_the_endpoints(
    frontdoor_factory: Callable[..., Any], fake: FakeSageMaker
) -> None:
    frontdoor = frontdoor_factory(INFERENCE_COMPONENTS=COMPONENTS, HEALTH_CACHE_SECONDS="60")
    fake.inference_components = {"churn-v7": ("Creating", 0)}

    frontdoor.request("GET", "/health")
    fake.inference_components = {"churn-v7": ("InService", 2)}
    second = frontdoor.request("GET", "/health")

    assert second.json()["components"]["churn"] == {"status": "Creating", "copies": 0}
    assert len(fake.requests_for(DESCRIBE_COMPONENT)) == 2  # one per component, once


def test_component_calls_are_counted_by_component(
    frontdoor: Any, fake: FakeSageMaker, stdout_records: Callable[[], list[dict[str, Any]]]
) -> None:
    stdout_records()
    frontdoor.post("/models/fraud/invocations")

    [record] = [r for r in stdout_records() if "_aws" in r]
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Component", "service"]]
    assert record["Component"] == "fraud"
    assert record["request"]["component"] == "fraud" and record["request"]["route"] == "component"


@pytest.mark.parametrize(
    "value",
    ["fraud", "fraud=", "=x", "fraud=a,fraud=b", "bad name=x", "fraud=-x"],
)
def test_bad_component_settings_fail_the_start(runtime: Any, value: str) -> None:
    with pytest.raises(runtime.settings.SettingsError, match=r"INFERENCE_COMPONENTS must be comma-separated"):
        runtime.settings.Settings.from_environ({"ENDPOINT_NAME": "e", "INFERENCE_COMPONENTS": value})


def test_component_settings_are_read(runtime: Any) -> None:
    settings = runtime.settings.Settings.from_environ({"ENDPOINT_NAME": "e", "INFERENCE_COMPONENTS": " a=x , b=y ,"})
    assert settings.inference_components == {"a": "x", "b": "y"}
    assert runtime.settings.Settings.from_environ({"ENDPOINT_NAME": "e"}).inference_components == {}


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/async-invocations"), ("GET", "/async-invocations/" + "a" * 32)]
)
def test_async_routes_do_not_exist_on_an_endpoint_with_components(
    frontdoor: Any, fake: FakeSageMaker, method: str, path: str
) -> None:
    response = frontdoor.request(method, path, body="{}", headers={"Content-Type": "application/json"})

    assert (response.status, response.error()) == (404, ("NotFound", "No such route"))
    assert fake.requests == []
