"""One query interface over the event lake, two engines: DuckDB embedded and Amazon Athena.

``query(sql_name_or_text, params) -> rows`` runs a named question of ``store.lake_sql`` (or SQL
text in DuckDB's dialect) with named ``$parameters``; ``start_day``/``end_day`` name the day
partitions it reads. ``ANALYTICS_ENGINE`` picks the engine:

* ``duckdb`` (default): the days' objects are read through boto3 (``store.lake.read_days``, so
  moto in tests and no httpfs download) into one Arrow table that DuckDB scans in memory.
* ``athena``: the SQL is transpiled to Trino by sqlglot, ``events`` becomes the Glue table,
  parameters become positional ``ExecutionParameters``; start, poll until done or timed out
  (then stopped), raise on FAILED/CANCELLED, read every result page.

duckdb and pyarrow are imported here, so only functions that query the lake import this module.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import boto3
import sqlglot
from sqlglot import exp

from chalicelib.config import get_settings
from chalicelib.store import lake, lake_sql

Rows = list[dict[str, Any]]
_MARK = re.compile(r'"?__param_(\w+?)__"?')


class EngineError(RuntimeError):
    """A query that failed, was cancelled or ran out of time."""


@dataclass
class QueryStats:
    engine: str = ""
    bytes_scanned: int = 0
    seconds: float = 0.0


LAST = QueryStats()
"""The last query's figures in this process (bench and logs read them)."""


def sql_text(sql_name_or_text: str) -> str:
    return lake_sql.NAMED.get(sql_name_or_text, sql_name_or_text)


def parameter_names(sql: str) -> list[str]:
    return sorted({p.name for p in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Placeholder)})


def _days(params: dict[str, Any]) -> list[str]:
    from chalicelib.domain.clock import days_between, parse_iso

    start, end = params.get("start_day"), params.get("end_day")
    if not start or not end:
        raise ValueError("a lake query names its partitions: start_day and end_day")
    return days_between(parse_iso(f"{start}T00:00:00Z"), parse_iso(f"{end}T00:00:00Z"))


def query(sql_name_or_text: str, params: dict[str, Any]) -> Rows:
    """Rows of a lake question as dicts, on the configured engine."""
    sql = sql_text(sql_name_or_text)
    started = time.perf_counter()
    if get_settings().analytics_engine == "athena":
        rows, scanned = athena_query(sql, params)
        engine = "athena"
    else:
        rows, scanned = duckdb_query(sql, params)
        engine = "duckdb"
    LAST.engine, LAST.bytes_scanned, LAST.seconds = engine, scanned, time.perf_counter() - started
    return rows


# ---- DuckDB ----------------------------------------------------------------------------------------


def duckdb_query(sql: str, params: dict[str, Any]) -> tuple[Rows, int]:
    import duckdb

    table, scanned = lake.read_days(_days(params))
    wanted = parameter_names(sql)
    connection = duckdb.connect()
    try:
        connection.register("events", table)
        result = connection.execute(sql, {name: _plain(params[name]) for name in wanted})
        columns = [c[0] for c in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()], scanned
    finally:
        connection.close()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


# ---- Athena ----------------------------------------------------------------------------------------


def trino_form(sql: str, table: str | None = None) -> tuple[str, list[str]]:
    """The Trino text of DuckDB SQL with ``?`` for each parameter, and the parameters' names in order."""
    settings = get_settings()
    tree = sqlglot.parse_one(sql, read="duckdb")
    target = table or f"{settings.glue_database}.{settings.glue_table}"
    database, _, name = target.rpartition(".")
    for node in tree.find_all(exp.Table):
        if node.name == "events" and not node.db:
            node.set("this", exp.to_identifier(name, quoted=True))
            if database:
                node.set("db", exp.to_identifier(database, quoted=True))
    tree = tree.transform(
        lambda node: exp.column(f"__param_{node.name}__") if isinstance(node, exp.Placeholder) else node
    )
    text = tree.sql(dialect="trino")
    order = _MARK.findall(text)
    return _MARK.sub("?", text), order


def _literal(value: Any) -> str:
    """An Athena execution parameter: SQL literal text."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return exp.Literal.string(str(_plain(value))).sql("trino")


@lru_cache(maxsize=1)
def athena() -> Any:
    return boto3.client("athena", region_name=get_settings().region)


def reset() -> None:
    athena.cache_clear()


_CASTS = {"bigint": int, "integer": int, "smallint": int, "tinyint": int, "double": float, "real": float}


def athena_query(sql: str, params: dict[str, Any]) -> tuple[Rows, int]:
    settings = get_settings()
    text, order = trino_form(sql)
    request: dict[str, Any] = {
        "QueryString": text,
        "QueryExecutionContext": {"Database": settings.glue_database},
        "WorkGroup": settings.athena_workgroup,
        "ResultConfiguration": {"OutputLocation": settings.athena_output_location},
    }
    if order:
        request["ExecutionParameters"] = [_literal(params[name]) for name in order]
    client = athena()
    execution_id = client.start_query_execution(**request)["QueryExecutionId"]
    deadline = time.monotonic() + settings.athena_timeout_seconds
    while True:
        execution = client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        state = execution["Status"]["State"]
        if state == "SUCCEEDED":
            break
        if state in ("FAILED", "CANCELLED"):
            reason = execution["Status"].get("StateChangeReason", state)
            raise EngineError(f"Athena query {execution_id} {state}: {reason}")
        if time.monotonic() >= deadline:
            client.stop_query_execution(QueryExecutionId=execution_id)
            raise EngineError(f"Athena query {execution_id} timed out after {settings.athena_timeout_seconds}s")
        time.sleep(settings.athena_poll_seconds)
    scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
    return _results(client, execution_id), scanned


def _results(client: Any, execution_id: str) -> Rows:
    rows: Rows = []
    columns: list[tuple[str, Any]] | None = None
    for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
        result = page["ResultSet"]
        data = result.get("Rows", [])
        if columns is None:
            info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [(c["Name"], _CASTS.get(c.get("Type", "varchar"), str)) for c in info]
            if data and [d.get("VarCharValue") for d in data[0]["Data"]] == [name for name, _ in columns]:
                data = data[1:]  # the first page of a SELECT repeats the header
        for row in data:
            values = [d.get("VarCharValue") for d in row["Data"]]
            rows.append(
                {name: None if v is None else cast(v) for (name, cast), v in zip(columns, values, strict=False)}
            )
    return rows
