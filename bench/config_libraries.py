"""What parsing stacks/environments.toml costs with cattrs (stacks/config/) or pydantic (a prototype here).

Run by hand: ``.venv/bin/python bench/config_libraries.py [--runs 21]``. Prints, as medians:

- library import: ``python -X importtime`` sum of the top-level modules a config module needs;
- config module import + first ``load()`` of the reference file in a fresh process, after aws_cdk and
  the construct value objects are imported (the app imports them anyway), so only the library's
  share is timed; paired with a bare ``tomllib`` read of the same file;
- a further ``load()`` in the same process (steady state, best of 200);
- pydantic's JSON Schema generation for the same classes (what editors would get).

The pydantic prototype below mirrors stacks/config/'s shape (strict, no extra keys, the same
choices and the same value objects) without its rules and messages, which would cost the same in both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "environments.toml"

PYDANTIC_PROTOTYPE = """
from __future__ import annotations
import tomllib
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass
from sagemaker_serving.autoscaling import ScheduledCapacity as _ScheduledCapacity
from sagemaker_serving.front_door import WafOptions as _WafOptions

# Strict mode accepts only instances of a dataclass (even a pydantic one), never a table: the value
# objects are validated in lax mode, so "4" becomes 4 inside them (a gap for objects pydantic does not own).
_LAX = ConfigDict(extra="forbid")
ScheduledCapacity = dataclass(_ScheduledCapacity, config=_LAX, frozen=True, kw_only=True)
WafOptions = dataclass(_WafOptions, config=_LAX, frozen=True, kw_only=True)

class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

class ModelConfig(_Table):
    artifact: str
    image: str
    environment: dict[str, str] = {}
    network_isolation: bool = False

class AutoscalingConfig(_Table):
    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: int | None = None
    target_cpu_utilization: float | None = None
    scale_in_cooldown_seconds: float | None = Field(None, ge=0)
    scale_out_cooldown_seconds: float | None = Field(None, ge=0)
    schedules: list[ScheduledCapacity] | None = None

class InstanceVariantConfig(_Table):
    name: str
    model: str
    instance_type: str
    initial_instance_count: int | None = None
    initial_weight: float | None = None
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    autoscaling: AutoscalingConfig | None = None

class ServerlessVariantConfig(_Table):
    name: str
    model: str
    memory_size_mb: int | None = None
    max_concurrency: int | None = None
    provisioned_concurrency: int | None = None
    initial_weight: float | None = None

class UsagePlanConfig(_Table):
    rate_limit: float = 10.0
    burst_limit: int = 20
    quota_limit: int | None = 10_000
    quota_period: Literal["DAY", "WEEK", "MONTH"] = "DAY"

class FrontDoorConfig(_Table):
    integration: Literal["lambda", "direct"] = "lambda"
    auth: Literal["iam", "api_key", "cognito", "none"] = "iam"
    acknowledge_unauthenticated: bool = False
    usage_plan: UsagePlanConfig | None = None
    cognito_user_pool_id: str | None = None
    cognito_scopes: list[str] = []
    stage_name: str = "v1"
    throttling_rate_limit: float = 50.0
    throttling_burst_limit: int = 100
    cors_allowed_origins: list[str] = []
    waf: WafOptions | None = None
    private: bool = False
    binary_media_types: list[str] | None = None
    allowed_content_types: list[str] | None = None
    max_body_bytes: int | None = None
    sagemaker_connect_timeout_seconds: float = Field(1.0, ge=0)
    sagemaker_read_timeout_seconds: float = Field(9.0, ge=0)
    sagemaker_max_attempts: int = 2
    memory_size_mb: int = 256
    reserved_concurrency: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    execution_log_level: Literal["OFF", "ERROR", "INFO"] = "ERROR"
    cloud_watch_role: bool = False
    log_retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = 90
    powertools_layer_arn: str | None = None

class NetworkConfig(_Table):
    vpc: bool = False
    network_isolation: bool = False
    max_azs: int | None = None
    cidr: str | None = None

