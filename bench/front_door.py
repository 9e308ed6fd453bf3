"""Benchmark the front-door Lambda handler against a raw ``invoke_endpoint``.

Run by hand from the repository root::

    python bench/front_door.py [--requests 2000] [--block 10] [--cold-runs 15] [--server process]
                               [--code-dir LABEL=FOLDER ...] [--resolver-variant]

Everything runs on this machine: a loopback fake SageMaker runtime
(``tests/support/fake_sagemaker_runtime.py``, in its own process by default,
as the real service does not share the function's GIL) answers both the
handler's client and a raw boto3 client.  Three measurements:

1. Per-request latency (p50/p99) of the handler for a realistic API Gateway
   ``POST /invocations`` event with a small JSON body, versus a raw boto3
   ``invoke_endpoint`` with the same body and client config.  The sides
   take turns in blocks of ``--block`` requests, in a new (seeded random)
   order every round, so drift and noise affect all of them equally.
   Handler logs and EMF metrics are written to ``/dev/null``, as they would
   be written to the Lambda runtime's stdout.  Target: p50 ratio <= 1.15.
2. Cold start: importing ``handler`` with the code folder on ``sys.path``
   (as the Lambda runtime does; it builds its client) in a fresh interpreter,
   versus ``import boto3; boto3.client("sagemaker-runtime")`` in a fresh
   interpreter; runs in a new order each round, medians of the in-process time
   and of the whole process's wall time.  Target: <= 1.5x.
   The same loop also records this thread's CPU time per request
   (``time.thread_time``): on a busy machine, where wall times mostly
   measure waiting for a CPU, it still compares what each side itself costs.
3. Deployment package size: the code folder zipped (deflate) without
   ``__pycache__``/``*.pyc``.

``--code-dir LABEL=FOLDER`` (repeatable) measures other copies of the code in
the same run, interleaved with the default ``handler=lambda/front_door``: for
example a copy of the previous revision, for a paired before/after.
``--resolver-variant`` adds the same code with Powertools' ``APIGatewayRestResolver``
doing the routing (``bench/variants/routes_resolver.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HANDLER_DIR = ROOT / "lambda" / "front_door"
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"
sys.path.insert(0, str(ROOT))  # for tests.support

FAKE_SERVER = ROOT / "tests" / "support" / "fake_sagemaker_runtime.py"

ENDPOINT = "bench-endpoint"
BODY = json.dumps({"instances": [[0.1, 0.2, 0.3, 0.4], [1.5, 2.5, 3.5, 4.5]]})
BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "ENDPOINT_NAME": ENDPOINT,
    "POWERTOOLS_SERVICE_NAME": "bench-front-door",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "SAGEMAKER_CONNECT_TIMEOUT": "1",
    "SAGEMAKER_READ_TIMEOUT": "9",
}


def api_gateway_event(request_id: str) -> dict[str, Any]:
    """A REST API proxy event shaped like what API Gateway really sends."""
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate, br",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "python-requests/2.32.3",
        "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678",
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "x-api-key": "redacted",
    }
    return {
        "resource": "/invocations",
        "path": "/invocations",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": "/invocations",
            "httpMethod": "POST",
            "extendedRequestId": "c6af9ac6-7b61-11e6",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "path": "/prod/invocations",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1428582896000,
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "python-requests/2.32.3", "apiKey": "redacted"},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": BODY,
        "isBase64Encoded": False,
    }


def lambda_context() -> SimpleNamespace:
    return SimpleNamespace(
        function_name="front-door",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:front-door",
        aws_request_id="bench-lambda-request",
    )


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def load_handler(code_dir: Path) -> Handler:
    """``handler.handler`` from ``code_dir``, imported as the Lambda runtime does (no bytecode written)."""
    from tests.support.front_door_runtime import load_handler_module

    handler: Handler = load_handler_module(code_dir).handler
    return handler


@contextlib.contextmanager
def fake_server_process() -> Iterator[str]:
    """The fake runtime in its own process, so it does not compete for our GIL."""
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@contextlib.contextmanager
def fake_server_thread() -> Iterator[str]:
    """The fake runtime on a thread of this process (shares our GIL)."""
    from tests.support.fake_sagemaker_runtime import FakeSageMaker

    with FakeSageMaker() as fake:
        yield fake.url


def bench_latency(
    requests: int, server: str, block: int, code_dirs: dict[str, Path]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per-request latencies and this thread's CPU time per request (microseconds) of each handler (by label)
    and of a raw call (``raw``). The CPU time leaves out waiting for the server and for the CPU, so it
    compares the sides' own work even on a busy machine."""
    import boto3
    from botocore.config import Config

    serve = fake_server_process if server == "process" else fake_server_thread
    with serve() as url, open(os.devnull, "w") as devnull:
        os.environ.update(BASE_ENV, AWS_ENDPOINT_URL=url)
        with contextlib.redirect_stdout(devnull):  # the handler's log/EMF lines go to stdout
            handlers = {label: load_handler(code_dir) for label, code_dir in code_dirs.items()}
            raw = boto3.client(
                "sagemaker-runtime",
                config=Config(
                    connect_timeout=float(BASE_ENV["SAGEMAKER_CONNECT_TIMEOUT"]),
                    read_timeout=float(BASE_ENV["SAGEMAKER_READ_TIMEOUT"]),
                    retries={"mode": "standard", "total_max_attempts": 1},  # the handler's: it retries by hand
                ),
            )
            context = lambda_context()
            body = BODY.encode()
            events = [api_gateway_event(f"req-{i}") for i in range(block)]
            perf, cpu = time.perf_counter_ns, time.thread_time_ns
            samples: dict[str, list[float]] = {label: [] for label in [*handlers, "raw"]}
            cpu_samples: dict[str, list[float]] = {label: [] for label in samples}

            def run_handler(handler: Handler, out: list[float], out_cpu: list[float]) -> None:
                for event in events:
                    start, start_cpu = perf(), cpu()
                    response = handler(event, context)
                    out_cpu.append((cpu() - start_cpu) / 1e3)
                    out.append((perf() - start) / 1e3)
                    assert response["statusCode"] == 200, response

            def run_raw(out: list[float], out_cpu: list[float]) -> None:
                for _ in events:
                    start, start_cpu = perf(), cpu()
                    result = raw.invoke_endpoint(
                        EndpointName=ENDPOINT, Body=body, ContentType="application/json", Accept="application/json"
                    )
                    result["Body"].read()
                    out_cpu.append((cpu() - start_cpu) / 1e3)
                    out.append((perf() - start) / 1e3)

            def run(label: str, out: list[float], out_cpu: list[float]) -> None:
                if label == "raw":
                    run_raw(out, out_cpu)
                else:
                    run_handler(handlers[label], out, out_cpu)

            labels = list(samples)
            warmup: list[float] = []
            for _ in range(max(1, 200 // block)):  # connections, caches, lazy imports
                for label in labels:
                    run(label, warmup, [])
            shuffle = random.Random(20260101).shuffle
            for _ in range(-(-requests // block)):
                shuffle(labels)  # a new order every round: no side always follows the same other side
                for label in labels:
                    run(label, samples[label], cpu_samples[label])
    return samples, cpu_samples


COLD_HANDLER = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {code_dir!r})  # the Lambda runtime puts the code root (/var/task) on sys.path
import handler
print(time.perf_counter() - t0)
"""
COLD_BARE = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("sagemaker-runtime")
print(time.perf_counter() - t0)
"""


def bench_cold_start(runs: int, code_dirs: dict[str, Path]) -> dict[str, dict[str, list[float]]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        **BASE_ENV,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never called
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda: no .pyc for the handler
    }
    programs = {label: COLD_HANDLER.format(code_dir=str(code_dir)) for label, code_dir in code_dirs.items()}
    programs["bare"] = COLD_BARE
    result: dict[str, dict[str, list[float]]] = {}

    def once(kind: str) -> None:
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", programs[kind]], env=env, capture_output=True, text=True, check=True
        )
        result[kind]["process"].append((time.perf_counter() - start) * 1000)
        result[kind]["import"].append(float(out.stdout.strip().splitlines()[-1]) * 1000)

    labels = list(programs)
    for kind in labels:  # warm the OS file cache
        result[kind] = {"import": [], "process": []}
        once(kind)
    result = {kind: {"import": [], "process": []} for kind in labels}
    shuffle = random.Random(20260102).shuffle
    for _ in range(runs):
        shuffle(labels)
        for kind in labels:
            once(kind)
    return result


def package_size(code_dir: Path) -> tuple[int, int, int]:
    buffer = io.BytesIO()
    files = uncompressed = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(code_dir.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            archive.write(path, path.relative_to(code_dir).as_posix())
            files += 1
            uncompressed += path.stat().st_size
    return len(buffer.getvalue()), uncompressed, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per side (default 2000)")
    parser.add_argument("--block", type=int, default=10, help="requests per alternating block (default 10)")
    parser.add_argument("--cold-runs", type=int, default=15, help="paired cold-start runs (default 15)")
    parser.add_argument(
        "--server",
        choices=("process", "thread"),
        default="process",
        help="run the fake SageMaker in its own process (default) or on a thread of this one",
    )
    parser.add_argument(
        "--code-dir",
        action="append",
        default=[],
        metavar="LABEL=FOLDER",
        help="also measure the handler in FOLDER under LABEL (repeatable), e.g. before=/tmp/old/front_door",
    )
    parser.add_argument(
        "--resolver-variant",
        action="store_true",
        help="also measure lambda/front_door with bench/variants/routes_resolver.py (Powertools resolver) as routes",
    )
    args = parser.parse_args()
    code_dirs = {"handler": HANDLER_DIR}
    scratch = tempfile.TemporaryDirectory(prefix="front-door-variant-")
    if args.resolver_variant:
        variant = Path(scratch.name) / "front_door"
        shutil.copytree(HANDLER_DIR, variant, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy(variant / "routes.py", variant / "routes_base.py")  # the real routes, which the variant extends
        shutil.copy(VARIANTS_DIR / "routes_resolver.py", variant / "routes.py")
        code_dirs["resolver"] = variant
    for item in args.code_dir:
        label, _, folder = item.partition("=")
        if not label or not folder or label in ("raw", "bare") or not (Path(folder) / "handler.py").is_file():
            parser.error(f"--code-dir {item!r}: expected LABEL=FOLDER with FOLDER/handler.py")
        code_dirs[label] = Path(folder).resolve()

    latency, cpu = bench_latency(args.requests, args.server, args.block, code_dirs)
    cold = bench_cold_start(args.cold_runs, code_dirs)

    r = latency["raw"]
    width = max(22, *(len(label) + 2 for label in code_dirs))
    print(f"Per-request latency, {len(r)} requests each, fake SageMaker in a {args.server} (microseconds)")
    print(f"  {'':{width}}{'p50':>8}{'p99':>8}{'mean':>8}{'p50 ratio':>11}{'p99 ratio':>11}")
    raw_p50, raw_p99 = percentile(r, 50), percentile(r, 99)
    print(f"  {'raw invoke_endpoint':{width}}{raw_p50:>8.0f}{raw_p99:>8.0f}{statistics.fmean(r):>8.0f}")
    for label in code_dirs:
        h = latency[label]
        ratio = {p: percentile(h, p) / percentile(r, p) for p in (50, 99)}
        verdict = "met" if ratio[50] <= 1.15 else "MISSED"
        print(
            f"  {label:{width}}{percentile(h, 50):>8.0f}{percentile(h, 99):>8.0f}{statistics.fmean(h):>8.0f}"
            f"{ratio[50]:>11.2f}{ratio[99]:>11.2f}   adds {percentile(h, 50) - percentile(r, 50):.0f} us at p50; "
            f"target p50 <= 1.15: {verdict}"
        )
    print()
    rc = cpu["raw"]
    print("This thread's CPU time per request, same requests (microseconds; no waiting for the server or the CPU)")
    print(f"  {'':{width}}{'p50':>8}{'p99':>8}{'mean':>8}{'p50 ratio':>11}")
    rc50, rc99 = percentile(rc, 50), percentile(rc, 99)
    print(f"  {'raw invoke_endpoint':{width}}{rc50:>8.0f}{rc99:>8.0f}{statistics.fmean(rc):>8.0f}")
    for label in code_dirs:
        hc = cpu[label]
        print(
            f"  {label:{width}}{percentile(hc, 50):>8.0f}{percentile(hc, 99):>8.0f}{statistics.fmean(hc):>8.0f}"
            f"{percentile(hc, 50) / percentile(rc, 50):>11.2f}   adds {percentile(hc, 50) - percentile(rc, 50):.0f} us"
        )
    print()

    medians = {kind: {m: statistics.median(v) for m, v in cold[kind].items()} for kind in cold}
    print(f"Cold start, medians of {args.cold_runs} rounds of fresh interpreters (milliseconds)")
    print(f"  {'':{width}}{'import+client':>14}{'process':>10}{'import ratio':>14}{'process ratio':>15}")
    bare = medians["bare"]
    print(f"  {'boto3 + client':{width}}{bare['import']:>14.1f}{bare['process']:>10.1f}")
    for label in code_dirs:
        m = medians[label]
        import_ratio, process_ratio = m["import"] / bare["import"], m["process"] / bare["process"]
        verdict = "met" if import_ratio <= 1.5 else "MISSED"
        print(
            f"  {label:{width}}{m['import']:>14.1f}{m['process']:>10.1f}{import_ratio:>14.2f}{process_ratio:>15.2f}"
            f"   target <= 1.5: {verdict}"
        )
    print()
    for label, code_dir in code_dirs.items():
        zipped, unzipped, files = package_size(code_dir)
        print(f"Deployment package ({label}): {zipped} bytes zipped ({unzipped} bytes in {files} file(s))")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
