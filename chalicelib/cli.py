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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, arguments, help_text) in COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    return COMMANDS[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())
