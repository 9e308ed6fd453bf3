"""``make deploy-local ENV=<name>``: deploy one environment's stack to moto with the real CDK CLI.

Starts a moto server on a free 127.0.0.1 port, runs ``cdk bootstrap`` and ``cdk deploy`` against it
(dummy credentials, us-east-1, no AWS account needed), checks what was created with boto3 describe
calls (:mod:`rehearsal.verify`) and prints the report. The server stops on exit, on failure and
on Ctrl-C / SIGTERM; ``--keep`` (``KEEP=1``) keeps it running for inspection until Ctrl-C.

    python -m rehearsal.deploy_local --env dev [--keep] [--port 4566]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from rehearsal.moto_server import ACCOUNT, BOOTSTRAP_VERSION_PARAMETER, REGION, MotoServer
from rehearsal.verify import Report, verify_stack
from stacks.config import AppConfig, ConfigError, load

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
#: The CLI's cloud assembly for local deploys (``cdk.*.out/`` is git-ignored).
OUTDIR = ROOT / "cdk.local.out"


@dataclass
class Timings:
    """Seconds spent per phase, in order."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as ``name``."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = time.monotonic() - started

    def render(self) -> str:
        """``bootstrap 12.3 s, deploy 20.1 s, ...``."""
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items())


@contextmanager
def signals_unwind() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into ``KeyboardInterrupt`` while the block runs, so ``finally``
    blocks run and servers stop whichever way the process is asked to end. (SIGINT too: a process
    started in the background by a script inherits an ignored SIGINT.)"""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cli_environment(server: MotoServer) -> dict[str, str]:
    """The CDK CLI's environment: moto, dummy credentials, this venv's python3 first on PATH."""
    env = server.environment()
    path = [str(Path(sys.executable).parent), str(CDK.parent), env.get("PATH", "")]
    env["PATH"] = os.pathsep.join(p for p in path if p)
    pythonpath = [str(ROOT), str(ROOT / "constructs"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in pythonpath if p)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    return env


def run(command: Sequence[str], env: dict[str, str]) -> None:
    """Run ``command`` in the repository root, output streamed; stop it if we are interrupted."""
    print("$ " + " ".join(command), flush=True)
    process = subprocess.Popen(list(command), cwd=ROOT, env=env)
    try:
        code = process.wait()
    except BaseException:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    if code != 0:
        raise subprocess.CalledProcessError(code, list(command))


def cdk_deploy(server: MotoServer, stack_name: str, env_name: str, timings: Timings, outdir: Path = OUTDIR) -> Path:
    """Bootstrap the emulator and deploy ``stack_name`` with the CDK CLI; return the template path."""
    env = cli_environment(server)
    quiet = ["--no-notices", "--no-version-reporting", "--ci"]
    with timings.phase("cdk bootstrap"):
        run([str(CDK), "bootstrap", f"aws://{ACCOUNT}/{REGION}", *quiet, "--output", str(outdir)], env)
    with timings.phase("cdk deploy"):
        run(
            [
                str(CDK),
                "deploy",
                stack_name,
                "-c",
                f"env={env_name}",
                *quiet,
                "--output",
                str(outdir),
                # Change sets fail on moto: create/update the stack directly.
                "--method=direct",
                "--require-approval",
                "never",
                "--parameters",
                f"BootstrapVersion={BOOTSTRAP_VERSION_PARAMETER}",
            ],
            env,
        )
    return outdir / f"{stack_name}.template.json"


def rehearse(
    config: AppConfig, env_name: str, server: MotoServer, timings: Timings, *, outdir: Path = OUTDIR
) -> Report:
    """Deploy ``env_name`` to ``server`` with the CDK CLI and verify it."""
    env = config.environment(env_name)
    template_file = cdk_deploy(server, env.stack_name, env_name, timings, outdir)
    with timings.phase("verify"):
        return verify_stack(
            server.client,
            stack_name=env.stack_name,
            env=env,
            models=config.models,
            template=json.loads(template_file.read_text()),
        )


def wait_for_ctrl_c(server: MotoServer) -> None:
    """Keep the server up until Ctrl-C, printing how to reach it."""
    print(
        f"\nmoto is still running on {server.url} (KEEP=1). In another shell:\n"
        f"  export AWS_ENDPOINT_URL={server.url} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
        f"AWS_DEFAULT_REGION={REGION}\n"
        "  aws sagemaker list-endpoints   # or boto3 / the moto dashboard at "
        f"{server.url}/moto-api/\n"
        "Press Ctrl-C to stop it.",
        flush=True,
    )
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping moto", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--env", default=os.environ.get("ENV", "dev"), help="environment name (default: dev)")
    parser.add_argument("--keep", action="store_true", help="keep the moto server running until Ctrl-C")
    parser.add_argument("--port", type=int, default=0, help="moto port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--outdir", type=Path, default=OUTDIR, help="the CLI's cloud assembly (default: cdk.local.out)")
    args = parser.parse_args(argv)
    try:
        config = load()
        config.environment(args.env)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not CDK.exists():
        print(f"{CDK} is missing: run `make setup` first", file=sys.stderr)
        return 2

    timings = Timings()
    started = time.monotonic()
    server = MotoServer(args.port)
    with signals_unwind():
        try:
            server.start()
            print(f"moto server on {server.url} (127.0.0.1 only; stopped on exit)", flush=True)
            report = rehearse(config, args.env, server, timings, outdir=args.outdir)
            print("\n" + report.render(server.url))
            print(f"\nTook {time.monotonic() - started:.1f} s: {timings.render()}.")
            if not args.keep:
                print("Stopping moto. To keep it running for inspection: make deploy-local KEEP=1")
            else:
                wait_for_ctrl_c(server)
            return 0 if report.ok else 1
        except subprocess.CalledProcessError as exc:
            command = " ".join(map(str, exc.cmd[:2]))
            print(f"\ndeploy-local failed: {command} exited with {exc.returncode}", file=sys.stderr)
            if args.keep:
                wait_for_ctrl_c(server)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
