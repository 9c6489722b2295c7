"""Scheduled jobs invoked through chalice.test's Lambda client with generated scheduled events."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.app import ScheduledEventConfig

import app as application
from chalicelib.config import get_settings
from chalicelib.domain.clock import iso
from chalicelib.jobs.registry import JOBS
from chalicelib.store import alerts, rawevents
from chalicelib.store.models import EventEngagement, RawEvent, UserEngagement
from tests.integration.jobs_support import raw_event, scan_table, scheduled, store_raw

NOW = datetime.now(UTC).replace(microsecond=0)


def _payload(response: Any) -> dict[str, Any]:
    return response.payload if isinstance(response.payload, dict) else json.loads(response.payload)


def _metrics(model: type, key: str) -> dict[str, dict[str, Any]]:
    out = {}
    for item in scan_table(model):
        out[item[key]["S"]] = {
            name: (float(v["N"]) if "N" in v else v.get("S"))
            for name, v in item.items()
            if name not in (key, "applied_window")
        }
    return out


def _recount() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Engagement figures recounted from every raw item (test-only scan)."""
    users: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    events: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    sessions: dict[str, set[str]] = defaultdict(set)
    for item in scan_table(RawEvent):
        kind, name, ts = item["kind"]["S"], item["name"]["S"], item["ts"]["S"]
        user = item.get("user_id", {}).get("S")
        event_id = item.get("event_id", {}).get("S")
        value = float(item.get("value", {}).get("N", 0))
        if user and kind in ("activity", "interaction", "conversion"):
            u = users[user]
            u["total_events"] += 1
            u["total_page_views"] += kind == "activity" and name == "page_view"
            u["total_clicks"] += kind == "activity" and (name == "click" or name.endswith("_click"))
            u["total_conversions"] += kind == "conversion"
            u["total_conversion_value"] += value if kind == "conversion" else 0
            u["first_activity"] = min(u.get("first_activity") or ts, ts)
            u["last_activity"] = max(u.get("last_activity") or ts, ts)
            sessions[user].add(item["session_id"]["S"])
        if event_id and kind in ("interaction", "conversion"):
            e = events[event_id]
            if kind == "conversion":
                e["total_conversions"] += 1
                e["total_conversion_value"] += value
            else:
                e["total_views"] += name == "view"
                e["total_interactions"] += name != "view"
                e["total_likes"] += name == "like"
                e["total_shares"] += name == "share"
                e["total_bookmarks"] += name == "bookmark"
                e["first_interaction"] = min(e.get("first_interaction") or ts, ts)
                e["last_interaction"] = max(e.get("last_interaction") or ts, ts)
    for user, figures in users.items():
        figures["total_sessions"] = len(sessions[user])
    for figures in events.values():
        views = figures["total_views"]
        figures["engagement_rate"] = round(figures["total_interactions"] / views * 100, 2) if views else 0.0
    return {k: dict(v) for k, v in users.items()}, {k: dict(v) for k, v in events.items()}


def _ingest_activity(client: Any) -> None:
    from chalicelib.auth import mint_token

    rows = []
    for minute, (user, session, kind, body) in enumerate(
        [
            ("u1", "s-u1", "activity", {"eventType": "page_view", "pageUrl": "https://bilten.com/events"}),
            ("u1", "s-u1", "activity", {"eventType": "button_click", "pageUrl": "https://bilten.com/e/1"}),
            ("u1", "s-u1", "event-interaction", {"eventId": "ev-1", "interactionType": "view"}),
            ("u1", "s-u1", "event-interaction", {"eventId": "ev-1", "interactionType": "like"}),
            ("u1", "s-u1", "conversion", {"conversionType": "purchase", "conversionValue": 49.5, "eventId": "ev-1"}),
            ("u2", "s-u2", "event-interaction", {"eventId": "ev-1", "interactionType": "view"}),
            ("u2", "s-u2", "event-interaction", {"eventId": "ev-1", "interactionType": "view"}),
            ("u2", "s-u2", "event-interaction", {"eventId": "ev-2", "interactionType": "share"}),
            ("u2", "s-u2b", "activity", {"eventType": "page_view", "pageUrl": "https://bilten.com/"}),
            (None, "s-anon", "activity", {"eventType": "page_view", "pageUrl": "https://bilten.com/"}),
        ]
    ):
        at = NOW - timedelta(minutes=50) + timedelta(minutes=minute * 2 + (20 if session == "s-u2b" else 0))
        rows.append((user, {"type": kind, "sessionId": session, "timestamp": iso(at), **body}))
    for user, row in rows:
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {mint_token('user', user)}"
        response = client.http.post("/api/v1/tracking/batch", headers=headers, body=json.dumps({"events": [row]}))
        assert response.status_code == 200, response.body


RATE_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def _rate_seconds(expression: str) -> int:
    """``rate(15 minutes)`` → 900, read independently of the registry's conversion."""
    assert expression.startswith("rate(") and expression.endswith(")"), expression
    value, unit = expression.removeprefix("rate(").removesuffix(")").split()
    assert (int(value) == 1) == (unit in ("minute", "hour", "day")), f"EventBridge wants a singular unit for 1: {unit}"
    return int(value) * RATE_UNIT_SECONDS[unit]


