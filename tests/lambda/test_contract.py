"""``contract``: the values shared by the function and the construct, and the one budget formula."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

CONTRACT = Path(__file__).resolve().parents[2] / "lambda" / "front_door" / "contract.py"


@pytest.mark.parametrize(
    ("connect_ms", "read_ms", "attempts", "expected_ms"),
    [
        (1000, 9000, 1, 10_000),
        (1000, 9000, 2, 20_200),
        (500, 2000, 3, 3 * 2500 + 500),
        (1000, 1000, 6, 6 * 2000 + (100 + 200 + 400 + 800 + 1000) + 5 * 100),
    ],
)
def test_worst_case_budget_formula(
    runtime: SimpleNamespace, connect_ms: float, read_ms: float, attempts: int, expected_ms: float
) -> None:
    budget = runtime.contract.worst_case_budget_ms(connect_ms=connect_ms, read_ms=read_ms, attempts=attempts)
    assert budget == expected_ms


def test_budget_caps_backoff_at_1_second(runtime: SimpleNamespace) -> None:
    budget = runtime.contract.worst_case_budget_ms
    # 100 ms * 2**6 = 6.4 s is capped at 1 s (+ 100 ms jitter)
    assert budget(connect_ms=0, read_ms=0, attempts=8) - budget(connect_ms=0, read_ms=0, attempts=7) == 1_100


def test_integer_milliseconds_give_an_integer_budget(runtime: SimpleNamespace) -> None:
    """The construct prints the budget in its validation message: 20200 ms, not 20200.0 ms."""
    budget = runtime.contract.worst_case_budget_ms(connect_ms=1000, read_ms=9000, attempts=2)
    assert isinstance(budget, int) and f"{budget} ms" == "20200 ms"
    assert runtime.contract.worst_case_budget_ms(connect_ms=500.0, read_ms=1000, attempts=1) == 1500.0


def test_backoff_doubles_then_stops_at_the_cap(runtime: SimpleNamespace) -> None:
    assert [runtime.contract.backoff_ms(n) for n in range(6)] == [100, 200, 400, 800, 1000, 1000]


def test_body_limit_leaves_room_for_base64_and_the_event_envelope(runtime: SimpleNamespace) -> None:
    contract = runtime.contract
    assert contract.MAX_BODY_BYTES == 4_521_984
    assert contract.SERVERLESS_MAX_BODY_BYTES == 4_194_304
    # The base64 form of the largest body plus a 256 KiB envelope fits Lambda's 6 MB event limit.
    assert (contract.MAX_BODY_BYTES + 2) // 3 * 4 + contract.EVENT_ENVELOPE_BYTES <= contract.LAMBDA_PAYLOAD_LIMIT_BYTES


def test_timing_limits(runtime: SimpleNamespace) -> None:
    contract = runtime.contract
    assert (contract.MAX_INTEGRATION_TIMEOUT_MS, contract.HANDLER_MARGIN_MS, contract.MAX_BUDGET_MS) == (
        29_000,
        2_000,
        27_000,
    )
    defaults = contract.worst_case_budget_ms(
        connect_ms=contract.DEFAULT_SAGEMAKER_CONNECT_TIMEOUT_MS,
        read_ms=contract.DEFAULT_SAGEMAKER_READ_TIMEOUT_MS,
        attempts=contract.DEFAULT_SAGEMAKER_MAX_ATTEMPTS,
    )
    assert defaults == 20_200 <= contract.MAX_BUDGET_MS


def test_serving_statuses(runtime: SimpleNamespace) -> None:
    # Ordered: the direct integration renders them, in this order, into its health mapping template.
    assert runtime.contract.SERVING_STATUSES == (
        "InService",
        "Updating",
        "SystemUpdating",
        "RollingBack",
        "UpdateRollbackFailed",
    )


def test_environment_variable_names_are_distinct_and_named_after_their_constant(runtime: SimpleNamespace) -> None:
    names = {k: v for k, v in vars(runtime.contract).items() if k.startswith("ENV_")}
    assert len(set(names.values())) == len(names) == 19
    for constant, variable in names.items():
        assert constant == f"ENV_{variable}"


def test_contract_is_pure_standard_library_python() -> None:
    """The construct loads this file by path in a synth process: no boto3, no Powertools, no siblings."""
    tree = ast.parse(CONTRACT.read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported == {"__future__", "typing"}
