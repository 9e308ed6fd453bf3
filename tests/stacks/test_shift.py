"""``make shift``: WEIGHTS checked against the configuration before any AWS call, each problem by its message."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from stacks.config import AppConfig
from stacks.shift import Shift, ShiftError, main, parse_weights
from tests.conftest import REFERENCE_CONFIG_FILE, ROOT


def _problems(text: str, reference_config: AppConfig, env: str = "prod") -> tuple[str, ...]:
    with pytest.raises(ShiftError) as caught:
        parse_weights(text, reference_config.environments[env])
    return caught.value.problems


def test_weights_of_every_variant(reference_config: AppConfig) -> None:
    prod = reference_config.environments["prod"]
    assert parse_weights("champion=0.95,challenger=0.05", prod) == {"champion": 0.95, "challenger": 0.05}
    assert parse_weights(" challenger = 1 , champion=3 ", prod) == {"challenger": 1.0, "champion": 3.0}
    assert parse_weights("champion=1,challenger=0", prod) == {"champion": 1.0, "challenger": 0.0}  # drains it


def test_bad_syntax(reference_config: AppConfig) -> None:
    assert _problems("champion:0.95,challenger=0.05", reference_config) == (
        "WEIGHTS: 'champion:0.95' is not allowed; expected <variant>=<weight>, comma-separated",
    )
    assert _problems("=1,challenger=1", reference_config) == (
        "WEIGHTS: '=1' is not allowed; expected <variant>=<weight>, comma-separated",
    )
    assert _problems("  ", reference_config) == (
        "WEIGHTS is empty; give every variant of 'prod' a weight, e.g. WEIGHTS=champion=0.95,challenger=0.05",
    )


def test_unknown_missing_and_repeated_variants(reference_config: AppConfig) -> None:
    assert _problems("champoin=0.9,challenger=0.1", reference_config) == (
        "WEIGHTS: 'champoin' is not a variant of 'prod'; did you mean 'champion'? variants: champion, challenger",
    )
    assert _problems("champion=0.95", reference_config) == (
        "WEIGHTS: no weight for challenger; give every variant of 'prod' (champion, challenger)",
    )
    assert _problems("champion=1,challenger=1,champion=2", reference_config) == (
        "WEIGHTS: 'champion' is given twice; give each variant once",
    )


def test_weights_are_numbers_not_below_zero_and_not_all_zero(reference_config: AppConfig) -> None:
    assert _problems("champion=-0.1,challenger=abc", reference_config) == (
        "WEIGHTS: champion=-0.1 is not allowed; a weight is a number ≥ 0",
        "WEIGHTS: challenger=abc is not allowed; a weight is a number ≥ 0",
    )
    assert _problems("champion=nan,challenger=inf", reference_config)[0] == (
        "WEIGHTS: champion=nan is not allowed; a weight is a number ≥ 0"
    )
    assert _problems("champion=0,challenger=0.0", reference_config) == (
        "WEIGHTS: every weight is 0; at least one variant must take traffic (a weight > 0)",
    )


def test_a_one_variant_environment_has_nothing_to_shift(reference_config: AppConfig) -> None:
    assert _problems("champion=1", reference_config, "dev") == (
        "environment 'dev' has one variant (champion): there is no traffic to shift",
    )


def test_the_report_says_what_the_next_deploy_does(reference_config: AppConfig) -> None:
    done = Shift("ModelServing-prod", {"champion": 0.9, "challenger": 0.1}, {"champion": 0.95, "challenger": 0.05})
    assert done.render(reference_config.environments["prod"]).splitlines() == [
        "ModelServing-prod: endpoint ModelServing-prod shifted (UpdateEndpointWeightsAndCapacities)",
        "  champion    0.9 (90.0%) -> 0.95 (95.0%)",
        "  challenger  0.1 (10.0%) -> 0.05 (5.0%)",
        "The configuration still says champion=0.9, challenger=0.1: a deploy that replaces the endpoint config (a new "
        "model, a variant setting) applies those; to keep this split, set initial_weight in the configuration too.",
    ]


def test_main_checks_before_calling_aws(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad argument stops the command before a client is made: the factory is never called."""
    monkeypatch.setenv("SERVING_CONFIG", str(REFERENCE_CONFIG_FILE))
    called: list[str] = []
    assert main(["--env", "prod", "--weights", "champion=1"], client=called.append) == 2
    assert capsys.readouterr().err == (
        "error: WEIGHTS: no weight for challenger; give every variant of 'prod' (champion, challenger)\n"
    )
    assert main(["--env", "qa", "--weights", "a=1"], client=called.append) == 2
    assert "environment 'qa' is unknown; known environments: dev, prod, staging" in capsys.readouterr().err
    assert main(["--check", "--env", "prod", "--weights", "x=1,champion=-1"]) == 2
    assert capsys.readouterr().out == (
        "WEIGHTS: 'x' is not a variant of 'prod'; variants: champion, challenger; "
        "WEIGHTS: champion=-1 is not allowed; a weight is a number ≥ 0\n"
    )
    assert main(["--check", "--env", "prod", "--weights", "champion=0.5,challenger=0.5"]) == 0
    assert capsys.readouterr().out == ""
    assert called == []


def _make(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``make`` in a clean environment with no AWS credentials (as tests/setup/test_makefile.py runs it)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))}
    nowhere = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "SERVING_CONFIG": str(REFERENCE_CONFIG_FILE),
    }
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={**base, **nowhere},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_shift_stops_in_one_line_on_bad_weights_before_asking_for_credentials(tmp_path: Path) -> None:
    result = _make("shift", "ENV=prod", "WEIGHTS=champion=0.95,challengr=0.05", tmp_path=tmp_path)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "WEIGHTS: 'challengr' is not a variant of 'prod'; did you mean 'challenger'?" in lines[0]
    assert "credentials" not in lines[0]


def test_make_shift_with_good_weights_needs_credentials_and_says_so_in_one_line(tmp_path: Path) -> None:
    result = _make("shift", "ENV=prod", "WEIGHTS=champion=0.95,challenger=0.05", tmp_path=tmp_path)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "no AWS credentials found" in lines[0] and "make deploy-local ENV=prod" in lines[0]