def test_every_registry_job_is_exactly_one_schedule_of_the_app_and_vice_versa() -> None:
    schedules = [s for s in application.app.event_sources if isinstance(s, ScheduledEventConfig)]
    assert sorted(s.name for s in schedules) == sorted(job.function for job in JOBS.values())
    by_function = {s.name: s for s in schedules}
    for job in JOBS.values():
        source = by_function[job.function]
        assert _rate_seconds(source.schedule_expression.to_string()) == job.every_seconds, job.name
        # Lambda resolves the handler string on the deployed module: it must be the registered handler.
        module, attribute = source.handler_string.split(".")
        assert module == "app"
        assert attribute == job.function
        assert getattr(application, attribute) is application.app.handler_map[job.function]
    # The functions other code and the infrastructure name (tests, alarms, docs).
    assert sorted(by_function) == sorted(
        [
            "rollup_compaction",
            "engagement_metrics",
            "ab_test_results",
            "retention_purge",
            "monitors",
            "anomaly_detection",
            "export_jobs",
            "lake_compaction",
        ]
    )


def test_export_jobs_runs_through_the_common_runner(client: Any, monkeypatch: Any) -> None:
    from chalicelib.jobs import exports as export_runner
    from chalicelib.services import exports as export_service

    seen: list[float] = []

    def pending(budget_seconds: float) -> dict[str, str]:
        seen.append(budget_seconds)
        return {"job-1": "running"}

    monkeypatch.setattr(export_service, "run_pending", pending)
    at = NOW.replace(second=0)
    report = _payload(client.lambda_.invoke("export_jobs", scheduled(at)))
    assert report == {"at": at.isoformat(), "jobs": {"job-1": "running"}}, "the scheduled time, not now"
    report = _payload(client.lambda_.invoke("export_jobs", scheduled(at, maxSeconds=2.5)))
    assert report["jobs"] == {"job-1": "running"}
    assert seen == [export_runner.BUDGET_SECONDS, 2.5], "maxSeconds from the detail is the budget"


def test_engagement_job_equals_a_recount_and_reruns_change_nothing(client: Any) -> None:
    _ingest_activity(client)
    first = _payload(client.lambda_.invoke("engagement_metrics", scheduled(NOW)))
    assert first["factsRead"] == 10
    users, events = _recount()
    stored_users = _metrics(UserEngagement, "user_id")
    stored_events = _metrics(EventEngagement, "event_id")
    assert set(stored_users) == {"u1", "u2"} and set(stored_events) == {"ev-1", "ev-2"}
    for user, figures in users.items():
        for name, value in figures.items():
            assert stored_users[user][name] == pytest.approx(value) if isinstance(value, float) else value, name
    for event_id, figures in events.items():
        for name, value in figures.items():
            assert stored_events[event_id][name] == value, (event_id, name)
    assert stored_events["ev-1"]["engagement_rate"] == pytest.approx(100 / 3, abs=0.01)
    assert stored_users["u2"]["total_sessions"] == 2

    # The same scheduled time again: nothing new to read, nothing changes.
    again = _payload(client.lambda_.invoke("engagement_metrics", scheduled(NOW)))
    assert again["factsRead"] == 0
    # A run that died after applying part of a window is finished by the next run without double counts.
    from chalicelib.store import checkpoints

    position, _ = checkpoints.load("engagement")
    start = NOW - timedelta(hours=2)
    checkpoints.save("engagement", iso(start), {"pending": {"from": iso(start), "to": position}})
    redo = _payload(client.lambda_.invoke("engagement_metrics", scheduled(NOW)))
    assert redo["factsRead"] == 10 and redo["applied"] == 0 and redo["skipped"] == 4
    assert _metrics(UserEngagement, "user_id") == stored_users
    assert _metrics(EventEngagement, "event_id") == stored_events

    # Later events land in the next window only.
    _ingest_more = raw_event(
        "interaction", "view", NOW + timedelta(minutes=1), user_id="u1", session_id="s-u1", event_id="ev-2"
    )
    store_raw([_ingest_more])
    later = _payload(client.lambda_.invoke("engagement_metrics", scheduled(NOW + timedelta(minutes=10))))
    assert later["factsRead"] == 1
    assert _metrics(EventEngagement, "event_id")["ev-2"]["total_views"] == 1


def _purge_fixture() -> tuple[datetime, set[str], set[str]]:
    """Raw items on both sides of the retention cutoff, over every raw data set."""
    retention = timedelta(days=get_settings().retention_days)
    cutoff = NOW - retention
    expired_times = [cutoff - timedelta(days=20), cutoff - timedelta(days=1, hours=3), cutoff - timedelta(minutes=5)]
    kept_times = [cutoff + timedelta(minutes=5), cutoff + timedelta(days=1), NOW - timedelta(days=2)]
    expired, kept = [], []
    for index, moment in enumerate(expired_times + kept_times):
        batch = [
            raw_event("activity", "page_view", moment, session_id="s1"),
            raw_event("interaction", "view", moment, event_id="ev"),
            raw_event("conversion", "purchase", moment, value=index),
            raw_event("performance", "/api/v1/events", moment, response_time=100),
            raw_event("heatmap", "bilten.com/", moment, x=1, y=2),
        ]
        store_raw(batch)
        (expired if moment < cutoff else kept).extend(e.sk for e in batch)
    return cutoff, set(expired), set(kept)


