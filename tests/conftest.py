"""Test environment: settings are fixed before any chalicelib import (PynamoDB reads them at import)."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "STAGE": "test",
        "TABLE_PREFIX": "bilten-test-",
        "EXPORT_BUCKET": "bilten-test-exports",
        "LAKE_BUCKET": "bilten-test-lake",
        "JWT_SECRET": "test-jwt-secret-0123456789abcdef-0123456789",
        "IP_HASH_SECRET": "test-ip-hash-key-0123456789abcdef-0123",
        "RATE_LIMIT_REQUESTS": "1000",
        "STORAGE_BASE_DELAY_SECONDS": "0.001",
        "MAX_EVENT_AGE_DAYS": "40",
        "POWERTOOLS_METRICS_NAMESPACE": "BiltenTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for name in ("DYNAMODB_ENDPOINT", "S3_ENDPOINT", "SNS_ENDPOINT"):
    os.environ.pop(name, None)

pytest_plugins = ["tests.fixtures"]
