"""Benchmark: synthesising every environment's stack vs an empty CDK app (the jsii start-up floor).

Run by hand: ``make bench`` (or ``.venv/bin/python bench/synth.py --runs 7``). Paired runs, in
alternating order, each in a fresh process: wall time and peak memory of the whole process tree
(Python + the jsii Node process), sampled from /proc. Prints the median ratio and the peak.

Both apps run with the same CDK built-in CloudFormation validation setting (``CDK_VALIDATION``):
off by default, as ``app.py`` ships (cfn-lint runs instead); ``--builtin-validation`` measures both
with it on (measured: it adds 1.1 s and 240 MiB to the empty app, 1.7 s and 375 MiB to this one).

``--baseline REV`` adds the app as it was at git revision ``REV`` (checked out into a temporary
worktree, with its own configuration and code) to the same pairs, and prints this tree's time and
peak against it: the before/after measurement of a change, in one run. ``--config FILE`` adds this
tree's app on another configuration to the same pairs (the baseline keeps its own):
``--baseline 9cff397 --config bench/reference_9cff397.toml`` compares the same three stacks, before
and after, apart from what later issues added to the reference configuration. ``--baseline-config FILE``
gives the baseline FILE instead of its own configuration (copied over its ``stacks/environments.toml``).

``foundation`` synthesises, for every environment (or the ``--env`` one), only what the
foundation issue covers: the models, endpoint config, endpoint and autoscaling
(:func:`stacks.serving_endpoint.compose_endpoint` on a bare stack, no VPC, no front door).

Two lower bounds run in the same pairs, so the app's ratio can be read against what any CDK
library would pay for the same output:

* ``floor: submodules`` imports the aws_cdk submodules the environments need (SageMaker, IAM, KMS,
  Application Auto Scaling, API Gateway, Lambda, Logs, WAFv2, EC2) and creates one L1 resource of
  each: the price of touching those services from Python at all;
* ``floor: core only`` re-creates every resource of the app's own templates (synthesised once
  first) as a bare ``aws_cdk.CfnResource`` in stacks of the same names: one jsii call per
  resource, no submodule, no L2, no asset. No construct library can emit these templates for less.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMPTY_APP = (
    "import os, aws_cdk as cdk\napp = cdk.App(outdir=os.environ['CDK_OUTDIR'])\ncdk.Stack(app, 'Empty')\napp.synth()\n"
)
SUBMODULES_APP = """
import os, aws_cdk as cdk
from aws_cdk import aws_apigateway, aws_applicationautoscaling, aws_ec2, aws_iam, aws_kms, aws_lambda
from aws_cdk import aws_logs, aws_sagemaker, aws_wafv2
app = cdk.App(outdir=os.environ["CDK_OUTDIR"])
s = cdk.Stack(app, "Floor")
aws_iam.CfnRole(s, "Role", assume_role_policy_document={})
aws_kms.CfnKey(s, "Key")
aws_logs.CfnLogGroup(s, "Logs")
aws_sagemaker.CfnModel(s, "Model", execution_role_arn="arn")
aws_applicationautoscaling.CfnScalableTarget(
    s, "Target", max_capacity=1, min_capacity=1, resource_id="r", scalable_dimension="d", service_namespace="n"
)
aws_ec2.CfnVPC(s, "Vpc", cidr_block="10.0.0.0/16")
aws_apigateway.CfnRestApi(s, "Api")
aws_lambda.CfnFunction(s, "Function", code={}, role="arn")
aws_wafv2.CfnWebACL(
    s, "Acl", default_action={"allow": {}}, scope="REGIONAL",
    visibility_config={"cloudWatchMetricsEnabled": True, "metricName": "m", "sampledRequestsEnabled": True},
)
app.synth()
"""
CORE_ONLY_APP = """
import json, os, pathlib, aws_cdk as cdk
app = cdk.App(outdir=os.environ["CDK_OUTDIR"])
for path in sorted(pathlib.Path(os.environ["BENCH_TEMPLATES"]).glob("*.template.json")):
    stack = cdk.Stack(app, path.name.split(".")[0])
    for logical_id, resource in json.loads(path.read_text())["Resources"].items():
        if resource["Type"] != "AWS::CDK::Metadata":
            cdk.CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
