"""Every command of the README's ``bash`` blocks runs as printed, or is listed here as not run, with the reason.

Each command is classified below; a command the README gains (or loses) fails
:func:`test_every_readme_command_is_classified` until this file says what to do with it. A command that needs no
AWS account runs exactly as printed (``bash -c <the line>``, comments included) in the repository root, from a
fresh shell: a clean environment with only ``PATH`` (less this checkout's ``.venv/bin``, ``.venv/node`` and ``node_modules/.bin``,
which a new shell does not have) and ``HOME``, plus

- ``SERVING_CONFIG``, the pinned reference configuration (``tests/fixtures/environments.toml``): the commands
  name its environments (``dev``, ``prod``), whatever a user's own ``stacks/environments.toml`` holds;
- the credential scrub of ``tests/setup/test_makefile.py`` (config and credentials files that do not exist) and
  ``AWS_EC2_METADATA_DISABLED``, so no command can find credentials or ask the instance-metadata service: nothing
  leaves 127.0.0.1.

Inline ``make …`` commands of the README's prose are checked against the Makefile's targets and variables.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
REFERENCE_CONFIG = ROOT / "tests" / "fixtures" / "environments.toml"


def canonical(command: str) -> str:
    """A command without its comment and with its continuation lines joined, as one comparable string."""
    return shlex.join(shlex.split(command.replace("\\\n", ""), comments=True))  # bash drops backslash-newline


@dataclass(frozen=True)
class Command:
    """A command of a ``bash`` block: the text as printed (continuation lines kept) and its canonical form."""

    printed: str

    @property
    def key(self) -> str:
        return canonical(self.printed)


def readme_commands() -> list[Command]:
    """Each command of each ```bash block, in order; blank and comment-only lines are not commands."""
    commands: list[Command] = []
    for block in re.findall(r"^```bash\n(.*?)^```", README.read_text(), flags=re.S | re.M):
        logical = ""
        for line in block.splitlines():
            logical += line + "\n"
            if line.endswith("\\"):
                continue
            if shlex.split(logical, comments=True):
                commands.append(Command(logical.rstrip("\n")))
            logical = ""
    return commands


# --- What the test does with each command (keys are canonical: no comment, one line) -------------------------

#: Not run here: CI runs them itself (``.ci/run``, checked below).
RUN_BY_CI = {
    "make synth": "CI runs it (.ci/run) before make test; it synthesises every environment and lints the templates",
    "make test": "CI runs it (.ci/run); run from here it would run this test again, recursively",
}

#: Not run, by design.
NOT_RUN = {
    "pip install awscurl": (
        "installs into whichever Python runs it and downloads from the package index: the test does not change "
        "the machine's Python (this package's own pip install is tested in fresh venvs by tests/packaging/)"
    ),
    canonical(
        "awscurl --service execute-api --region eu-west-1 -X POST -H 'Content-Type: application/json' "
        """-d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}' """
        "https://<api-id>.execute-api.eu-west-1.amazonaws.com/v1/invocations"
    ): "needs a deployed stack and AWS credentials, and would reach AWS; the URL is a placeholder",
}

#: Need an AWS account: the Makefile refuses them without credentials, in one line. Run without credentials.
GUARDED = (
    "make bootstrap ENV=prod",
    "make diff ENV=prod",
    "make deploy ENV=prod",
    "make shift ENV=prod WEIGHTS=champion=0.95,challenger=0.05",
)

#: Run as printed: exit 0 and a key line of the output, within a time limit (seconds).
RUN = {
    canonical('make cdk ARGS="synth ModelServing-prod -c env=prod"'): ("Type: AWS::SageMaker::Endpoint", 300),
    canonical("make plan ENV=prod"): ("cost a month (USD): $", 300),
}

#: A server that runs until Ctrl-C: started, used by the commands that follow it, then stopped with SIGINT.
SERVER = canonical("make serve-local ENV=dev PORT=8080")
SERVER_READY = "Press Ctrl-C to stop"
SERVER_START_SECONDS = 300
#: The commands run against the server, each with a key part of its answer.
CLIENTS = {
    "curl -s http://127.0.0.1:8080/health": '"status": "InService"',
    canonical(
        """curl -s -H 'Content-Type: application/json' -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}' """
        "http://127.0.0.1:8080/invocations"
    ): '"predictions"',
}

CLASSIFIED = {*RUN_BY_CI, *NOT_RUN, *GUARDED, *RUN, SERVER, *CLIENTS}


def printed(key: str) -> str:
    """The README's own text of the command whose canonical form is ``key``."""
    found = [c.printed for c in readme_commands() if c.key == key]
    assert found, f"the README no longer has `{key}`: update {Path(__file__).name}"
    return found[0]


def fresh_shell_env(tmp_path: Path) -> dict[str, str]:
    """What a new shell of this user has, less AWS credentials, on the reference configuration."""
    ours = {(ROOT / ".venv" / d).resolve() for d in ("bin", "node")} | {(ROOT / "node_modules" / ".bin").resolve()}
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and Path(p).resolve() not in ours]
    return {
        "PATH": os.pathsep.join(path),
        "HOME": os.environ["HOME"],
        "SERVING_CONFIG": str(REFERENCE_CONFIG),
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def run(command: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# --- The classification ---------------------------------------------------------------------------------------


def test_every_readme_command_is_classified() -> None:
    keys = [c.key for c in readme_commands()]
    assert len(keys) == len(set(keys)), f"a command is printed twice: {keys}"
    unknown = [k for k in keys if k not in CLASSIFIED]
    stale = sorted(CLASSIFIED - set(keys))
    assert not unknown, f"README commands this test does not know: {unknown}; classify them in {Path(__file__).name}"
    assert not stale, f"classified commands no longer in the README: {stale}"


def test_the_server_comes_before_the_commands_that_use_it() -> None:
    keys = [c.key for c in readme_commands()]
    assert all(keys.index(SERVER) < keys.index(client) for client in CLIENTS)


def test_ci_runs_the_two_commands_it_is_trusted_with() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert [line for line in lines if line in RUN_BY_CI] == list(RUN_BY_CI)


def test_every_command_not_run_says_why() -> None:
    for reason in [*RUN_BY_CI.values(), *NOT_RUN.values()]:
        assert len(reason) >= 40, reason


# --- The commands -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", GUARDED)
def test_a_command_needing_an_account_stops_in_one_line_without_credentials(command: str, tmp_path: Path) -> None:
    result = run(printed(command), fresh_shell_env(tmp_path), timeout=180)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "no AWS credentials found" in lines[0] and "make deploy-local ENV=prod" in lines[0]


@pytest.mark.parametrize("command", sorted(RUN))
def test_a_command_runs_as_printed(command: str, tmp_path: Path) -> None:
    key_line, timeout = RUN[command]
    result = run(printed(command), fresh_shell_env(tmp_path), timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert key_line in result.stdout


@contextmanager
def exclusive(port: int, timeout: float = 900) -> Iterator[None]:
    """One user of ``port`` at a time among the checkouts on this machine that run this test."""
    with open(Path(tempfile.gettempdir()) / f"sagemaker-serving-readme-port-{port}.lock", "w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, f"port {port}: another run of this test held it for {timeout} s"
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def accepts_connections(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_serve_local_serves_the_readme_curls_until_ctrl_c(tmp_path: Path) -> None:
    command = printed(SERVER)
    port_setting = re.search(r"PORT=(\d+)", command)
    assert port_setting, command
    port = int(port_setting.group(1))
    assert all(f"127.0.0.1:{port}/" in client for client in CLIENTS), "the curls must call the served port"
    env = fresh_shell_env(tmp_path)
    with exclusive(port):
        assert port_is_free(port), f"port {port} on 127.0.0.1 is taken by another program: the command cannot run"
        server = subprocess.Popen(
            ["bash", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        output: list[str] = []

        def read() -> None:
            assert server.stdout is not None
            for line in server.stdout:
                output.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while not any(SERVER_READY in line for line in output):
                assert server.poll() is None, "serve-local exited:\n" + "".join(output[-40:])
                assert time.monotonic() < deadline, "serve-local did not start in time:\n" + "".join(output[-40:])
                time.sleep(0.5)
            for client, expected in CLIENTS.items():
                answer = run(printed(client), env, timeout=60)
                assert answer.returncode == 0, (client, answer.stderr)
                assert expected in answer.stdout, (client, answer.stdout)
            os.killpg(server.pid, signal.SIGINT)  # Ctrl-C: the whole foreground process group
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
        reader.join(timeout=10)
    assert any(line.strip() == "stopping" for line in output), "".join(output[-20:])
    assert not accepts_connections(port)


# --- Inline commands ----------------------------------------------------------------------------------------------


def makefile_targets_and_variables() -> tuple[set[str], set[str]]:
    text = MAKEFILE.read_text().replace("\\\n", " ")
    phony = re.search(r"^\.PHONY:(.*)$", text, flags=re.M)
    assert phony, "the Makefile lists its targets in .PHONY"
    variables = set(re.findall(r"\$\((\w+)\)", text)) | set(re.findall(r"^(\w+)\s*\??:?=", text, flags=re.M))
    return set(phony.group(1).split()), variables


def test_every_make_command_in_the_readme_names_real_targets_and_variables() -> None:
    text = README.read_text()
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    inline = re.findall(r"`(make(?: [^`]*)?)`", prose)
    commands = inline + [c.key for c in readme_commands() if c.key.startswith("make")]
    assert "make test SNAPSHOT_UPDATE=1" in inline  # the one snapshot command, written in the prose
    targets, variables = makefile_targets_and_variables()
    for command in commands:
        words = shlex.split(command)[1:]
        assert words, command
        for word in words:
            name = word.split("=", 1)[0]
            if "=" in word:
                assert name in variables, f"`{command}`: the Makefile does not read {name}"
            else:
                assert name in targets, f"`{command}`: the Makefile has no target {name}"
