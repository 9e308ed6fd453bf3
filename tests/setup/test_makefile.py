"""The Makefile's guards: a plain message instead of a tool's stack, before anything is installed or called."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_old_or_missing_python_is_refused_with_a_plain_message() -> None:
    result = _make("check-python", "PYTHON=/nonexistent/python3.10")
    assert result.returncode != 0
    assert (
        "error: this project needs Python 3.11.5 or newer; '/nonexistent/python3.10' is not installed." in result.stderr
    )
    assert "PYTHON=python3.12" in result.stderr
    assert "Traceback" not in result.stderr and "ResolutionImpossible" not in result.stderr


def test_a_python_older_than_3_11_5_is_named_with_its_version(tmp_path: Path) -> None:
    """Debian 12's 3.11.2 passes a plain ">= 3.11" but cannot install the pinned soupsieve 4.1.3."""
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\n[ "$1" = "--version" ] && echo "Python 3.11.2" && exit 0\nexit 1\n')
    fake.chmod(0o755)
    result = _make("check-python", f"PYTHON={fake}")
    assert result.returncode != 0
    assert f"error: this project needs Python 3.11.5 or newer; '{fake}' is Python 3.11.2." in result.stderr


def test_current_python_passes_the_check() -> None:
    assert _make("check-python").returncode == 0


def test_deploy_without_credentials_says_so_in_one_line(tmp_path: Path) -> None:
    nowhere = {"AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds")}
    for target in ("diff", "deploy", "bootstrap"):
        result = _make(target, "ENV=prod", env=nowhere)
        assert result.returncode != 0, target
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert "no AWS credentials found" in lines[0] and "make deploy-local ENV=prod" in lines[0]
        assert "Unable to resolve AWS account" not in result.stdout + result.stderr


def test_credentials_from_the_environment_pass_the_check(tmp_path: Path) -> None:
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "creds"),
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example",
    }
    result = _make("check-credentials", env=env)
    assert result.returncode == 0, result.stderr
