"""Alarm thresholds of :class:`~sagemaker_serving.monitoring.ServingMonitoring`, with the reason for each default.

A pure value object (no aws_cdk import), so a configuration file can be structured straight into it.
Units are in the names. Each alarm's statistic, period and "M of N" datapoints are fixed per alarm
(docs/monitoring.md has the table); only the thresholds vary per environment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    """When each alarm of a :class:`ServingMonitoring` goes off. Every default is justified below."""

    #: ``Invocation5XXErrors`` (Sum per minute, 2 of 3 minutes) at or above this. Default 5: a healthy model
    #: answers no 5XX (they are container failures, not bad input); 5 a minute for 2 of 3 minutes ignores a
    #: stray error yet fires within about 3 minutes, well inside a 10-minute deployment bake. A rollback alarm.
    server_errors_per_minute: int = 5
    #: ``100 × Invocation4XXErrors / Invocations`` (5-minute sums, 3 of 3 periods) above this percentage.
    #: Default 5: 4XX are callers' mistakes (bad payloads, wrong content type); a sustained 5% over 15 minutes
    #: means a client or a contract change broke, not a single bad caller.
    client_error_rate_percent: float = 5.0
    #: ``ModelLatency`` p99 (1-minute periods, 3 of 5) above this, in milliseconds. Default 1000: an interactive
    #: API's usual budget; the front door's default SageMaker read timeout (9 s) is far above it, so this fires
    #: long before callers time out. A rollback alarm: set it to what your model's p99 should be.
    model_latency_p99_ms: float = 1000.0
    #: ``OverheadLatency`` p99 of an instance variant (1-minute periods, 3 of 5) above this, in milliseconds.
    #: Default 100: SageMaker's own overhead is normally a few milliseconds; 100 ms sustained means throttling
    #: or an overloaded instance.
    overhead_latency_p99_ms: float = 100.0
    #: ``OverheadLatency`` p99 of a serverless variant, which includes cold starts, in milliseconds. Default
    #: 10000: a cold start of a few seconds is expected; above 10 s callers with the default 9 s read timeout fail.
    serverless_overhead_latency_p99_ms: float = 10_000.0
    #: ``CPUUtilization`` (Average, 5-minute periods, 3 of 3) above this percentage of the instance's vCPUs.
    #: SageMaker sums the percentage over vCPUs (0-100% × vCPUs); the alarm multiplies this by the vCPUs of the
    #: instance size. Default 80: autoscaling should have added instances before a sustained 80%.
    cpu_utilization_percent: float = 80.0
    #: ``MemoryUtilization`` (Average, 5-minute periods, 3 of 3) above this percentage. Default 90: above it a
    #: model process risks being killed for lack of memory.
    memory_utilization_percent: float = 90.0
    #: ``DiskUtilization`` (Maximum, 5-minute periods, 2 of 3) above this percentage. Default 75: SageMaker stops
    #: capturing data above about 75% disk use (model-monitor-data-capture-endpoint), and logs need room too.
    disk_utilization_percent: float = 75.0
    #: ``ModelSetupTime`` of a serverless variant (Maximum per 5 minutes, 1 of 1) above this, in milliseconds.
    #: Default 9000: a cold start longer than the front door's default 9 s read timeout fails its request.
    model_setup_time_ms: float = 9_000.0
    #: ``ServerlessConcurrentExecutionsUtilization`` (Maximum, 1-minute periods, 3 of 5) above this percentage
    #: of ``max_concurrency``. Default 90: at 100% requests are throttled; raise max_concurrency before.
    serverless_concurrency_percent: float = 90.0
    #: API Gateway ``5XXError`` rate of the front door (Average per 5 minutes, 2 of 3) above this percentage.
    #: Default 1: one request in a hundred failing on the server side for 10 minutes is an incident.
    front_door_server_error_rate_percent: float = 1.0
    #: API Gateway ``Latency`` p99 (5-minute periods, 3 of 3) above this, in milliseconds. Default 2000: the
    #: model's 1 s p99 budget plus the function's work and a cold start.
    front_door_latency_p99_ms: float = 2_000.0
    #: Front-door function ``Errors`` (Sum per 5 minutes, 2 of 3) at or above this. Default 1: the handler turns
    #: every expected failure into an answer, so a function error is a bug or a timeout.
    function_errors: int = 1
    #: Front-door function ``Throttles`` (Sum per 5 minutes, 1 of 1) at or above this. Default 1: a throttled
    #: invocation is a request refused with a 5XX.
    function_throttles: int = 1
    #: Front-door function ``Duration`` p99 (5-minute periods, 2 of 3) above this percentage of its timeout.
    #: Default 80: near the timeout, requests are about to fail with 504.
    function_duration_percent_of_timeout: float = 80.0

    def problems(self, where: str = "thresholds") -> list[str]:
        """Every threshold out of range, prefixed with ``where``."""
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            name = f"{where}.{f.name}"
            if f.type in ("int", int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    problems.append(f"{name}: {value!r} is not allowed; must be an integer >= 1")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                problems.append(f"{name}: {value!r} is not allowed; must be a number > 0")
            elif "_percent" in f.name and value > 100:
                problems.append(f"{name}: {value!r} is not allowed; must be a percentage from 0 (excluded) to 100")
        return problems