def _remaining() -> set[str]:
    return {item["sk"]["S"] for item in scan_table(RawEvent)}


def test_purge_removes_exactly_the_expired_items_and_resumes(client: Any) -> None:
    _, expired, kept = _purge_fixture()
    assert _remaining() == expired | kept
    # Interrupted runs: a budget of two partitions per run; each run resumes from the checkpoint.
    totals: dict[str, int] = defaultdict(int)
    runs = 0
    while True:
        report = _payload(client.lambda_.invoke("retention_purge", scheduled(NOW, maxPartitions=2)))
        runs += 1
        for dataset, count in report["removed"].items():
            totals[dataset] += count
        if report["finished"]:
            break
        assert runs < 100
    assert runs > 3
    assert _remaining() == kept
    assert dict(totals) == {
        "user_activity": 3,
        "event_interactions": 3,
        "conversions": 3,
        "performance": 3,
        "heatmap": 3,
    }
    again = _payload(client.lambda_.invoke("retention_purge", scheduled(NOW)))
    assert again["totalRemoved"] == 0 and again["finished"]
    assert _remaining() == kept


def test_purge_interrupted_by_a_failure_completes_on_the_next_run(client: Any, monkeypatch: Any) -> None:
    _, expired, kept = _purge_fixture()
    real_delete = rawevents.delete_keys
    calls = {"n": 0}

    def flaky(keys: list[tuple[str, str]]) -> int:
        calls["n"] += 1 if keys else 0
        if calls["n"] == 3:
            raise RuntimeError("Lambda timed out")
        return real_delete(keys)

    monkeypatch.setattr(rawevents, "delete_keys", flaky)
    with pytest.raises(RuntimeError):
        client.lambda_.invoke("retention_purge", scheduled(NOW))
    assert kept < _remaining() < expired | kept
    monkeypatch.setattr(rawevents, "delete_keys", real_delete)
    report = _payload(client.lambda_.invoke("retention_purge", scheduled(NOW)))
    assert report["finished"]
    assert _remaining() == kept


def test_expired_items_are_ignored_by_readers() -> None:
    past = {"expires_at": {"N": str(int(NOW.timestamp()) - 1)}}
    future = {"expires_at": {"N": str(int(NOW.timestamp()) + 60)}}
    assert list(rawevents.live([past, future, {}], NOW.timestamp())) == [future, {}]


@pytest.fixture
def alert_queue(aws: None, monkeypatch: Any) -> Any:
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="bilten-test-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    alerts.reset_client()
    monkeypatch.setattr(get_settings(), "alert_topic_arn", topic)

    def drain() -> list[dict[str, Any]]:
        out = []
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return out
            for message in messages:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    yield drain
    alerts.reset_client()


def test_monitors_publish_once_per_condition_per_window(client: Any, alert_queue: Any) -> None:
    at = NOW.replace(hour=12, minute=2, second=0)
    events = [
        raw_event("performance", "/api/v1/slow", at - timedelta(seconds=20 * i + 1), response_time=2500)
        for i in range(6)
    ]
    events += [
        raw_event("performance", "/api/v1/fast", at - timedelta(seconds=20 * i + 1), response_time=90) for i in range(6)
    ]
    # Not in the last five minutes: must not count.
    events += [raw_event("performance", "/api/v1/fast", at - timedelta(minutes=9), response_time=9000)]
    yesterday = at - timedelta(days=1)
    events += [raw_event("activity", "page_view", yesterday - timedelta(minutes=i * 10, seconds=1)) for i in range(60)]
    events += [raw_event("activity", "page_view", at - timedelta(minutes=i * 10, seconds=1)) for i in range(10)]
    store_raw(events)

    first = _payload(client.lambda_.invoke("monitors", scheduled(at)))
    assert sorted(first["published"]) == ["data-quality-drop", "latency:/api/v1/slow"]
    assert first["dataQuality"] == {"today": 10, "sameHoursYesterday": 60, "dropPercent": 83.33}
    messages = alert_queue()
    assert sorted(m["alert"] for m in messages) == ["api_latency_p95", "data_quality_drop"]
    latency = next(m for m in messages if m["alert"] == "api_latency_p95")
    assert latency["endpoint"] == "/api/v1/slow" and latency["p95Ms"] == 2500 and latency["samples"] == 6

    # Same window, conditions still true: no second alert.
    for _ in range(2):
        again = _payload(client.lambda_.invoke("monitors", scheduled(at + timedelta(seconds=30))))
        assert again["published"] == [] and again["suppressed"] == 2
    assert alert_queue() == []
