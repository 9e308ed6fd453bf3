"""checkov over every template of each configuration: no failed check but the documented skips.

checkov runs once per configuration (``checkov_report``, over its whole cloud assembly), offline, from
its own pinned virtual environment.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stacks.config import AppConfig, EnvironmentConfig
from tests.conftest import ROOT, Synthesised

# ---------------------------------------------------------------------------------------------
# checkov: failed checks allowed, each with its reason, keyed by (check ID, resource type).
# CHECKOV_SKIPS apply in every environment; checkov_policy_skips() only in the templates of the
# environments whose configuration makes them true, so the others stay checked. Every skip must
# still match a failed check.
# ---------------------------------------------------------------------------------------------
CHECKOV_SKIPS: dict[tuple[str, str], str] = {
    ("CKV_AWS_120", "AWS::ApiGateway::Stage"): (
        "Inference responses must not be cached: each POST is a new prediction for its own input "
        "(same reason as the cdk-nag APIGWCacheEnabledAndEncrypted acknowledgement)"
    ),
    ("CKV_AWS_115", "AWS::Lambda::Function"): (
        "No reserved concurrency on the front-door function by default: it takes capacity from every other "
        "function of the account; the API stage throttling limits concurrency (reserved_concurrency sets it)"
    ),
    ("CKV_AWS_116", "AWS::Lambda::Function"): (
        "The front-door function is only invoked synchronously by API Gateway; a DLQ only receives failed "
        "asynchronous invocations"
    ),
    ("CKV_AWS_173", "AWS::Lambda::Function"): (
        "The front-door function's environment holds no secrets (endpoint, variant and bucket names, timeouts, "
        "Powertools settings); Lambda encrypts it at rest with its AWS managed key"
    ),
}


def checkov_policy_skips(env: EnvironmentConfig) -> dict[tuple[str, str], str]:
    """The failed checks an environment may have because of what its configuration says (docs/security.md).

    Only these, and only where the configuration makes them true; anything else (an instance
    variant's model without network isolation, say) must fail the test until it is reviewed here.
    """
    skips = {}
    if not env.network.vpc and env.front_door.integration == "lambda":
        skips[("CKV_AWS_117", "AWS::Lambda::Function")] = (
            "network.vpc = false: the environment has no VPC, so neither has its front-door function, which "
            "only calls AWS APIs over TLS with SigV4; a VPC costs its interface endpoints (billed per hour and "
            "AZ), so it is the configuration's choice (docs/security.md, 'Defaults for a new environment')"
        )
    access_log_reasons = []
    if env.batch_jobs:
        access_log_reasons.append(
            "batch_jobs: the batch bucket's server access logs go to its own AccessLogs bucket, which cannot log "
            "to itself (see BUCKETS_WITHOUT_ACCESS_LOGS)"
        )
    if env.async_inference is not None:
        access_log_reasons.append(
            "async_inference: the bucket of asynchronous requests and results has no server access logs unless given "
            "a logs bucket (AsyncInferenceConfig.server_access_logs_bucket); only the model roles and the front-door "
            "function touch it, each with its own role, and CloudTrail S3 data events are the object-level audit trail"
        )
    if env.data_capture is not None:
        access_log_reasons.append(
            "data_capture: the capture bucket's server access logs go to a log bucket of their own, which cannot "
            "log to itself; every other bucket must still log (_storage_problems checks each bucket by path, "
            "BUCKETS_WITHOUT_ACCESS_LOGS)"
        )
    if access_log_reasons:
        skips[("CKV_AWS_18", "AWS::S3::Bucket")] = "; ".join(access_log_reasons)
    if env.serverless_variants:
        skips[("CKV_AWS_370", "AWS::SageMaker::Model")] = (
            "serverless variants: SageMaker Serverless Inference does not support network isolation "
            "(ServerlessVariant refuses the combination); every model served by instance variants "
            "is isolated unless its environment turns it off, which this test then refuses"
        )
    return skips


#: checkov runs from its own virtual environment (make setup), pinned in requirements-checkov.lock:
#: checkov 3.3 pins a boto3 that conflicts with the one the rest of the repository needs.
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_LOCK = ROOT / "requirements-checkov.lock"


@pytest.fixture(scope="module")
def checkov_report(any_config: Synthesised) -> dict[str, Any]:
    """One checkov run over a configuration's cloud assembly (all environment templates), offline."""
    return run_checkov(any_config.assembly_dir)


def run_checkov(assembly_dir: Path) -> dict[str, Any]:
    """checkov's JSON report of every template in ``assembly_dir``, offline."""
    if not os.access(CHECKOV, os.X_OK):
        pytest.fail(f"checkov not found at {CHECKOV}: run `make setup` (it builds .venv-checkov/)", pytrace=False)
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(assembly_dir),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--skip-download",  # no Prisma Cloud policies, no guidelines download
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # BC_SKIP_MAPPING: no download of the check-ID mapping; without an API key nothing else is called.
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report  # type: ignore[no-any-return]


def test_checkov_is_the_pinned_version(checkov_report: dict[str, Any]) -> None:
    pins = [line for line in CHECKOV_LOCK.read_text().splitlines() if line.startswith("checkov==")]
    assert pins == [f"checkov=={checkov_report['summary']['checkov_version']}"]


def test_checkov_scanned_every_template(checkov_report: dict[str, Any], any_config: Synthesised) -> None:
    summary = checkov_report["summary"]
    assert summary["parsing_errors"] == 0
    expected = sum(len(t.to_json()["Resources"]) for t in any_config.templates.values())
    assert summary["resource_count"] == expected


def _checkov_skip(
    check: dict[str, Any], env_of_file: dict[str, EnvironmentConfig]
) -> tuple[str | None, tuple[str, str]] | None:
    """The skip that allows this failed check: (environment or None for all, key), or None."""
    key = (check["check_id"], check["resource"].split(".")[0])
    env = env_of_file[Path(check["file_path"]).name]
    if key in checkov_policy_skips(env):
        return env.name, key
    if key in CHECKOV_SKIPS:
        return None, key
    return None


def test_checkov_has_no_failed_check_but_documented_skips(
    checkov_report: dict[str, Any], any_config: Synthesised
) -> None:
    environments = any_config.config.environments
    env_of_file = {stack.template_file: environments[env] for env, stack in any_config.stacks.items()}
    failed_checks = checkov_report["results"]["failed_checks"]
    failed = [
        f"{c['check_id']} {c['check_name']} at {c['file_path']} {c['resource']}"
        for c in failed_checks
        if _checkov_skip(c, env_of_file) is None
    ]
    assert failed == []
    policy = {env.name: checkov_policy_skips(env) for env in env_of_file.values()}
    reasons = [*CHECKOV_SKIPS.values(), *(r for skips in policy.values() for r in skips.values())]
    assert all(len(reason) >= 10 for reason in reasons)
    # No stale skip: each one still allows a failed check (drop it once the finding is fixed).
    used = {_checkov_skip(c, env_of_file) for c in failed_checks}
    declared = {(None, key) for key in CHECKOV_SKIPS} | {(env, key) for env, skips in policy.items() for key in skips}
    assert declared - used == set()


def test_reference_checkov_skips_are_dev_only(reference_config: AppConfig) -> None:
    """The documented table: dev (serverless, no VPC) skips CKV_AWS_117 and CKV_AWS_370; staging and prod (data
    capture) only CKV_AWS_18, for the capture bucket's access log bucket."""
    assert {name: sorted(checkov_policy_skips(env)) for name, env in reference_config.environments.items()} == {
        "dev": [("CKV_AWS_117", "AWS::Lambda::Function"), ("CKV_AWS_370", "AWS::SageMaker::Model")],
        "staging": [("CKV_AWS_18", "AWS::S3::Bucket")],
        "prod": [("CKV_AWS_18", "AWS::S3::Bucket")],
    }
