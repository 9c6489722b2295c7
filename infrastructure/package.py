"""``make package``: the deployable artefacts of one stage, built offline with no AWS credentials.

Writes ``build/package/<stage>/``:
- ``sam.json``: ``chalice package`` output merged with ``infrastructure.template`` (tables, topic, bucket,
  per-function roles, alarms, stream settings, throttling);
- ``deployment.zip``: the functions' code and dependencies, without what the Lambda Python runtime already
  has (boto3, botocore and their dependencies);
- ``binary-dependencies.zip``: a layer with the compiled wheels that must match the Lambda runtime's glibc
  (``infrastructure/layer-requirements.txt``; chalice cannot vendor them), kept out of the function package.

Usage: ``python -m infrastructure.package [--stage prod] [--out build/package]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_REQUIREMENTS = ROOT / "infrastructure" / "layer-requirements.txt"
LAYER_LOGICAL_ID = "BinaryDependencies"
LAYER_ZIP = "binary-dependencies.zip"
# Shipped by the Lambda Python runtime (boto3 and what it depends on): never in the function package.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six")
# Not needed at run time in a layer.
LAYER_PRUNE = re.compile(r"(^|/)(tests?|__pycache__|f2py|_pyinstaller|include)/|\.(pyi|pxd|c|h)$")


def stage_environment(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def _prepare_environment(stage: str) -> dict[str, str]:
    """Settings as the stage sees them; a region and dummy credentials so nothing needs AWS."""
    env = stage_environment(stage)
    os.environ.update({"STAGE": env.get("STAGE", stage), "TABLE_PREFIX": env.get("TABLE_PREFIX", f"bilten-{stage}-")})
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "offline")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "offline")
    for name in ("DYNAMODB_ENDPOINT", "S3_ENDPOINT", "SNS_ENDPOINT", "EVENTS_STREAM_ARN"):
        os.environ.pop(name, None)
    return env


def _is_runtime_provided(member: str) -> bool:
    top = member.split("/", 1)[0]
    name = re.split(r"[-.]", top, maxsplit=1)[0].lower()
    return name in RUNTIME_PROVIDED or top == "six.py"


def layer_packages() -> dict[str, str]:
    """``{distribution: pinned requirement}`` from layer-requirements.txt."""
    out = {}
    for line in LAYER_REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out[re.split(r"[=<>!~ ]", line, maxsplit=1)[0].lower()] = line
    return out


def _in_layer(member: str, packages: dict[str, str]) -> bool:
    top = member.split("/", 1)[0]
    name = re.split(r"[-.]", top, maxsplit=1)[0].lower()
    return name in packages or top.lower().startswith(tuple(f"{p}.libs" for p in packages))


def slim_function_zip(path: Path, packages: dict[str, str]) -> list[str]:
    """Rewrite the function zip without runtime-provided and layer-provided packages; returns what was dropped."""
    dropped: set[str] = set()
    slim = path.with_suffix(".slim.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if _is_runtime_provided(info.filename) or _in_layer(info.filename, packages):
                dropped.add(info.filename.split("/", 1)[0])
                continue
            out.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    slim.replace(path)
    return sorted(dropped)


def build_layer(out_zip: Path, cache: Path, runtime_abi: str = "cp311") -> None:
    """Download manylinux2014 wheels (the Lambda runtime's glibc 2.26 accepts them) and zip them under python/."""
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
            "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--abi", runtime_abi,
            "--python-version", runtime_abi.removeprefix("cp")[0] + "." + runtime_abi.removeprefix("cp")[1:],
            "-d", str(cache), "-r", str(LAYER_REQUIREMENTS),
        ],
        check=True,
    )  # fmt: skip
    wanted = layer_packages()
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as layer:
        for wheel in sorted(cache.glob("*.whl")):
            distribution = wheel.name.split("-", 1)[0].lower()
            if distribution not in wanted or wanted[distribution].split("==")[-1] not in wheel.name:
                continue
            with zipfile.ZipFile(wheel) as source:
                for info in source.infolist():
                    if LAYER_PRUNE.search(info.filename) or info.is_dir():
                        continue
                    layer.writestr(f"python/{info.filename}", source.read(info.filename))


