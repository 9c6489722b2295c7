"""``chalice local`` with Nagle's algorithm off and without the auto-reloader.

Keep-alive clients crawl at ~23 req/s against the stock server (Nagle + delayed
ACK); disabling Nagle gives thousands. The reloader's child outlives its parent,
so it is off too.
"""

from __future__ import annotations

import argparse
import sys
from http.server import BaseHTTPRequestHandler

import chalice.local
from chalice.cli import main as chalice_main

from local.stack import ROOT

ERROR_ENVELOPE = '{"success": false, "error": {"code": "HTTP_%(code)d", "message": "%(message)s", "details": []}}'


def envelope_server_errors(handler: type[BaseHTTPRequestHandler]) -> None:
    """http.server answers what it refuses itself (a request line over 64 KB: 414, a malformed one: 400)
    with an HTML page; make it answer the API's JSON error envelope instead."""
    handler.error_content_type = "application/json"
    handler.error_message_format = ERROR_ENVELOPE


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()
    chalice.local.ChaliceRequestHandler.disable_nagle_algorithm = True
    envelope_server_errors(chalice.local.ChaliceRequestHandler)
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
