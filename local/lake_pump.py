"""Local stand-in for the lake writer's event source mapping: ``python -m local.lake_pump``.

The same reader as ``local.stream_pump`` (its own shard positions, ``batchItemFailures``
honoured), handing each batch to ``chalicelib.jobs.lake_writer.process_batch``, the body of the
Lambda's ``lake_events`` handler. The lake bucket is created first (the bootstrap also does).
"""

from __future__ import annotations

from local.stream_pump import pump


def main() -> int:
    from chalicelib.jobs.lake_writer import process_batch
    from chalicelib.store import lake

    lake.ensure_bucket()
    return pump(process_batch, "lake_pump")


if __name__ == "__main__":
    raise SystemExit(main())
