"""Cold start: ``import app`` (every route, job and model) vs ``import boto3``, each in fresh interpreters.

A Lambda cold start pays the import of the handler module; boto3 is the floor every
Python function that talks to AWS pays. Goal: ``import app`` ≤ 2 × ``import boto3``.
Medians of several fresh processes, measured in the same run. Also prints the
deployable artefacts' sizes when ``make package`` has built them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "STAGE": "prod",
        "TABLE_PREFIX": "bilten-prod-",
        "JWT_SECRET": "x" * 40,
        "IP_HASH_SECRET": "y" * 40,
        "PYTHONDONTWRITEBYTECODE": "0",
    }
    for module in ("boto3", "app"):  # warm the bytecode cache, as a deployed package has it
        import_seconds(module, env)
    floor = [import_seconds("boto3", env) for _ in range(args.runs)]
    ours = [import_seconds("app", env) for _ in range(args.runs)]
    boto3_ms, app_ms = statistics.median(floor) * 1000, statistics.median(ours) * 1000
    print(f"import boto3 (floor): {boto3_ms:.0f} ms   import app: {app_ms:.0f} ms   (medians of {args.runs})")
    package = ROOT / "build" / "package" / "prod"
    sizes = ""
    for name in ("deployment.zip", "binary-dependencies.zip"):
        path = package / name
        if path.exists():
            sizes += f"; {name} {path.stat().st_size / 1024 / 1024:.2f} MB"
    if not sizes:
        sizes = "; run `make package` for the artefact sizes"
    print(f"SUMMARY import app / import boto3 = {app_ms / boto3_ms:.2f} (goal <= 2){sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
