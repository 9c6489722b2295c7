"""Exports: answer small ones inline, run larger ones as resumable jobs, report a job's progress.

A job is started by the request within a time budget, carried on by the
``exports`` schedule (and, as a fallback, by polling its status), and checkpoints
after every output part, so a job interrupted anywhere resumes without losing or
duplicating rows. Reads and files are ``store.exports``; formats are
``domain.export_formats``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain import export_formats as fmt
from chalicelib.domain.clock import parse_iso, utc_now
from chalicelib.services.errors import Forbidden, NotFound, StorageUnavailable
from chalicelib.store import exports as store
from chalicelib.store.exports import ExportSpec, JobState, Position

__all__ = ["ExportSpec", "JobState", "export", "job_status", "run_job", "run_pending"]

REQUEST_BUDGET_SECONDS = 10.0
POLL_BUDGET_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=30)
PENDING_BUDGET_SECONDS = 50.0


@dataclass(frozen=True)
class Inline:
    """A finished export small enough to answer in the response."""

    spec: ExportSpec
    rows: list[dict[str, Any]]


def collect_inline(spec: ExportSpec, limit: int) -> list[dict[str, Any]] | None:
    """Every row when there are at most ``limit``; None when the export is too large for inline."""
    rows: list[dict[str, Any]] = []
    for page in store.pages(spec, store.plan_units(spec), Position()):
        rows.extend(page.rows)
        if len(rows) > limit:
            return None
    return rows


def _flush(state: JobState, rows: list[dict[str, Any]], position: Position) -> None:
    if rows:
        fragment = fmt.csv_rows(state.spec.data_type, rows) if state.spec.format == "csv" else fmt.json_rows(rows)
        store.write_part(state, fragment)
        state.parts += 1
        state.rows_written += len(rows)
    state.position = position
    store.save_job(state)


def _finish(state: JobState) -> None:
    text = fmt.assemble(state.spec.data_type, state.spec.format, store.read_parts(state))
    state.object_key, state.status = store.write_file(state, text), "completed"
    store.save_job(state)
    store.mark_finished(state.job_id)


def run_job(job_id: str, budget_seconds: float) -> JobState | None:
    """Advance a job for at most about ``budget_seconds``; checkpoint after every part written."""
    state = store.load_job(job_id)
    if state is None or state.status != "running":
        return state
    deadline = time.monotonic() + budget_seconds
    units = store.load_plan(job_id)
    buffer: list[dict[str, Any]] = []
    position = state.position
    try:
        for page in store.pages(state.spec, units, state.position):
            buffer.extend(page.rows)
            position = page.next
            if len(buffer) >= store.PART_ROWS or page.done or time.monotonic() > deadline:
                _flush(state, buffer, position)
                buffer = []
                if time.monotonic() > deadline and not page.done:
                    return state
        if buffer or position != state.position:
            _flush(state, buffer, position)
        _finish(state)
    except StorageUnavailable as exc:
        state.error = str(exc)
        store.save_job(state)
    return state


def export(spec: ExportSpec) -> Inline | JobState:
    """Rows inline when few enough, else a job started within the request's budget."""
    if not store.needs_job(spec):
        rows = collect_inline(spec, get_settings().export_inline_rows)
        if rows is not None:
            return Inline(spec, rows)
    state = store.new_job(spec, store.plan_units(spec))
    return run_job(state.job_id, REQUEST_BUDGET_SECONDS) or state


def authorise(role: str, user_id: str, filters: dict[str, Any], read_roles: frozenset[str]) -> str:
    """Who the export is for: readers export anything, a user only their own data (``filters.userId``)."""
    if role in read_roles:
        return user_id
    if role == "user" and filters.get("userId") == user_id:
        return user_id
    raise Forbidden("A user token may export only its own data (filters.userId = your id)")


def job_status(job_id: str, role: str, user_id: str, read_roles: frozenset[str]) -> JobState:
    """A job's state as its owner or a reader may see it; advanced here when no schedule has lately."""
    state = store.load_job(job_id)
    own_job = state is not None and role == "user" and state.spec.requested_by == user_id
    if not own_job and role not in read_roles:
        raise Forbidden(f"Role '{role}' may not access this resource (needs {', '.join(sorted(read_roles))})")
    if state is None:
        raise NotFound(f"Export job '{job_id}' not found")
    if state.status == "running" and (not state.updated_at or utc_now() - parse_iso(state.updated_at) > STALE_AFTER):
        state = run_job(job_id, POLL_BUDGET_SECONDS) or state
    return state


def download_url(state: JobState) -> str | None:
    return store.presigned_url(state.object_key) if state.status == "completed" and state.object_key else None


def run_pending(budget_seconds: float = PENDING_BUDGET_SECONDS) -> dict[str, str]:
    """Share the budget between running jobs, oldest id first. Returns job → status."""
    deadline = time.monotonic() + budget_seconds
    outcome: dict[str, str] = {}
    for job_id in store.running_jobs():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        state = run_job(job_id, remaining)
        outcome[job_id] = state.status if state else "missing"
    return outcome


def default_window(now: datetime, days: int = 30) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
