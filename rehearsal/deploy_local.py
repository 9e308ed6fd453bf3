"""``make deploy-local ENV=<name>``: deploy environments' stacks to moto with the real CDK CLI.

Starts a moto server on a free 127.0.0.1 port, runs ``cdk bootstrap`` and ``cdk deploy`` against it
(dummy credentials, no AWS account needed), checks what was created with boto3 describe calls
(:mod:`rehearsal.verify`) and prints a report per stack. Each environment goes to its own
``account``/``region`` of ``stacks/environments.toml`` on moto (moto's default account and us-east-1
when it names none). The server stops on exit, on failure and on Ctrl-C / SIGTERM; ``--keep``
(``KEEP=1``) keeps it running for inspection until Ctrl-C. moto's "No Moto CloudFormation support"
warnings are summed up in one line per stack; ``--verbose`` (``VERBOSE=1``) shows them.

    python -m rehearsal.deploy_local [--env NAME ...| --all] [--keep] [--port 4566] [--verbose]
"""

from __future__ import annotations

import argparse
import dataclasses
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

from rehearsal.moto_server import BOOTSTRAP_VERSION_PARAMETER, MotoServer, Target
from rehearsal.verify import Report, skipped_summary, verify_stack
from stacks.config import AppConfig, ConfigError, EnvironmentConfig, load

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
#: The CLI's cloud assembly for local deploys (``cdk.*.out/`` is git-ignored).
OUTDIR = ROOT / "cdk.local.out"
#: Where the CLI caches context lookups (Availability Zones of an environment with an account and region).
CONTEXT_FILE = ROOT / "cdk.context.json"


@dataclass
class Timings:
    """Seconds spent per phase, in order (a phase run again adds up)."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as ``name``."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.monotonic() - started

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


@contextmanager
def context_file_restored(path: Path = CONTEXT_FILE) -> Iterator[None]:
    """Leave ``cdk.context.json`` as the block found it: the CLI caches there what it looked up on moto
    (the Availability Zones of an environment with an ``account`` and ``region``), and a real deploy
    must not use moto's answers."""
    before = path.read_bytes() if path.exists() else None
    try:
        yield
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)


def target_of(env: EnvironmentConfig) -> Target:
    """Where ``env``'s stack goes on moto: its ``account`` and ``region``, or moto's defaults."""
    return Target.of(account=env.account, region=env.region)


def cli_environment(server: MotoServer, target: Target) -> dict[str, str]:
    """The CDK CLI's environment: moto, dummy credentials of ``target``, this venv's python3 first on PATH."""
    env = server.environment(target=target)
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


def cdk_deploy(
    server: MotoServer, envs: Sequence[EnvironmentConfig], timings: Timings, outdir: Path = OUTDIR
) -> dict[str, Path]:
    """Bootstrap the emulator and deploy the stacks of ``envs`` with the CDK CLI, one bootstrap and one
    ``cdk deploy`` per account and region; return each environment's template path."""
    by_target: dict[Target, list[EnvironmentConfig]] = {}
    for env in envs:
        by_target.setdefault(target_of(env), []).append(env)
    with context_file_restored():
        for target, group in by_target.items():
            _deploy_to(server, target, group, timings, outdir)
    return {env.name: outdir / f"{env.stack_name}.template.json" for env in envs}


