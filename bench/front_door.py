"""Benchmark the front-door Lambda handler against a raw ``invoke_endpoint``.

Run by hand from the repository root::

    python bench/front_door.py [--requests 2000] [--block 10] [--cold-runs 15] [--server process]

Everything runs on this machine: a loopback fake SageMaker runtime
(``tests/support/fake_sagemaker_runtime.py``, in its own process by default,
as the real service does not share the function's GIL) answers both the
handler's client and a raw boto3 client.  Three measurements:

1. Per-request latency (p50/p99) of the handler for a realistic API Gateway
   ``POST /invocations`` event with a small JSON body, versus a raw boto3
   ``invoke_endpoint`` with the same body and client config.  The two
   alternate in blocks of ``--block`` requests, the first side swapping
   every time, so drift and noise affect both equally.
   Handler logs and EMF metrics are written to ``/dev/null``, as they would
   be written to the Lambda runtime's stdout.  Target: p50 ratio <= 1.30.
2. Cold start: loading the handler module (which builds its client) in a
   fresh interpreter, versus ``import boto3; boto3.client("sagemaker-runtime")``
   in a fresh interpreter; paired runs in alternating order, medians of the
   in-process time and of the whole process's wall time.  Target: <= 1.5x.
3. Deployment package size: ``lambda/front_door`` zipped (deflate) without
   ``__pycache__``/``*.pyc``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HANDLER_DIR = ROOT / "lambda" / "front_door"
HANDLER_PATH = HANDLER_DIR / "handler.py"
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


def load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("front_door_handler", HANDLER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode = True  # no __pycache__ in the asset folder
    spec.loader.exec_module(module)
    return module


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


def bench_latency(requests: int, server: str, block: int) -> dict[str, list[float]]:
    """Per-request latencies (microseconds) of the handler and of a raw call."""
    import boto3
    from botocore.config import Config

    serve = fake_server_process if server == "process" else fake_server_thread
    with serve() as url, open(os.devnull, "w") as devnull:
        os.environ.update(BASE_ENV, AWS_ENDPOINT_URL=url)
        with contextlib.redirect_stdout(devnull):  # the handler's log/EMF lines go to stdout
            handler = load_handler()
            raw = boto3.client(
                "sagemaker-runtime",
                config=Config(
                    connect_timeout=handler.CONNECT_TIMEOUT,
                    read_timeout=handler.READ_TIMEOUT,
                    retries=handler.runtime.meta.config.retries,  # the handler's: one attempt, it retries by hand
                ),
            )
            context = lambda_context()
            body = BODY.encode()
            events = [api_gateway_event(f"req-{i}") for i in range(block)]
            perf = time.perf_counter
            samples: dict[str, list[float]] = {"handler": [], "raw": []}

            def run_handler(out: list[float]) -> None:
                for event in events:
                    start = perf()
                    response = handler.handler(event, context)
                    out.append((perf() - start) * 1e6)
                    assert response["statusCode"] == 200, response

            def run_raw(out: list[float]) -> None:
                for _ in events:
                    start = perf()
                    result = raw.invoke_endpoint(
                        EndpointName=ENDPOINT, Body=body, ContentType="application/json", Accept="application/json"
                    )
                    result["Body"].read()
                    out.append((perf() - start) * 1e6)

            warmup: list[float] = []
            for _ in range(max(1, 200 // block)):  # connections, caches, lazy imports
                run_handler(warmup)
                run_raw(warmup)
            for i in range(-(-requests // block)):
                # Alternate which side goes first, so neither always follows the other.
                if i % 2 == 0:
                    run_handler(samples["handler"])
                    run_raw(samples["raw"])
                else:
                    run_raw(samples["raw"])
                    run_handler(samples["handler"])
    return samples


COLD_HANDLER = f"""
import time
t0 = time.perf_counter()
import importlib.util
spec = importlib.util.spec_from_file_location("front_door_handler", {str(HANDLER_PATH)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - t0)
"""
COLD_BARE = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("sagemaker-runtime")
print(time.perf_counter() - t0)
"""


def bench_cold_start(runs: int) -> dict[str, dict[str, list[float]]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        **BASE_ENV,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never called
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda: no .pyc for the handler
    }
    result: dict[str, dict[str, list[float]]] = {
        "handler": {"import": [], "process": []},
        "bare": {"import": [], "process": []},
    }

    def once(kind: str, code: str) -> None:
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        result[kind]["process"].append((time.perf_counter() - start) * 1000)
        result[kind]["import"].append(float(out.stdout.strip().splitlines()[-1]) * 1000)

    once("bare", COLD_BARE)  # warm the OS file cache
    once("handler", COLD_HANDLER)
    result = {k: {"import": [], "process": []} for k in result}
    for i in range(runs):
        pair = [("handler", COLD_HANDLER), ("bare", COLD_BARE)]
        for kind, code in pair if i % 2 == 0 else reversed(pair):
            once(kind, code)
    return result


def package_size() -> tuple[int, int, int]:
    buffer = io.BytesIO()
    files = uncompressed = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(HANDLER_DIR.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            archive.write(path, path.relative_to(HANDLER_DIR).as_posix())
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
    args = parser.parse_args()

    latency = bench_latency(args.requests, args.server, args.block)
    cold = bench_cold_start(args.cold_runs)
    zipped, unzipped, files = package_size()

    h, r = latency["handler"], latency["raw"]
    ratio = {p: percentile(h, p) / percentile(r, p) for p in (50, 99)}
    print(f"Per-request latency, {len(h)} requests each, fake SageMaker in a {args.server} (microseconds)")
    print(f"  {'':22}{'p50':>8}{'p99':>8}{'mean':>8}")
    for label, xs in (("raw invoke_endpoint", r), ("handler", h)):
        print(f"  {label:22}{percentile(xs, 50):>8.0f}{percentile(xs, 99):>8.0f}{statistics.fmean(xs):>8.0f}")
    verdict = "met" if ratio[50] <= 1.30 else "MISSED"
    print(f"  {'ratio handler/raw':22}{ratio[50]:>8.2f}{ratio[99]:>8.2f}   target p50 <= 1.30: {verdict}")
    print(f"  handler adds {percentile(h, 50) - percentile(r, 50):.0f} us at p50")
    print()

    medians = {kind: {m: statistics.median(v) for m, v in cold[kind].items()} for kind in cold}
    import_ratio = medians["handler"]["import"] / medians["bare"]["import"]
    process_ratio = medians["handler"]["process"] / medians["bare"]["process"]
    print(f"Cold start, medians of {args.cold_runs} paired fresh interpreters (milliseconds)")
    print(f"  {'':22}{'import+client':>14}{'process':>10}")
    for kind, label in (("bare", "boto3 + client"), ("handler", "handler module")):
        print(f"  {label:22}{medians[kind]['import']:>14.1f}{medians[kind]['process']:>10.1f}")
    verdict = "met" if import_ratio <= 1.5 else "MISSED"
    print(f"  {'ratio handler/bare':22}{import_ratio:>14.2f}{process_ratio:>10.2f}   target <= 1.5: {verdict}")
    print()
    print(f"Deployment package: {zipped} bytes zipped ({unzipped} bytes in {files} file(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