app.synth()
"""
FOUNDATION_APP = """
import json, os, aws_cdk as cdk
from stacks.config import load
from stacks.serving_endpoint import compose_endpoint
config = load()
only = json.loads(os.environ.get("CDK_CONTEXT_JSON", "{}")).get("env")
app = cdk.App(outdir=os.environ["CDK_OUTDIR"])
for env in config.environments.values():
    if only in (None, env.name):
        compose_endpoint(cdk.Stack(app, env.stack_name), env, config.models)
app.synth()
"""
TARGET_RATIO, TARGET_PEAK_MIB = 1.3, 550
BASELINE = "baseline app"


def _tree_rss_kib(root_pid: int) -> int:
    """Sum of VmRSS over ``root_pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pid, ppid = int(entry), int(fields["PPid"])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _children_cpu() -> float:
    """User + system CPU seconds of every waited-for descendant so far (a process's figure includes the
    descendants it waited for: the app's Node process is waited for by jsii at exit)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


VALIDATION = {"CDK_VALIDATION": "false"}
#: Context added to every app's (``-c`` on the command line): ``env`` with ``--env``.
CONTEXT: dict[str, str] = {}


def _cli_context(cdk_json: Path) -> dict[str, object]:
    """``app.cli_context`` of this tree (imported here: the bench runs as a script, not from the root)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from app import cli_context

    return cli_context(cdk_json)


def app_command(root: Path) -> list[str]:
    """The command ``cdk synth`` runs in ``root`` (its cdk.json ``app``), with this interpreter as ``python3``:
    each tree is measured as its own CLI runs it (flags such as ``-O`` included)."""
    argv = shlex.split(json.loads((root / "cdk.json").read_text())["app"])
    return [sys.executable if arg in {"python", "python3"} else arg for arg in argv]


def run(
    argv: list[str], outdir: str | None = None, root: Path = ROOT, extra_env: dict[str, str] | None = None
) -> tuple[float, float, float]:
    """Run ``argv`` in ``root`` once (into ``outdir``, else a fresh folder); return (wall seconds, peak MiB of
    its process tree, CPU seconds of its process tree: user + system, Python and Node together).

    CPU time is what the app itself costs; on a machine shared with other work it varies far less than
    wall time (which includes waiting for a core)."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            # Bytecode is cached as on a developer's machine (the warm-up run writes it), whatever this shell says.
            **{key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"},
            **VALIDATION,
            "CDK_OUTDIR": outdir or scratch,
            "PYTHONPATH": f"{root}:{root / 'constructs'}",
            # As `make` runs it: the venv's Node binary and tools first, for every tree alike.
            "PATH": os.pathsep.join([str(ROOT / ".venv" / "node"), str(ROOT / ".venv" / "bin"), os.environ["PATH"]]),
            # What `cdk synth` gives every app: its cdk.json context (feature flags) and path metadata,
            # each tree its own, so an app run here does what it does under the CLI.
            "CDK_CONTEXT_JSON": json.dumps({**_cli_context(root / "cdk.json"), **CONTEXT}),
            **(extra_env or {}),
        }
        cpu_before = _children_cpu()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.DEVNULL)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_kib(proc.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        if code:
            raise SystemExit(f"{argv} exited with {code}")
        return elapsed, peak / 1024, _children_cpu() - cpu_before


def main() -> None:
    """Paired runs; print the table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--builtin-validation", action="store_true", help="run CDK's built-in validation in both")
    parser.add_argument("--env", help="synthesise only this environment's stack (-c env=NAME) instead of all")
    parser.add_argument("--baseline", metavar="REV", help="also run the app at git revision REV (before/after)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="also run this tree's app on configuration FILE (SERVING_CONFIG), e.g. bench/reference_9cff397.toml: "
        "the baseline's own configuration, to compare the same stacks; the baseline always reads its own",
    )
    parser.add_argument(
        "--baseline-config",
        metavar="FILE",
        type=Path,
        help="with --baseline: the baseline reads FILE instead of its own stacks/environments.toml (copied over it "
        "in its worktree), e.g. to compare both revisions on a configuration that avoids a later warning",
    )
    args = parser.parse_args()
    if args.baseline_config is not None and not args.baseline:
        parser.error("--baseline-config needs --baseline")
    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(_worktree(args.baseline)) if args.baseline else None
        if baseline is not None and args.baseline_config is not None:
            shutil.copyfile(args.baseline_config, baseline / "stacks" / "environments.toml")
        _bench(args, baseline)


