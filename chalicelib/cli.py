"""Operator commands: ``python -m chalicelib.cli <command>``.

Each scheduled job can also run once from here; the local stack and ``make token``
use it too. Commands register themselves in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help_text: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    def register(func: Command) -> Command:
        COMMANDS[name] = (func, arguments, help_text)
        return func

    return register


def _token_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", default="admin", choices=["admin", "analyst", "user"])
    parser.add_argument("--user-id", default="admin")
    parser.add_argument("--ttl-hours", type=float, default=12.0)


@command("token", "mint a dev JWT for a role and user id", _token_args)
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


@command("list-jobs", "list the scheduled jobs, their rates and the Lambda functions they deploy as")
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
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, arguments, help_text) in COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    return COMMANDS[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())
