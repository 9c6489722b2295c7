"""End to end over HTTP: the local stack as a user runs it, read back from the moto server."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import requests

from local.demo_data import generate, load
from local.stack import ROOT, LocalStack, free_port

SEED_ACTIVITY = {
    "eventType": "page_view",
    "sessionId": "session-123",
    "pageUrl": "https://bilten.com/events",
    "eventData": {"referrer": "google.com", "searchTerm": "music events"},
}
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
}


def _items(dynamodb, table: str, pk: str) -> list[dict]:
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return [item for page in pages for item in page["Items"]]


def test_seed_activity_over_http_is_stored(stack: LocalStack, dynamodb) -> None:
    response = requests.post(f"{stack.api_url}/activity", json=SEED_ACTIVITY, headers=BROWSER, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["message"] == "Activity tracked successfully"
    tracking_id, timestamp = body["data"]["trackingId"], body["data"]["timestamp"]
    found = []
    for shard in range(4):
        found += _items(dynamodb, "bilten-dev-events", f"activity/page_view#{timestamp[:10]}#{shard}")
    mine = [item for item in found if item["message_id"]["S"] == tracking_id]
    assert len(mine) == 1
    assert mine[0]["sk"]["S"] == f"{timestamp}#{tracking_id}"
    assert mine[0]["browser"]["S"] == "Chrome"
    assert "127.0.0.1" not in str(mine[0])


def test_batch_retry_over_http_stores_each_message_once(stack: LocalStack, dynamodb) -> None:
    session_id = f"e2e-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    events = [
        {
            "type": "activity",
            "eventType": "e2e_click",
            "sessionId": session_id,
            "pageUrl": "https://bilten.com/events",
            "messageId": str(uuid.uuid4()),
            "timestamp": (now - timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        for i in range(3)
    ]
    for _ in range(2):
        response = requests.post(f"{stack.api_url}/batch", json={"events": events}, headers=BROWSER, timeout=10)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["accepted"] == 3
    stored = []
    for day in {e["timestamp"][:10] for e in events}:
        for shard in range(4):
            stored += _items(dynamodb, "bilten-dev-events", f"activity/e2e_click#{day}#{shard}")
    assert sorted(i["message_id"]["S"] for i in stored) == sorted(e["messageId"] for e in events)
    session = dynamodb.get_item(TableName="bilten-dev-sessions", Key={"session_id": {"S": session_id}})["Item"]
    assert session["events"]["N"] == "3"


def test_bad_input_over_http_is_a_named_400(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.api_url}/conversion", json={"conversionType": "purchase", "conversionValue": -5}, headers=BROWSER
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "conversionValue"
    response = requests.post(
        f"{stack.api_url}/batch", data="{not json", headers={**BROWSER, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "body"


def test_demo_loader_sends_every_event_through_the_api(stack: LocalStack) -> None:
    plan = generate(days=1, visits_per_day=4, seed=11)
    totals = load(stack.api_url, plan, workers=2, progress=False)
    bots = sum(len(b.events) for b in plan.batches if "Googlebot" in b.user_agent)
    assert totals["accepted"] == plan.event_count - bots
    assert totals["dropped"] == bots and totals["rejected"] == 0


def test_make_dev_reaches_ready_and_prints_url_and_token() -> None:
    """The `make dev` entry point on its own ports, with a one-day demo set; a re-run skips the demo data."""
    moto_port, api_port = free_port(), free_port()
    command = [
        sys.executable,
        "-m",
        "local.stack",
        "--moto-port",
        str(moto_port),
        "--api-port",
        str(api_port),
        "--demo-days",
        "1",
        "--demo-visits-per-day",
        "3",
    ]
    helper = LocalStack(moto_port=moto_port, api_port=api_port, background=())
    helper.start_moto()  # kept alive across both runs, as a developer's running stack would be
    try:
        first = subprocess.run([*command, "--exit-when-ready"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "ready" in first.stdout and f"http://127.0.0.1:{api_port}/api/v1/tracking" in first.stdout
        token_line = next(line for line in first.stdout.splitlines() if "Admin token" in line)
        assert token_line.split(":", 1)[1].strip().count(".") == 2
        assert "demo data loaded" in first.stdout and "demo data:" in first.stdout  # progress bar
        assert "demo campaigns and experiment" in first.stdout
        second = subprocess.run([*command, "--exit-when-ready"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "demo data already loaded" in second.stdout
    finally:
        helper.stop()
