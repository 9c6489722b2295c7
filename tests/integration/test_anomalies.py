"""The anomaly job end to end in moto: roll-up buckets → episodes stored → one SNS alert per
episode across runs → GET /anomalies."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain import tiers
from chalicelib.domain.rollups import bucket_sk
from chalicelib.store import alerts
from chalicelib.store import rollups as rollup_store
from tests.integration.analytics_support import auth, get
from tests.integration.jobs_support import scheduled

NOW = datetime(2026, 3, 18, 14, 7, tzinfo=UTC)
LAST_HOUR = NOW.replace(minute=0) - timedelta(hours=1)  # the last closed hour


def _payload(response: Any) -> dict[str, Any]:
    return response.payload if isinstance(response.payload, dict) else json.loads(response.payload)


@pytest.fixture
def alert_queue(aws: None, monkeypatch: Any) -> Any:
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="bilten-test-anomalies")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="anomalies")["QueueUrl"]
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


def _hourly(hours: int, spike_hours: int) -> dict[datetime, float]:
    """Three weeks of a daily-seasonal page-view count; the last ``spike_hours`` are 6 times it."""
    rng = random.Random(7)
    out = {}
    for back in range(hours):
        at = LAST_HOUR - timedelta(hours=back)
        level = 200 + 120 * math.sin(2 * math.pi * at.hour / 24)
        value = round(level + rng.gauss(0, 8))
        out[at] = value * 6 if back < spike_hours else value
    return out


def _store_hours(values: dict[datetime, float]) -> None:
    for at, value in values.items():
        packed = tiers.Packed({tiers.packed_name("counts", "all", "a:page_view"): value})
        rollup_store.write_bucket("hour", bucket_sk(at, "hour"), packed, 2**31)
    rollup_store.seal(bucket_sk(LAST_HOUR, "hour"))
    rollup_store.mark_compacted(bucket_sk(LAST_HOUR, "hour"))


def test_a_spike_in_the_hour_roll_ups_is_stored_and_alerted_once(client: Any, alert_queue: Any) -> None:
    _store_hours(_hourly(21 * 24, spike_hours=3))

    first = _payload(client.lambda_.invoke("anomaly_detection", scheduled(NOW)))
    spike_start = bucket_sk(LAST_HOUR - timedelta(hours=2), "hour")
    assert first["publishedEpisodes"] == [f"hour/events:page_view@{spike_start}"]
    messages = alert_queue()
    assert len(messages) == 1
    assert messages[0]["alert"] == "anomaly" and messages[0]["series"] == "hour/events:page_view"
    assert messages[0]["direction"] == "spike" and messages[0]["start"] == spike_start

    # Later runs see the same incident (still inside the fresh window): stored, not alerted again.
    for minutes in (5, 10, 40):
        again = _payload(client.lambda_.invoke("anomaly_detection", scheduled(NOW + timedelta(minutes=minutes))))
        assert again["published"] == 0 and again["publishedEpisodes"] == []
    assert alert_queue() == []

    status, body = get(client, f"/anomalies?endDate={NOW.isoformat()}&timeRange=7d", auth())
    assert status == 200, body
    listed = body["data"]["anomalies"]
    assert [(e["series"], e["start"], e["direction"], e["published"]) for e in listed] == [
        ("hour/events:page_view", spike_start, "spike", True)
    ]
    assert listed[0]["peakValue"] > 3 * listed[0]["baseline"]
    status, body = get(client, f"/anomalies?endDate={NOW.isoformat()}&timeRange=7d&series=error_rate", auth())
    assert status == 200 and body["data"]["anomalies"] == []


def test_a_quiet_series_raises_nothing(client: Any, alert_queue: Any) -> None:
    _store_hours(_hourly(21 * 24, spike_hours=0))
    report = _payload(client.lambda_.invoke("anomaly_detection", scheduled(NOW)))
    assert report["seriesWatched"] >= 1 and report["published"] == 0
    assert alert_queue() == []


def test_anomalies_needs_a_reader_and_valid_parameters(client: Any) -> None:
    status, _ = get(client, "/anomalies")
    assert status == 401
    status, body = get(client, "/anomalies?timeRange=2y", auth())
    assert status == 400, body
    status, body = get(client, "/anomalies?timeRange=24h", auth())
    assert status == 200 and body["data"]["anomalies"] == [] and body["data"]["count"] == 0
