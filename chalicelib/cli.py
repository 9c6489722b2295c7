"""Operator commands: ``python -m chalicelib.cli [--local | --aws] <command>``.

Each scheduled job can also run once from here (``make job NAME=<job>`` on the running
``make dev`` stack); the local stack and ``make token`` use it too. Commands register
themselves in ``COMMANDS``.

Where the commands that touch storage act (``token`` and ``list-jobs`` need nothing):

  --local  the stack ``make dev`` runs: the CLI takes the stage's environment from
           .chalice/config.json and the local endpoints (moto server on --moto-port, default
           the port the running stack recorded in .dev/stack.json, else 8701), with dummy
           credentials, exactly as ``make dev`` gives its processes. No AWS account needed.
  --aws    the AWS account of the ambient credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID…,
           AWS_REGION) and the deployed stage's tables: --stage (default $STAGE, else dev)
           supplies STAGE, TABLE_PREFIX, EXPORT_BUCKET… from .chalice/config.json unless the
           environment already sets them.
  (neither) --local when a local stack answers and no DYNAMODB_ENDPOINT or AWS credentials are
           set in the environment; otherwise the environment as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str, bool]] = {}
ROOT = Path(__file__).resolve().parent.parent
STACK_FILE = ROOT / ".dev" / "stack.json"  # written by ``make dev`` (local.stack) while it runs
DEFAULT_MOTO_PORT = 8701
DEFAULT_API_PORT = 8700
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def command(
    name: str,
    help_text: str,
    arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None,
    needs_storage: bool = True,
):
    def register(func: Command) -> Command:
        COMMANDS[name] = (func, arguments, help_text, needs_storage)
        return func

    return register


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def recorded_stack() -> dict[str, object]:
    """The ports and stage the running ``make dev`` recorded (empty when none runs)."""
    with contextlib.suppress(OSError, ValueError):
        return dict(json.loads(STACK_FILE.read_text()))
    return {}


def _stage_env(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return env


def target_environment(
    target: str,
    environ: Mapping[str, str],
    moto_port: int | None = None,
    stage: str | None = None,
    listening: Callable[[int], bool] | None = None,
) -> tuple[str, dict[str, str]]:
    """Which target (``local`` or ``aws``) and the environment variables to set for it."""
    recorded = recorded_stack()
    port = moto_port or int(recorded.get("moto_port") or environ.get("MOTO_PORT") or DEFAULT_MOTO_PORT)
    if target == "auto":
        ambient = "DYNAMODB_ENDPOINT" in environ or any(environ.get(v) for v in CREDENTIAL_VARIABLES)
        target = "local" if not ambient and (listening or _listening)(port) else "aws"
    if target == "local":
        from local.stack import stack_env  # the very environment ``make dev`` gives its processes

        api_port = int(recorded.get("api_port") or environ.get("API_PORT") or DEFAULT_API_PORT)
        full = stack_env(port, api_port, stage or str(recorded.get("stage") or "dev"))
        return "local", {k: v for k, v in full.items() if environ.get(k) != v}
    chosen = stage or environ.get("STAGE") or "dev"
    return "aws", {k: v for k, v in _stage_env(chosen).items() if k not in environ}


def _no_target_hint(target: str, env: Mapping[str, str]) -> str | None:
    if target == "local" or "DYNAMODB_ENDPOINT" in env or any(env.get(v) for v in CREDENTIAL_VARIABLES):
        return None
    return (
        "no local stack answers and no AWS credentials are set: start `make dev` (then this command, "
        "or `make job NAME=<job>`, uses it) or pass --aws with AWS_PROFILE/AWS_ACCESS_KEY_ID and AWS_REGION"
    )


def _token_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", default="admin", choices=["admin", "analyst", "user"])
    parser.add_argument("--user-id", default="admin")
    parser.add_argument("--ttl-hours", type=float, default=12.0)


@command("token", "mint a dev JWT for a role and user id", _token_args, needs_storage=False)
def token(args: argparse.Namespace) -> int:
    from chalicelib.auth import mint_token

    print(mint_token(args.role, args.user_id, int(args.ttl_hours * 3600)))
    return 0


@command("create-tables", "create every table from the PynamoDB models (idempotent)")
def create_tables(args: argparse.Namespace) -> int:
    from chalicelib.store.tables import create_tables as create

    print(json.dumps({"created": create()}))
    return 0


def _job_args(parser: argparse.ArgumentParser) -> None:
    from chalicelib.jobs.registry import JOBS

    parser.add_argument("name", choices=sorted(JOBS))
    parser.add_argument("--at", help="run as if scheduled at this ISO time (default: now)")
    parser.add_argument("--max-partitions", type=int, help="retention-purge: stop after N partitions")
    parser.add_argument("--max-windows", type=int, help="engagement: stop after N windows")
    parser.add_argument("--max-seconds", type=float, help="exports: the budget shared by the running export jobs")


@command("run-job", "run one scheduled job once and print its report", _job_args)
def run_job(args: argparse.Namespace) -> int:
    from chalicelib.domain.clock import parse_iso, utc_now
    from chalicelib.jobs.registry import JOBS
    from chalicelib.observability import metrics

    options = {}
    if args.max_partitions is not None and args.name == "retention-purge":
        options["max_partitions"] = args.max_partitions
    if args.max_windows is not None and args.name == "engagement":
        options["max_windows"] = args.max_windows
    if args.max_seconds is not None and args.name == "exports":
        options["max_seconds"] = args.max_seconds
    report = JOBS[args.name].run(parse_iso(args.at) if args.at else utc_now(), **options)
    metrics.clear_metrics()
    print(json.dumps(report, indent=2, default=str))
    return 0


@command(
    "list-jobs", "list the scheduled jobs, their rates and the Lambda functions they deploy as", needs_storage=False
)
def list_jobs(args: argparse.Namespace) -> int:
    from chalicelib.jobs.registry import JOBS

    for job in JOBS.values():
        print(f"{job.name:17} every {job.every_seconds:>6} s  {job.function:19} {job.summary}")
    return 0


def _user_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user_id")


@command("export-user", "print everything held about a user (subject access, JSON)", _user_args)
def export_user(args: argparse.Namespace) -> int:
    from chalicelib.store.privacy import export_user as export

    print(json.dumps(export(args.user_id), indent=2, default=str))
    return 0


@command("delete-user", "delete every item of a user in every table; prints counts per table", _user_args)
def delete_user(args: argparse.Namespace) -> int:
    from chalicelib.store.privacy import delete_user as delete

    print(json.dumps(delete(args.user_id)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", dest="target", action="store_const", const="local", help="the `make dev` stack")
    where.add_argument("--aws", dest="target", action="store_const", const="aws", help="the ambient AWS account")
    parser.set_defaults(target="auto")
    parser.add_argument("--stage", help="stage whose environment .chalice/config.json supplies (default dev)")
    parser.add_argument("--moto-port", type=int, help="the local stack's moto server port (default: as recorded)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, arguments, help_text, _needs) in COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    func, _, _, needs_storage = COMMANDS[args.command]
    if needs_storage or args.target != "auto":
        # Before anything reads settings: chalicelib.config and the models resolve them at import.
        target, env = target_environment(args.target, os.environ, args.moto_port, args.stage)
        hint = _no_target_hint(target, {**os.environ, **env})
        if hint and needs_storage and args.target == "auto":
            print(f"error: {hint}", file=sys.stderr)
            return 2
        os.environ.update(env)
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