@contextlib.contextmanager
def _worktree(rev: str) -> Iterator[Path]:
    """A detached temporary git worktree of ``rev``, removed afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "baseline"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(path), rev], cwd=ROOT, check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=True)


def _bench(args: argparse.Namespace, baseline: Path | None) -> None:
    """The paired runs of every command, then the table."""
    if args.env:
        CONTEXT["env"] = args.env
        print(f"only the {args.env} stack")
    VALIDATION["CDK_VALIDATION"] = "true" if args.builtin_validation else "false"
    print(f"CDK_VALIDATION={VALIDATION['CDK_VALIDATION']} for both apps")
    app_name = f"{args.env} stack" if args.env else "all environments"
    with tempfile.TemporaryDirectory() as templates:
        VALIDATION["BENCH_TEMPLATES"] = templates
        run(app_command(ROOT), outdir=templates)  # the templates the core-only floor re-creates
        commands = {
            "empty": [sys.executable, "-c", EMPTY_APP],
            app_name: app_command(ROOT),
            "foundation": [sys.executable, "-c", FOUNDATION_APP],
            "floor: submodules": [sys.executable, "-c", SUBMODULES_APP],
            "floor: core only": [sys.executable, "-c", CORE_ONLY_APP],
        }
        roots = dict.fromkeys(commands, ROOT)
        envs: dict[str, dict[str, str]] = {}
        if args.config is not None:
            config_app = f"{app_name}, {args.config.name}"
            commands[config_app] = app_command(ROOT)
            roots[config_app] = ROOT
            envs[config_app] = {"SERVING_CONFIG": str(args.config.resolve())}
        if baseline is not None:
            commands[BASELINE] = app_command(baseline)
            roots[BASELINE] = baseline
        for name, cmd in commands.items():  # warm the jsii cache, the file-system cache and the bytecode cache
            run(cmd, root=roots[name], extra_env=envs.get(name))
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.runs):
            order = list(commands)
            order = order[i % len(order) :] + order[: i % len(order)]  # rotate: no one always runs first
            for name in order:
                seconds, mib, cpu = run(commands[name], root=roots[name], extra_env=envs.get(name))
                times[name].append(seconds)
                cpus[name].append(cpu)
                peaks[name].append(mib)
            print(
                f"run {i + 1}: "
                + "  ".join(
                    f"{name} {times[name][-1]:.2f}s cpu {cpus[name][-1]:.2f}s ({peaks[name][-1]:.0f} MiB)"
                    for name in commands
                )
            )
    print("\nmedian of paired ratios against the empty app:")
    for name in commands:
        ratio = statistics.median(t / e for t, e in zip(times[name], times["empty"], strict=True))
        print(
            f"  {name:<20} {statistics.median(times[name]):.2f}s  {ratio:.2f}x  "
            f"cpu {statistics.median(cpus[name]):.2f}s  peak {max(peaks[name]):.0f} MiB "
            f"(median {statistics.median(peaks[name]):.0f})"
        )
    ratio = statistics.median(t / e for t, e in zip(times[app_name], times["empty"], strict=True))
    peak = max(peaks[app_name])
    if baseline is not None:
        print()
        for name in [n for n in commands if n == app_name or n.startswith(f"{app_name}, ")]:
            after = statistics.median(t / b for t, b in zip(times[name], times[BASELINE], strict=True))
            after_cpu = statistics.median(t / b for t, b in zip(cpus[name], cpus[BASELINE], strict=True))
            print(
                f"{name} against {args.baseline}: {after:.3f}x the time ({(1 - after) * 100:+.1f}% saved), "
                f"{after_cpu:.3f}x the CPU time ({(1 - after_cpu) * 100:+.1f}% saved), "
                f"peak {max(peaks[name]):.0f} MiB vs {max(peaks[BASELINE]):.0f} MiB "
                f"(medians {statistics.median(peaks[name]):.0f} vs {statistics.median(peaks[BASELINE]):.0f})"
            )
    print(
        f"\n{app_name}: {ratio:.2f}x (target <= {TARGET_RATIO}x), peak {peak:.0f} MiB (target <= {TARGET_PEAK_MIB} MiB)"
    )
    print("PASS" if ratio <= TARGET_RATIO and peak <= TARGET_PEAK_MIB else "MISS")


if __name__ == "__main__":
    main()
