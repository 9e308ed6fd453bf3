"""Environment settings, the retry/timeout budget and the boto3 client config."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


def test_defaults_fit_inside_api_gateway_timeout(load_handler: Callable[..., ModuleType]) -> None:
    module = load_handler()

    assert (module.CONNECT_TIMEOUT, module.READ_TIMEOUT, module.MAX_ATTEMPTS) == (1.0, 9.0, 2)
    # 2 x (1 + 9) + one retry's worst backoff (0.1 s + 0.1 s jitter)
    budget = module.WORST_CASE_BUDGET_SECONDS
    assert budget == pytest.approx(20.2)
    assert module.LAMBDA_TIMEOUT_SECONDS == 22
    assert module.LAMBDA_TIMEOUT_SECONDS < module.API_GATEWAY_TIMEOUT_SECONDS


def test_client_is_configured_from_env(load_handler: Callable[..., ModuleType]) -> None:
    module = load_handler(SAGEMAKER_CONNECT_TIMEOUT="0.5", SAGEMAKER_READ_TIMEOUT="4", SAGEMAKER_MAX_ATTEMPTS="3")
    config = module.runtime.meta.config

    assert (config.connect_timeout, config.read_timeout) == (0.5, 4.0)
    # botocore never retries by itself (a read timeout would run the inference twice); the handler does.
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert module.MAX_ATTEMPTS == 3
    budget = module.WORST_CASE_BUDGET_SECONDS
    assert budget == pytest.approx(3 * 4.5 + (0.1 + 0.1) + (0.2 + 0.1))
    assert module.runtime.meta.service_model.service_name == "sagemaker-runtime"


@pytest.mark.parametrize(
    ("connect", "read", "attempts", "expected"),
    [
        (1, 9, 1, 10),
        (1, 9, 2, 20.2),
        (0.5, 2, 3, 3 * 2.5 + 0.5),
        (1, 1, 6, 6 * 2 + (0.1 + 0.2 + 0.4 + 0.8 + 1.0) + 5 * 0.1),
    ],
)
def test_worst_case_budget_formula(
    load_handler: Callable[..., ModuleType], connect: float, read: float, attempts: int, expected: float
) -> None:
    assert load_handler().worst_case_budget(connect, read, attempts) == pytest.approx(expected)


def test_budget_caps_backoff_at_1_second(load_handler: Callable[..., ModuleType]) -> None:
    budget = load_handler().worst_case_budget
    assert budget(0, 0, 8) - budget(0, 0, 7) == pytest.approx(1 + 0.1)  # 0.1 * 2**6 = 6.4 is capped


def test_body_limit_leaves_room_for_base64_and_the_event_envelope(load_handler: Callable[..., ModuleType]) -> None:
    module = load_handler()
    assert module.MAX_BODY_BYTES == module.MAX_BODY_LIMIT_BYTES == 4_521_984
    # The base64 form of the largest body plus a 256 KiB envelope fits Lambda's 6 MB event limit.
    assert (module.MAX_BODY_BYTES + 2) // 3 * 4 + 262_144 <= 6_291_456


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
    module = load_handler(VARIANT_NAMES=" blue, green ,,", ALLOWED_CONTENT_TYPES="Application/JSON , text/csv")

    variants, content_types = module.VARIANT_NAMES, module.ALLOWED_CONTENT_TYPES
    assert variants == frozenset({"blue", "green"})
    assert content_types == frozenset({"application/json", "text/csv"})


def test_default_content_types(load_handler: Callable[..., ModuleType]) -> None:
    content_types = load_handler().ALLOWED_CONTENT_TYPES
    assert content_types == {
        "application/json",
        "text/csv",
        "application/x-npy",
        "image/jpeg",
        "image/png",
        "application/octet-stream",
    }
