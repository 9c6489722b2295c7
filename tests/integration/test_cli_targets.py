"""The operator CLI finds the local stack the way ``make dev`` configures it (issue 16, point 3).

The end-to-end half starts only a moto server with the stack's tables (no API, no pump), then runs
every scheduled job through ``python -m chalicelib.cli --local`` in an environment stripped of
every AWS variable, as in a fresh clone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from chalicelib import cli
from chalicelib.jobs.registry import JOBS
from local.stack import ROOT, LocalStack, free_port


def test_auto_uses_the_local_stack_when_it_answers_and_nothing_else_is_set() -> None:
    target, env = cli.target_environment("auto", {}, moto_port=9999, listening=lambda port: port == 9999)
    assert target == "local"
    assert env["DYNAMODB_ENDPOINT"] == "http://127.0.0.1:9999" == env["S3_ENDPOINT"]
    assert env["TABLE_PREFIX"] == "bilten-dev-" and env["STAGE"] == "dev"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"
    assert env["SHARD_COUNT"] == "4"  # the stage's environment from .chalice/config.json


def test_ambient_credentials_or_endpoint_mean_aws_with_the_stage_environment() -> None:
    target, env = cli.target_environment("auto", {"AWS_PROFILE": "ops"}, listening=lambda port: True)
    assert target == "aws" and "DYNAMODB_ENDPOINT" not in env
    target, env = cli.target_environment("aws", {"TABLE_PREFIX": "mine-"}, stage="prod")
    assert env["STAGE"] == "prod" and env["SHARD_COUNT"] == "8" and "TABLE_PREFIX" not in env
    target, env = cli.target_environment("auto", {"DYNAMODB_ENDPOINT": "http://x"}, listening=lambda port: True)
    assert target == "aws"


def _fresh_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DYNAMODB_", "S3_", "SNS_"))}
    for name in ("STAGE", "TABLE_PREFIX", "EXPORT_BUCKET", "ALERT_TOPIC_ARN", "MOTO_PORT"):
        env.pop(name, None)
    env["HOME"] = "/nonexistent"  # no ~/.aws either
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_a_stack_or_credentials_it_says_what_it_needs() -> None:
    port = free_port()  # nothing listens there
    result = _cli("--moto-port", str(port), "run-job", "ab-results", env=_fresh_env())
    assert result.returncode == 2
    assert "make dev" in result.stderr and "--aws" in result.stderr
    assert "Unable to locate credentials" not in result.stderr
    help_text = _cli("--help", env=_fresh_env()).stdout
    assert "--local" in help_text and "make job NAME=" in help_text and ".chalice/config.json" in help_text


@pytest.fixture
def moto_stack() -> Iterator[LocalStack]:
    stack = LocalStack(moto_port=free_port(), api_port=free_port(), background=())
    try:
        stack.start_moto()
        stack.bootstrap()
        yield stack
    finally:
        stack.stop()


@pytest.mark.xdist_group("local-moto-server")
def test_every_job_runs_on_the_local_stack_from_a_fresh_environment(moto_stack: LocalStack) -> None:
    env = _fresh_env()
    for name in JOBS:
        result = _cli("--local", "--moto-port", str(moto_stack.moto_port), "run-job", name, env=env)
        assert result.returncode == 0, (name, result.stderr[-2000:])
        # Log lines (one JSON object each) may come first; the report is the indented object at the end.
        start = result.stdout.rfind("\n{\n") + 1 if not result.stdout.startswith("{\n") else 0
        report = json.loads(result.stdout[start:])
        assert isinstance(report, dict) and report, name
