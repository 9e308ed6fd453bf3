"""``make deploy-local`` for dev: the real CDK CLI bootstraps moto and deploys the stack (about 10-20 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.deploy_local import CDK, ROOT
from rehearsal.moto_server import port_is_open


@pytest.mark.skipif(not CDK.exists(), reason="node_modules/.bin/cdk missing: run `make setup`")
def test_deploy_local_dev_with_the_cdk_cli(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "constructs")])}
    result = subprocess.run(
        [sys.executable, "-m", "rehearsal.deploy_local", "--env", "dev", "--outdir", str(tmp_path / "cdk.out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Environment aws://123456789012/us-east-1 bootstrapped" in output
    assert "ModelServing-dev: creating stack" in output
    assert re.search(r"\d+ passed, 0 failed", output), output
    assert "[ ok ] status: InService" in output
    assert "make deploy-local KEEP=1" in output
    # The server it started is gone with it.
    port = int(re.search(r"moto server on http://127\.0\.0\.1:(\d+)", output).group(1))  # type: ignore[union-attr]
    assert not port_is_open(port)
    assert not _processes_mentioning(str(tmp_path)), "the CDK CLI or its app outlived deploy-local"


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain ``text`` (Linux /proc; empty elsewhere)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found