class EnvironmentConfig(_Table):
    account: str | None = None
    region: str | None = None
    instance_variants: list[InstanceVariantConfig] = []
    serverless_variants: list[ServerlessVariantConfig] = []
    tags: dict[str, str] = {}
    front_door: FrontDoorConfig = FrontDoorConfig()
    network: NetworkConfig = NetworkConfig()

class AppConfig(_Table):
    models: dict[str, ModelConfig]
    environments: dict[str, EnvironmentConfig]

def load(path):
    with open(path, "rb") as fh:
        return AppConfig.model_validate(tomllib.load(fh))
"""

#: Run in a fresh process: untimed set-up (what the app imports anyway), then the timed part.
FRESH = """
import sys, time, tomllib
sys.path[:0] = [{root!r}, {constructs!r}, {scratch!r}]
import aws_cdk, sagemaker_serving.autoscaling, sagemaker_serving.front_door
t0 = time.perf_counter()
{timed}
t1 = time.perf_counter()
print((t1 - t0) * 1000)
"""
TIMED = {
    "tomllib only": "with open({ref!r}, 'rb') as fh: tomllib.load(fh)",
    "cattrs (stacks/config/)": "from stacks.config import load; load(__import__('pathlib').Path({ref!r}))",
    "pydantic (prototype)": "from pydantic_prototype import load; load({ref!r})",
}
IMPORTS = {
    "cattrs": "import cattrs, cattrs.gen, cattrs.cols, cattrs.errors",
    "pydantic": "from pydantic import BaseModel, ConfigDict, Field, TypeAdapter",
}


def importtime_ms(statement: str) -> float:
    """What importing ``statement`` adds once ``aws_cdk`` is imported (as in the app): the cumulative
    ``-X importtime`` of the top-level imports that come after aws_cdk's."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import aws_cdk\n{statement}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
    ).stderr
    total, after = 0, False
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if name.startswith("  "):  # nested import
            continue
        if after:
            total += int(cumulative)
        after = after or name.strip() == "aws_cdk"
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp()
    Path(scratch, "pydantic_prototype.py").write_text(PYDANTIC_PROTOTYPE)
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

    print(f"library import once aws_cdk is imported (-X importtime, median of {args.runs}):")
    for name, statement in IMPORTS.items():
        times = [importtime_ms(statement) for _ in range(args.runs)]
        print(f"  {name:10} {statistics.median(times):7.1f} ms")

    print(f"config module import + first load() of {REFERENCE.name}, fresh processes, paired, median of {args.runs}:")
    results: dict[str, list[float]] = {name: [] for name in TIMED}
    for _ in range(args.runs):
        for name, timed in TIMED.items():
            code = FRESH.format(
                root=str(ROOT),
                constructs=str(ROOT / "constructs"),
                scratch=scratch,
                timed=timed.format(ref=str(REFERENCE)),
            )
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            results[name].append(float(out.stdout.strip().splitlines()[-1]))
    for name, times in results.items():
        print(f"  {name:28} {statistics.median(times):7.1f} ms")

    print("a further load() in the same process (best of 200):")
    steady = """
import sys, time, timeit
sys.path[:0] = [{root!r}, {constructs!r}, {scratch!r}]
from pathlib import Path
from stacks.config import load as cattrs_load
from pydantic_prototype import load as pydantic_load
ref = {ref!r}
cattrs_load(Path(ref)); pydantic_load(ref)
print(min(timeit.repeat(lambda: cattrs_load(Path(ref)), number=1, repeat=200)) * 1000)
print(min(timeit.repeat(lambda: pydantic_load(ref), number=1, repeat=200)) * 1000)
from pydantic_prototype import AppConfig
import json
print(len(json.dumps(AppConfig.model_json_schema())))
""".format(root=str(ROOT), constructs=str(ROOT / "constructs"), scratch=scratch, ref=str(REFERENCE))
    out = subprocess.run([sys.executable, "-c", steady], capture_output=True, text=True, env=env, check=True)
    cattrs_ms, pydantic_ms, schema_bytes = out.stdout.split()
    print(f"  cattrs {float(cattrs_ms):.2f} ms, pydantic {float(pydantic_ms):.2f} ms")
    print(f"pydantic JSON Schema of the prototype: {schema_bytes} bytes")


if __name__ == "__main__":
    main()