def _stage_project(stage_dir: Path, stage: str, role_placeholder: str) -> None:
    """Copy the app into ``stage_dir`` (keeping chalice's wheel cache there) with a config that lets the
    merge template own the IAM roles."""
    for name in ("app.py", "chalicelib", "requirements.txt"):
        target = stage_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    config["stages"][stage].update({"manage_iam_role": False, "iam_role_arn": role_placeholder})
    (stage_dir / ".chalice").mkdir(parents=True, exist_ok=True)
    (stage_dir / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))


def package(stage: str, out: Path) -> dict[str, object]:
    env = _prepare_environment(stage)
    sys.path.insert(0, str(ROOT))
    # Imported only now: settings (table names) are read at import, after the stage's are in the environment.
    import app
    from infrastructure import template

    build = ROOT / "build"
    stage_dir = build / "stage" / stage
    stage_dir.mkdir(parents=True, exist_ok=True)
    _stage_project(stage_dir, stage, template.ROLE_PLACEHOLDER)
    merge = template.merge_template(app.app, stage, env["TABLE_PREFIX"])
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    merge["Resources"][LAYER_LOGICAL_ID] = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {"ContentUri": f"./{LAYER_ZIP}", "CompatibleRuntimes": [runtime], "RetentionPolicy": "Delete"},
    }
    for function_id in template.functions_of(app.app):
        merge["Resources"][function_id]["Properties"]["Layers"] = [{"Ref": LAYER_LOGICAL_ID}]
    merge_path = stage_dir / "merge-template.json"
    merge_path.write_text(json.dumps(merge, indent=2))

    if out.exists():
        shutil.rmtree(out)
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge_path), str(out)],
        cwd=stage_dir,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    missing = re.findall(r"^([A-Za-z0-9_.\-]+)==\S+$", result.stdout + result.stderr, re.MULTILINE)
    packages = layer_packages()
    uncovered = sorted({m.lower() for m in missing} - set(packages))
    if uncovered:
        raise SystemExit(f"chalice could not vendor {uncovered}: add them to {LAYER_REQUIREMENTS.name}")
    dropped = slim_function_zip(out / "deployment.zip", packages)
    build_layer(out / LAYER_ZIP, build / "wheels", f"cp{sys.version_info.major}{sys.version_info.minor}")
    sam = json.loads((out / "sam.json").read_text())
    roles = {json.dumps(r["Properties"].get("Role")) for r in sam["Resources"].values() if "Role" in r["Properties"]}
    if any(template.ROLE_PLACEHOLDER in role for role in roles):
        raise SystemExit("a function kept the placeholder role: infrastructure.template missed it")
    return {
        "stage": stage,
        "out": str(out),
        "function_zip_bytes": (out / "deployment.zip").stat().st_size,
        "layer_zip_bytes": (out / LAYER_ZIP).stat().st_size,
        "vendored_by_layer": sorted(packages),
        "chalice_could_not_vendor": sorted(missing),
        "dropped_from_function_zip": dropped,
        "resources": len(sam["Resources"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "build" / "package" / args.stage
    summary = package(args.stage, out.resolve())
    mb = 1024 * 1024
    print(f"function package: {summary['function_zip_bytes'] / mb:.2f} MB zipped  ({out}/deployment.zip)")
    layer = ", ".join(summary["vendored_by_layer"])
    print(f"binary layer:     {summary['layer_zip_bytes'] / mb:.2f} MB zipped  ({layer})")
    print(f"template:         {summary['resources']} resources  ({out}/sam.json)")
    print(f"left to the Lambda runtime: {', '.join(summary['dropped_from_function_zip'])}")


if __name__ == "__main__":
    main()
