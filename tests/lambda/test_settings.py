"""``settings``: the environment read into a frozen ``Settings``, bad values refused when the function starts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import ModuleType, SimpleNamespace

import pytest


def test_defaults_fit_inside_api_gateway_timeout(load_handler: Callable[..., ModuleType]) -> None:
    settings = load_handler().front_door.settings

    assert (settings.connect_timeout, settings.read_timeout, settings.max_attempts) == (1.0, 9.0, 2)
    # 2 x (1 + 9) + one retry's worst backoff (0.1 s + 0.1 s jitter)
    assert settings.budget_ms == pytest.approx(20_200)
    assert settings.lambda_timeout_seconds == 22
    assert settings.lambda_timeout_seconds < 29  # API Gateway's integration timeout


def test_budget_follows_the_environment(load_handler: Callable[..., ModuleType]) -> None:
    settings = load_handler(
        SAGEMAKER_CONNECT_TIMEOUT="0.5", SAGEMAKER_READ_TIMEOUT="4", SAGEMAKER_MAX_ATTEMPTS="3"
    ).front_door.settings

    assert (settings.connect_timeout, settings.read_timeout, settings.max_attempts) == (0.5, 4.0, 3)
    assert settings.budget_ms == pytest.approx((3 * 4.5 + (0.1 + 0.1) + (0.2 + 0.1)) * 1000)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ENDPOINT_NAME": None}, "ENDPOINT_NAME must be set"),
        ({"ENDPOINT_NAME": "  "}, "ENDPOINT_NAME must be set"),
        ({"SAGEMAKER_READ_TIMEOUT": "20"}, "budget 42.2s exceeds 27s"),
        ({"SAGEMAKER_MAX_ATTEMPTS": "4", "SAGEMAKER_READ_TIMEOUT": "6"}, "exceeds"),
        ({"SAGEMAKER_READ_TIMEOUT": "soon"}, "SAGEMAKER_READ_TIMEOUT must be a number"),
        ({"SAGEMAKER_MAX_ATTEMPTS": "0"}, "SAGEMAKER_MAX_ATTEMPTS must be an integer between 1 and 10"),
        ({"SAGEMAKER_MAX_ATTEMPTS": "2.5"}, "SAGEMAKER_MAX_ATTEMPTS must be an integer"),
        ({"MAX_BODY_BYTES": "7000000"}, "MAX_BODY_BYTES must be an integer between 1 and 4521984"),
        ({"MAX_BODY_BYTES": "4521985"}, "MAX_BODY_BYTES must be an integer between 1 and 4521984"),
        ({"MAX_BODY_BYTES": "nan"}, "MAX_BODY_BYTES must be an integer between"),
        ({"SAGEMAKER_CONNECT_TIMEOUT": "inf"}, "SAGEMAKER_CONNECT_TIMEOUT must be a number between 0.01 and 27"),
        ({"HEALTH_CACHE_SECONDS": "-1"}, "HEALTH_CACHE_SECONDS must be a number between"),
    ],
)
def test_bad_settings_fail_loudly_at_import(
    load_handler: Callable[..., ModuleType], env: dict[str, str | None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_handler(**env)


def test_list_settings_are_trimmed_and_lower_cased(load_handler: Callable[..., ModuleType]) -> None:
    settings = load_handler(
        VARIANT_NAMES=" blue, green ,,", ALLOWED_CONTENT_TYPES="Application/JSON , text/csv"
    ).front_door.settings

    assert settings.variant_names == frozenset({"blue", "green"})
    assert settings.allowed_content_types == frozenset({"application/json", "text/csv"})


def test_default_content_types(load_handler: Callable[..., ModuleType]) -> None:
    content_types = load_handler().front_door.settings.allowed_content_types
    assert content_types == {
        "application/json",
        "text/csv",
        "application/x-npy",
        "image/jpeg",
        "image/png",
        "application/octet-stream",
    }


# --------------------------------------------------------------------------
# Settings.from_environ on its own (no handler, no process environment)
# --------------------------------------------------------------------------
def test_every_problem_is_reported_at_once(runtime: SimpleNamespace) -> None:
    env = {"SAGEMAKER_READ_TIMEOUT": "soon", "MAX_BODY_BYTES": "0", "HEALTH_CACHE_SECONDS": "x"}

    with pytest.raises(runtime.settings.SettingsError) as raised:
        runtime.settings.Settings.from_environ(env)

    assert str(raised.value) == (
        "ENDPOINT_NAME must be set; SAGEMAKER_READ_TIMEOUT must be a number, got 'soon'; "
        "MAX_BODY_BYTES must be an integer between 1 and 4521984, got '0'; "
        "HEALTH_CACHE_SECONDS must be a number, got 'x'"
    )  # and no budget complaint on top of a timeout that is not a number
    assert isinstance(raised.value, ValueError)


def test_budget_over_the_limit_names_the_variables_to_lower(runtime: SimpleNamespace) -> None:
    env = {"ENDPOINT_NAME": "e", "SAGEMAKER_MAX_ATTEMPTS": "3", "SAGEMAKER_READ_TIMEOUT": "8"}

    with pytest.raises(runtime.settings.SettingsError, match=r"^SageMaker call budget 27\.5s exceeds 27s: lower "):
        runtime.settings.Settings.from_environ(env)


def test_the_largest_budget_that_fits_is_accepted(runtime: SimpleNamespace) -> None:
    env = {
        "ENDPOINT_NAME": "e",
        "SAGEMAKER_MAX_ATTEMPTS": "1",
        "SAGEMAKER_CONNECT_TIMEOUT": "1",
        "SAGEMAKER_READ_TIMEOUT": "26",
    }

    settings = runtime.settings.Settings.from_environ(env)

    assert settings.budget_ms == 27_000
    assert settings.lambda_timeout_seconds == 28


def test_from_environ_defaults_are_the_dataclass_defaults_and_the_contract(runtime: SimpleNamespace) -> None:
    contract, settings_class = runtime.contract, runtime.settings.Settings

    settings = settings_class.from_environ({"ENDPOINT_NAME": " my-endpoint "})

    assert settings == settings_class(endpoint_name="my-endpoint")
    assert settings.max_body_bytes == contract.MAX_BODY_BYTES
    assert settings.allowed_content_types == frozenset(contract.DEFAULT_ALLOWED_CONTENT_TYPES)
    assert settings.connect_timeout * 1000 == contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS
    assert settings.read_timeout * 1000 == contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS
    assert settings.max_attempts == contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS
    assert settings.health_cache_seconds == contract.DEFAULT_HEALTH_CACHE_SECONDS
    assert not settings.is_async
    assert (
        settings.invocation_mode,
        settings.async_bucket,
        settings.async_input_prefix,
        settings.async_invocation_timeout_seconds,
        settings.async_request_ttl_seconds,
    ) == ("real-time", "", "input/", 900, 21_600)
    assert (settings.service_name, settings.metrics_namespace) == ("front-door", "SageMakerServing")
    assert settings.variant_names == settings.cors_allowed_origins == settings.binary_media_types == frozenset()


def test_every_contract_variable_is_read(runtime: SimpleNamespace) -> None:
    """Each ENV_* name of the contract changes the settings (POWERTOOLS_LOG_LEVEL is read by the Logger)."""
    contract, settings_class = runtime.contract, runtime.settings.Settings
    values = {
        contract.ENV_ENDPOINT_NAME: "other",
        contract.ENV_VARIANT_NAMES: "a",
        contract.ENV_INFERENCE_COMPONENTS: "a=x",
        contract.ENV_MAX_BODY_BYTES: "10",
        contract.ENV_ALLOWED_CONTENT_TYPES: "text/csv",
        contract.ENV_SAGEMAKER_CONNECT_TIMEOUT: "2",
        contract.ENV_SAGEMAKER_READ_TIMEOUT: "3",
        contract.ENV_SAGEMAKER_MAX_ATTEMPTS: "1",
        contract.ENV_HEALTH_CACHE_SECONDS: "0",
        contract.ENV_CORS_ALLOWED_ORIGINS: "*",
        contract.ENV_BINARY_MEDIA_TYPES: "image/*",
        contract.ENV_POWERTOOLS_SERVICE_NAME: "svc",
        contract.ENV_POWERTOOLS_METRICS_NAMESPACE: "Ns",
        contract.ENV_INVOCATION_MODE: "async",
        contract.ENV_ASYNC_BUCKET: "b",
        contract.ENV_ASYNC_INPUT_PREFIX: "in/",
        contract.ENV_ASYNC_INVOCATION_TIMEOUT_SECONDS: "60",
        contract.ENV_ASYNC_REQUEST_TTL_SECONDS: "600",
    }
    base = settings_class.from_environ({contract.ENV_ENDPOINT_NAME: "e"})
    assert set(values) | {contract.ENV_POWERTOOLS_LOG_LEVEL} == {
        v for k, v in vars(contract).items() if k.startswith("ENV_")
    }
    for name, value in values.items():
        # INVOCATION_MODE=async needs its bucket.
        needed = {contract.ENV_ASYNC_BUCKET: "b"} if name == contract.ENV_INVOCATION_MODE else {}
        changed = settings_class.from_environ({contract.ENV_ENDPOINT_NAME: "e", name: value, **needed})
        assert changed != base, name


def test_settings_are_frozen(runtime: SimpleNamespace) -> None:
    settings = runtime.settings.Settings(endpoint_name="e")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_attempts = 5  # type: ignore[misc]
