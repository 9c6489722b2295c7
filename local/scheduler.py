"""Local stand-in for EventBridge schedules: ``python -m local.scheduler``.

Runs every job of ``chalicelib.jobs.registry`` once at start, then on its rate,
against the endpoints in the environment (the moto server under ``make dev``).
A failing run is logged and retried at the next tick; SIGINT/SIGTERM stop it
between runs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.scheduler", description=__doc__)
    parser.add_argument("--speed", type=float, default=1.0, help="divide every rate by this factor")
    parser.add_argument("--once", action="store_true", help="run each job once and exit")
    parser.add_argument("--only", nargs="*", help="job names to run (default: all)")
    args = parser.parse_args(argv)

    from chalicelib.domain.clock import utc_now
    from chalicelib.jobs.registry import JOBS
    from chalicelib.observability import metrics

    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        print(f"scheduler: signal {signum}, stopping", flush=True)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    jobs = [job for name, job in JOBS.items() if not args.only or name in args.only]
    due = {job.name: time.monotonic() for job in jobs}
    print(f"scheduler: {', '.join(f'{j.name}/{j.every_seconds / args.speed:.0f}s' for j in jobs)}", flush=True)
    while not stop.is_set():
        for job in jobs:
            if stop.is_set() or time.monotonic() < due[job.name]:
                continue
            started = time.monotonic()
            try:
                report = job.run(utc_now())
                status = "ok"
            except Exception as exc:  # keep the other jobs running; the next tick retries
                report, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
            finally:
                metrics.clear_metrics()
            elapsed = time.monotonic() - started
            print(f"scheduler: {job.name} {status} in {elapsed:.2f}s {json.dumps(report, default=str)}", flush=True)
            due[job.name] = time.monotonic() + job.every_seconds / args.speed
        if args.once:
            break
        next_due = min(due.values()) - time.monotonic()
        stop.wait(max(0.2, min(next_due, 5.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
