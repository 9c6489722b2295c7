"""``chalice local`` with Nagle's algorithm off and without the auto-reloader.

Keep-alive clients crawl at ~23 req/s against the stock server (Nagle + delayed
ACK); disabling Nagle gives thousands. The reloader's child outlives its parent,
so it is off too.
"""

from __future__ import annotations

import argparse
import sys

import chalice.local
from chalice.cli import main as chalice_main

from local.stack import ROOT


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()
    chalice.local.ChaliceRequestHandler.disable_nagle_algorithm = True
    sys.argv = [
        "chalice",
        "--project-dir",
        str(ROOT),
        "local",
        "--no-autoreload",
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
        "--stage",
        args.stage,
    ]
    return chalice_main()


if __name__ == "__main__":
    sys.exit(main())
