"""Schemathesis over HTTP against a local stack: every documented operation, anonymous, as admin and as a
plain user, with valid and invalid inputs generated from the OpenAPI document.

Checks: never a 5xx, the status code is documented, the content type is the documented one, and the body
matches the documented schema (the success or error envelope). Bounded in ``make test`` (``FUZZ_EXAMPLES``
examples per operation and identity, default 6); ``make fuzz`` runs the same with more.

The stack is its own (fresh moto server and ``chalice local``): generated deletes and experiments must not
disturb the data other end-to-end tests read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

import app as application
from chalicelib.api.openapi_spec import openapi_document
from local.stack import ROOT, LocalStack, free_port

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
IDENTITIES = ("anonymous", "admin", "user")
DOCUMENT = openapi_document(application.app)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = sorted((path, method) for path, methods in DOCUMENT["paths"].items() for method in methods)
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzz_stack() -> Iterator[LocalStack]:
    log_dir = Path(ROOT) / "test-artifacts" / "fuzz-logs"
    # A generous rate limit: the fuzzer is one client sending thousands of requests.
    stack = LocalStack(
        moto_port=free_port(),
        api_port=free_port(),
        log_dir=log_dir,
        background=(),
        extra_env={"RATE_LIMIT_REQUESTS": "1000000"},
    )
    with stack as running:
        yield running


@pytest.fixture(scope="module")
def tokens(fuzz_stack: LocalStack) -> dict[str, str]:
    """Minted with the stack's own environment, so its secret is the one the stack verifies with."""
    out = {}
    for role in ("admin", "user"):
        result = subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", "token", "--role", role, "--user-id", f"fuzz-{role}"],
            env=fuzz_stack.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        out[role] = result.stdout.strip().splitlines()[-1]
    return out


def _root(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.api_port}"


@pytest.mark.e2e
@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_operation_never_fails_and_conforms(
    fuzz_stack: LocalStack, tokens: dict[str, str], path: str, method: str, identity: str
) -> None:
    operation = SCHEMA[path][method.upper()]
    headers = {"User-Agent": BROWSER}
    if identity != "anonymous":
        headers["Authorization"] = f"Bearer {tokens[identity]}"
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    session = requests.Session()
    base_url = _root(fuzz_stack)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        TALLY[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_zz_fuzz_tally() -> None:
    """Prints how many generated requests ran and how they were answered (``pytest -s`` to see it)."""
    if TALLY:
        print(f"\nfuzz: {sum(TALLY.values())} requests, {dict(sorted(TALLY.items()))}")
        assert "5xx" not in TALLY
