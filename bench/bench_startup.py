"""Cold start: ``import app`` (every route, job and model) vs ``import boto3``, each in fresh interpreters.

A Lambda cold start pays the import of the handler module; boto3 is the floor every
Python function that talks to AWS pays. Goal: ``import app`` ≤ 2 × ``import boto3``.
Medians of several fresh processes, measured in the same run.

When ``make package`` has built ``build/package/prod``, both imports run the way Lambda
runs them: the function zip and the binary layer unpacked, plus only what the Lambda
runtime provides (boto3 and its dependencies), with site-packages switched off, so a
development-only package (moto's ``cryptography``, say) cannot change the figure.
Without the package it measures in the virtualenv and says so.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infrastructure.package import RUNTIME_PROVIDED  # noqa: E402

PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


PACKAGE = ROOT / "build" / "package" / "prod"


def lambda_layout(workdir: Path) -> tuple[list[str], Path]:
    """Unpack the function zip and the layer; link what the runtime provides. Returns (sys.path, cwd)."""
    function_dir, layer_dir, runtime_dir = workdir / "function", workdir / "layer", workdir / "runtime"
    with zipfile.ZipFile(PACKAGE / "deployment.zip") as archive:
        archive.extractall(function_dir)
    with zipfile.ZipFile(PACKAGE / "binary-dependencies.zip") as archive:
        archive.extractall(layer_dir)
    runtime_dir.mkdir()
    import boto3

    site_packages = Path(boto3.__file__).resolve().parent.parent
    for name in RUNTIME_PROVIDED:  # what `make package` leaves out of the function zip
        for source in (site_packages / name, site_packages / f"{name}.py"):
            if source.exists():
                (runtime_dir / source.name).symlink_to(source)
    return [str(function_dir), str(layer_dir / "python"), str(runtime_dir)], function_dir


def import_seconds(module: str, env: dict[str, str], path: list[str] | None = None, cwd: Path = ROOT) -> float:
    command = [sys.executable, "-c", PROBE.format(module=module)]
    if path is not None:
        command = [sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {path!r}; " + PROBE.format(module=module)]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
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
    env.pop("PYTHONPATH", None)
    with tempfile.TemporaryDirectory() as workdir:
        packaged = (PACKAGE / "deployment.zip").exists() and (PACKAGE / "binary-dependencies.zip").exists()
        path, cwd = lambda_layout(Path(workdir)) if packaged else (None, ROOT)
        where = "as packaged for Lambda (build/package/prod)" if packaged else "in the virtualenv (no `make package`)"
        for module in ("boto3", "app"):  # warm the bytecode cache, as a deployed package has it
            import_seconds(module, env, path, cwd)
        floor = [import_seconds("boto3", env, path, cwd) for _ in range(args.runs)]
        ours = [import_seconds("app", env, path, cwd) for _ in range(args.runs)]
    boto3_ms, app_ms = statistics.median(floor) * 1000, statistics.median(ours) * 1000
    print(f"{where}: import boto3 (floor) {boto3_ms:.0f} ms, import app {app_ms:.0f} ms (medians of {args.runs})")
    sizes = "".join(
        f"; {name} {(PACKAGE / name).stat().st_size / 1024 / 1024:.2f} MB"
        for name in ("deployment.zip", "binary-dependencies.zip")
        if (PACKAGE / name).exists()
    )
    print(f"SUMMARY import app / import boto3 = {app_ms / boto3_ms:.2f} (goal <= 2){sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
