"""``make deploy-local`` for every environment: the real CDK CLI bootstraps moto and deploys the stacks,
one bootstrap and one ``cdk deploy`` per account and region (about 40 s for the reference configuration)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal.deploy_local import CDK, ROOT, context_file_restored, environment_names, target_of
from rehearsal.moto_server import SKIPPED_TYPE_MESSAGE, port_is_open
from stacks.config import AppConfig, ConfigError


@pytest.mark.skipif(not CDK.exists(), reason="node_modules/.bin/cdk missing: run `make setup`")
def test_deploy_local_with_the_cdk_cli(app_config: AppConfig, tmp_path: Path) -> None:
    envs = list(app_config.environments.values())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "constructs")])}
    command = [sys.executable, "-m", "rehearsal.deploy_local", "--env", *(e.name for e in envs)]
    result = subprocess.run(
        [*command, "--outdir", str(tmp_path / "cdk.out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for target in {target_of(e) for e in envs}:
        assert f"Environment {target.aws_environment} bootstrapped" in output
    for e in envs:
        assert f"{e.stack_name}: creating stack" in output
        # The URL output names the stage (it read .../None/ before moto_patches created stages).
        url = re.search(rf"^{re.escape(e.stack_name)}\.FrontDoorUrl = (\S+)$", output, re.MULTILINE)
        assert url is not None, output
        assert url.group(1).endswith(f".amazonaws.com/{e.front_door.stage_name}/"), url.group(1)
    reports = re.findall(r"^Deploy rehearsal of (\S+) on ", output, re.MULTILINE)
    assert reports == [e.stack_name for e in envs]
    assert len(re.findall(r"^\d+ passed, 0 failed", output, re.MULTILINE)) == len(envs), output
    assert output.count("[ ok ] status: InService") == len(envs)
    assert "/None/" not in output
    # moto's warnings are hidden; one line per stack says what it skipped.
    assert SKIPPED_TYPE_MESSAGE.removesuffix("%s") not in output
    skipped = re.findall(r"^moto skipped (\d+) resource\(s\) of \d+ type\(s\) it does not emulate: (.*)$", output, re.M)
    assert len(skipped) == len(envs), output
    assert all(int(count) > 0 and "checked by the template tests" in rest for count, rest in skipped), skipped
    assert "make deploy-local KEEP=1" in output
    # The server it started is gone with it.
    port = int(re.search(r"moto server on http://127\.0\.0\.1:(\d+)", output).group(1))  # type: ignore[union-attr]
    assert not port_is_open(port)
    assert not _processes_mentioning(str(tmp_path)), "the CDK CLI or its app outlived deploy-local"


def test_which_environments_are_rehearsed(app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    names = list(app_config.environments)
    monkeypatch.delenv("ENV", raising=False)
    assert environment_names(app_config, None, every=False) == names[:1]  # the first one in the file
    assert environment_names(app_config, None, every=True) == names
    assert environment_names(app_config, names[::-1], every=False) == names[::-1]
    monkeypatch.setenv("ENV", ", ".join([*names, names[0]]))
    assert environment_names(app_config, None, every=False) == names  # $ENV, duplicates once
    with pytest.raises(ConfigError, match=r"environment 'nowhere' is unknown; known environments: "):
        environment_names(app_config, ["nowhere"], every=False)


def test_cdk_context_file_is_left_as_found(tmp_path: Path) -> None:
    """The CLI caches lookups made on moto in cdk.context.json; a real deploy must not see them."""
    context = tmp_path / "cdk.context.json"
    with context_file_restored(context):
        context.write_text('{"availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a"]}')
    assert not context.exists()
    context.write_text('{"mine": 1}')
    with context_file_restored(context):
        context.write_text('{"mine": 1, "moto": 2}')
    assert context.read_text() == '{"mine": 1}'


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
