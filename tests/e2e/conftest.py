"""The real local stack (moto server + chalice local + background workers) on free ports, once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from local.stack import ROOT, LocalStack, free_port


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    log_dir = Path(ROOT) / "test-artifacts" / "e2e-logs"
    with LocalStack(moto_port=free_port(), api_port=free_port(), log_dir=log_dir) as running:
        yield running


@pytest.fixture(scope="session")
def dynamodb(stack: LocalStack):
    """A boto3 client on the stack's moto server: how tests read back what the API stored."""
    return boto3.client(
        "dynamodb",
        endpoint_url=stack.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