def _deploy_to(
    server: MotoServer, target: Target, group: Sequence[EnvironmentConfig], timings: Timings, outdir: Path
) -> None:
    """``cdk bootstrap`` and ``cdk deploy`` of ``group``'s stacks, all in ``target``."""
    quiet = ["--no-notices", "--no-version-reporting", "--ci"]
    cli_env = cli_environment(server, target)
    with timings.phase("cdk bootstrap"):
        run([str(CDK), "bootstrap", target.aws_environment, *quiet, "--output", str(outdir)], cli_env)
    # One environment: synthesise only its stack (app.py reads -c env=<name>).
    only = ["-c", f"env={group[0].name}"] if len(group) == 1 else []
    with timings.phase("cdk deploy"):
        run(
            [
                str(CDK),
                "deploy",
                *(env.stack_name for env in group),
                *only,
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
            cli_env,
        )


def rehearse(
    config: AppConfig, env_names: Sequence[str], server: MotoServer, timings: Timings, *, outdir: Path = OUTDIR
) -> list[Report]:
    """Deploy the stacks of ``env_names`` to ``server`` with the CDK CLI and verify each; one report each."""
    envs = [config.environment(name) for name in env_names]
    templates = cdk_deploy(server, envs, timings, outdir)
    reports = []
    for env in envs:
        template = json.loads(templates[env.name].read_text())
        with timings.phase("verify"):
            report = verify_stack(
                server.clients(target_of(env)),
                stack_name=env.stack_name,
                env=env,
                models=config.models,
                template=template,
            )
        reports.append(dataclasses.replace(report, note=skipped_summary(server.skipped_types, template)))
    return reports


def wait_for_ctrl_c(server: MotoServer, targets: Sequence[Target]) -> None:
    """Keep the server up until Ctrl-C, printing how to reach it (per account and region)."""
    lines = [f"\nmoto is still running on {server.url} (KEEP=1). In another shell:"]
    for target in dict.fromkeys(targets):
        names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        credentials = server.credentials(target)
        exports = " ".join(f"{k}={credentials[k]}" for k in names if k in credentials)
        lines.append(
            f"  export AWS_ENDPOINT_URL={server.url} {exports} AWS_DEFAULT_REGION={target.region}"
            f"   # {target.aws_environment}"
        )
    lines += [
        f"  aws sagemaker list-endpoints   # or boto3 / the moto dashboard at {server.url}/moto-api/",
        "Press Ctrl-C to stop it.",
    ]
    print("\n".join(lines), flush=True)
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping moto", flush=True)


def environment_names(config: AppConfig, requested: Sequence[str] | None, every: bool) -> list[str]:
    """The environments to rehearse: ``--all``, ``--env`` names, ``$ENV`` (names separated by spaces or
    commas), or else the first environment of the configuration. Unknown names raise ``ConfigError``."""
    if every:
        return list(config.environments)
    names = list(requested or os.environ.get("ENV", "").replace(",", " ").split())
    names = names or list(config.environments)[:1]
    for name in names:
        config.environment(name)
    return list(dict.fromkeys(names))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--env",
        nargs="+",
        metavar="NAME",
        help="environment(s) of stacks/environments.toml (default: $ENV, else the first one in the file)",
    )
    which.add_argument("--all", action="store_true", help="every environment of stacks/environments.toml")
    parser.add_argument("--keep", action="store_true", help="keep the moto server running until Ctrl-C")
    parser.add_argument("--port", type=int, default=0, help="moto port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--outdir", type=Path, default=OUTDIR, help="the CLI's cloud assembly (default: cdk.local.out)")
    parser.add_argument("--verbose", action="store_true", help="show moto's warnings for resources it skips")
    args = parser.parse_args(argv)
    try:
        config = load()
        names = environment_names(config, args.env, args.all)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not CDK.exists():
        print(f"{CDK} is missing: run `make setup` first", file=sys.stderr)
        return 2

    timings = Timings()
    started = time.monotonic()
    server = MotoServer(args.port, verbose=args.verbose)
    targets = [target_of(config.environments[name]) for name in names]
    with signals_unwind():
        try:
            server.start()
            print(f"moto server on {server.url} (127.0.0.1 only; stopped on exit)", flush=True)
            reports = rehearse(config, names, server, timings, outdir=args.outdir)
            for report in reports:
                print("\n" + report.render(server.url))
            print(f"\nTook {time.monotonic() - started:.1f} s: {timings.render()}.")
            if not args.keep:
                print("Stopping moto. To keep it running for inspection: make deploy-local KEEP=1")
            else:
                wait_for_ctrl_c(server, targets)
            return 0 if all(report.ok for report in reports) else 1
        except subprocess.CalledProcessError as exc:
            command = " ".join(map(str, exc.cmd[:2]))
            print(f"\ndeploy-local failed: {command} exited with {exc.returncode}", file=sys.stderr)
            if args.keep:
                wait_for_ctrl_c(server, targets)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
