"""The engine interface: DuckDB runs the SQL on real lake data; the Athena form parses as Trino and
the Athena client path (start, poll, paginate, timeout, FAILED) runs against moto."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest
import sqlglot

from chalicelib.config import get_settings
from chalicelib.domain.clock import iso
from chalicelib.domain.stored import StoredEvent
from chalicelib.store import engine, lake, lake_sql

pytestmark = pytest.mark.usefixtures("aws")
DAY = "2026-03-01"


def _event(n: int, kind: str = "activity", name: str = "page_view") -> StoredEvent:
    ts = iso(datetime(2026, 3, 1, 10, tzinfo=UTC) + timedelta(minutes=n))
    mid = str(uuid.UUID(int=n + 1))
    return StoredEvent(pk=f"{kind}#{name}#{DAY}#0", sk=f"{ts}#{mid}", kind=kind, name=name, ts=ts, message_id=mid)


def test_duckdb_runs_named_sql_on_lake_objects() -> None:
    lake.ensure_bucket()
    lake.write_batch("b1", [_event(n) for n in range(5)])
    lake.write_batch("b2", [_event(n, "conversion", "purchase") for n in range(5, 8)])
    rows = engine.query("count_per_day", {"start_day": DAY, "end_day": DAY})
    assert rows == [{"day": DAY, "kind": "activity", "events": 5}, {"day": DAY, "kind": "conversion", "events": 3}]
    assert engine.LAST.engine == "duckdb" and engine.LAST.bytes_scanned > 0


@pytest.mark.parametrize("name", sorted(lake_sql.NAMED))
def test_every_named_question_parses_as_trino(name: str) -> None:
    text, order = engine.trino_form(lake_sql.NAMED[name])
    sqlglot.parse_one(text.replace("?", "'x'"), read="trino")
    assert '"bilten_test"."events"' in text and order == ["start_day", "end_day"]


def test_funnel_sql_with_hostile_values_parses_as_trino_and_keeps_them_literal() -> None:
    sql = lake_sql.funnel_events(["page_view", "o'brien"], {"device": "x' OR 1=1 --"}, all_kinds=False)
    text, order = engine.trino_form(sql)
    tree = sqlglot.parse_one(text.replace("?", "'x'"), read="trino")
    literals = {lit.this for lit in tree.find_all(sqlglot.exp.Literal)}
    assert "o'brien" in literals and "x' OR 1=1 --" in literals
    assert order == ["start_day", "end_day", "start", "end"]


@pytest.fixture
def athena_settings(monkeypatch):
    engine.reset()
    settings = get_settings()
    monkeypatch.setattr(settings, "analytics_engine", "athena")
    monkeypatch.setattr(settings, "athena_poll_seconds", 0)
    yield settings
    engine.reset()


def _queue_result(rows: list[list[str]], columns: list[tuple[str, str]]) -> None:
    """moto runs no SQL: queue the result its next query returns (header row first, as Athena does)."""
    from moto.athena.models import QueryResults, athena_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    data = [[name for name, _ in columns], *rows]
    backend = athena_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    backend.query_results_queue.append(
        QueryResults(
            rows=[{"Data": [{"VarCharValue": v} for v in row]} for row in data],
            column_info=[{"Name": name, "Type": kind} for name, kind in columns],
        )
    )


def test_athena_path_starts_polls_paginates_and_casts(athena_settings) -> None:
    client = boto3.client("athena", region_name="us-east-1")
    _queue_result([[DAY, str(n)] for n in range(3)], [("day", "varchar"), ("events", "bigint")])
    with (
        mock.patch.object(engine, "athena", return_value=client),
        mock.patch.object(client, "start_query_execution", wraps=client.start_query_execution) as start,
        mock.patch.object(client, "get_query_execution", wraps=client.get_query_execution) as poll,
    ):
        rows = engine.query("count_all", {"start_day": DAY, "end_day": DAY})
    request = start.call_args.kwargs
    assert request["WorkGroup"] == "primary" and request["QueryExecutionContext"] == {"Database": "bilten_test"}
    assert request["ExecutionParameters"] == [f"'{DAY}'", f"'{DAY}'"]
    assert request["ResultConfiguration"]["OutputLocation"].startswith("s3://bilten-test-lake/")
    sqlglot.parse_one(request["QueryString"].replace("?", "'x'"), read="trino")
    assert poll.called and rows == [{"day": DAY, "events": n} for n in range(3)]
    assert engine.LAST.engine == "athena"


def test_athena_failed_and_timed_out_queries_raise(athena_settings, monkeypatch) -> None:
    client = boto3.client("athena", region_name="us-east-1")
    failed = {"QueryExecution": {"Status": {"State": "FAILED", "StateChangeReason": "SYNTAX_ERROR"}}}
    with (
        mock.patch.object(engine, "athena", return_value=client),
        mock.patch.object(client, "get_query_execution", return_value=failed),
        pytest.raises(engine.EngineError, match="FAILED: SYNTAX_ERROR"),
    ):
        engine.query("count_all", {"start_day": DAY, "end_day": DAY})

    running = {"QueryExecution": {"Status": {"State": "RUNNING"}}}
    monkeypatch.setattr(athena_settings, "athena_timeout_seconds", 0.01)
    with (
        mock.patch.object(engine, "athena", return_value=client),
        mock.patch.object(client, "get_query_execution", return_value=running),
        mock.patch.object(client, "stop_query_execution", wraps=client.stop_query_execution) as stop,
        pytest.raises(engine.EngineError, match="timed out"),
    ):
        engine.query("count_all", {"start_day": DAY, "end_day": DAY})
    assert stop.called
