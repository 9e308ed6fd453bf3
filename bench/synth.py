"""Benchmark: synthesising every environment's stack vs an empty CDK app (the jsii start-up floor).

Run by hand: ``make bench`` (or ``.venv/bin/python bench/synth.py --runs 7``). Paired runs, in
alternating order, each in a fresh process: wall time and peak memory of the whole process tree
(Python + the jsii Node process), sampled from /proc. Prints the median ratio and the peak.

Both apps run with the same CDK built-in CloudFormation validation setting (``CDK_VALIDATION``):
off by default, as ``app.py`` ships (cfn-lint runs instead); ``--builtin-validation`` measures both
with it on (it alone adds ~4 s and ~260 MiB to any app, the empty one included).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMPTY_APP = (
    "import os, aws_cdk as cdk\napp = cdk.App(outdir=os.environ['CDK_OUTDIR'])\ncdk.Stack(app, 'Empty')\napp.synth()\n"
)
TARGET_RATIO, TARGET_PEAK_MIB = 1.3, 550


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


VALIDATION = {"CDK_VALIDATION": "false"}


def run(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` once; return (seconds, peak MiB of its process tree)."""
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, **VALIDATION, "CDK_OUTDIR": outdir, "PYTHONPATH": f"{ROOT}:{ROOT / 'constructs'}"}
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
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
        return elapsed, peak / 1024


def main() -> None:
    """Paired runs; print the table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--builtin-validation", action="store_true", help="run CDK's built-in validation in both")
    parser.add_argument("--env", help="synthesise only this environment's stack (-c env=NAME) instead of all")
    args = parser.parse_args()
    if args.env:
        VALIDATION["CDK_CONTEXT_JSON"] = json.dumps({"env": args.env})
        print(f"only the {args.env} stack")
    VALIDATION["CDK_VALIDATION"] = "true" if args.builtin_validation else "false"
    print(f"CDK_VALIDATION={VALIDATION['CDK_VALIDATION']} for both apps")
    empty_cmd = [sys.executable, "-c", EMPTY_APP]
    app_cmd = [sys.executable, "app.py"]
    run(empty_cmd), run(app_cmd)  # warm the jsii cache and the file-system cache
    ratios, peaks, empties, apps = [], [], [], []
    for i in range(args.runs):
        pair = [("empty", empty_cmd), ("app", app_cmd)]
        if i % 2:
            pair.reverse()
        results = {name: run(cmd) for name, cmd in pair}
        empties.append(results["empty"][0])
        apps.append(results["app"][0])
        ratios.append(results["app"][0] / results["empty"][0])
        peaks.append(results["app"][1])
        print(
            f"run {i + 1}: empty {results['empty'][0]:.2f}s ({results['empty'][1]:.0f} MiB)  "
            f"all environments {results['app'][0]:.2f}s ({results['app'][1]:.0f} MiB)  ratio {ratios[-1]:.2f}"
        )
    ratio, peak = statistics.median(ratios), max(peaks)
    print(
        f"\nmedian: empty app {statistics.median(empties):.2f}s, all environments {statistics.median(apps):.2f}s, "
        f"ratio {ratio:.2f}x (target <= {TARGET_RATIO}x); peak memory {peak:.0f} MiB (target <= {TARGET_PEAK_MIB} MiB)"
    )
    print("PASS" if ratio <= TARGET_RATIO and peak <= TARGET_PEAK_MIB else "MISS")


if __name__ == "__main__":
    main()
