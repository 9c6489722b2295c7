"""GDPR: delete and export one user's data, verified by reading every table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.auth import mint_token
from chalicelib.domain.clock import iso
from tests.integration.jobs_support import every_table_as_text, scheduled

NOW = datetime.now(UTC).replace(microsecond=0)
BASE = "/api/v1/tracking"


def _post(client: Any, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.post(f"{BASE}{path}", headers=headers, body=json.dumps(body))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ingest_alice_and_bob(client: Any) -> None:
    alice, bob = mint_token("user", "alice-7"), mint_token("user", "bob-9")
    at = NOW - timedelta(minutes=40)
    # Anonymous first, then signed in, in the same session.
    anonymous = [
        {"type": "activity", "eventType": "page_view", "pageUrl": "https://bilten.com/", "sessionId": "sess-a1"},
        {"type": "event-interaction", "eventId": "ev-1", "interactionType": "view", "sessionId": "sess-a1"},
    ]
    for offset, event in enumerate(anonymous):
        event["timestamp"] = iso(at + timedelta(minutes=offset))
    assert _post(client, "/batch", {"events": anonymous}).status_code == 200
    signed_in = [
        {"type": "activity", "eventType": "page_view", "pageUrl": "https://bilten.com/e/1", "sessionId": "sess-a1"},
        {"type": "conversion", "conversionType": "purchase", "conversionValue": 20, "sessionId": "sess-a1"},
        {"type": "activity", "eventType": "page_view", "pageUrl": "https://bilten.com/", "sessionId": "sess-a2"},
    ]
    for offset, event in enumerate(signed_in):
        event["timestamp"] = iso(at + timedelta(minutes=5 + offset))
    assert _post(client, "/batch", {"events": signed_in}, alice).status_code == 200
    # A retried conversion without a timestamp leaves a dedup record naming its message id.
    dedup = {"conversionType": "signup", "sessionId": "sess-a2", "messageId": "0d7f3c9e-5d1b-4f7a-9b8e-111111111111"}
    assert _post(client, "/conversion", dedup, alice).status_code == 200
    other = {"type": "activity", "eventType": "page_view", "pageUrl": "https://bilten.com/", "sessionId": "sess-b1"}
    assert _post(client, "/batch", {"events": [{**other, "timestamp": iso(at)}]}, bob).status_code == 200
    # Experiment exposures: as a signed-in user and as the anonymous session.
    admin = mint_token("admin", "root")
    created = _post(client, "/experiments", {"testName": "Hero", "variants": ["A", "B"]}, admin)
    experiment_id = json.loads(created.body)["data"]["id"]
    assert _post(client, f"/experiments/{experiment_id}/assign", {}, alice).status_code == 200
    assert _post(client, f"/experiments/{experiment_id}/assign", {"sessionId": "sess-a1"}).status_code == 200
    assert _post(client, f"/experiments/{experiment_id}/assign", {}, bob).status_code == 200
    client.lambda_.invoke("engagement_metrics", scheduled(NOW))


def _mentions(marker: str) -> dict[str, int]:
    return {table: sum(marker in item for item in items) for table, items in every_table_as_text().items()}


def test_delete_removes_every_item_of_the_user_in_every_table(client: Any) -> None:
    _ingest_alice_and_bob(client)
    before = _mentions("alice-7")
    assert before["bilten-test-events"] == 4 and before["bilten-test-user_engagement_metrics"] == 1
    assert sum(_mentions("sess-a1").values()) > 0

    export = client.http.get(f"{BASE}/user/alice-7/data", headers=_auth(mint_token("user", "alice-7")))
    assert export.status_code == 200
    data = json.loads(export.body)["data"]
    assert data["counts"] == {"events": 6, "sessions": 3, "experiment_assignments": 2}
    assert data["engagementMetrics"]["total_events"] == 3  # the signup at "now" is still settling

    forbidden = client.http.delete(f"{BASE}/user/alice-7", headers=_auth(mint_token("user", "bob-9")))
    assert forbidden.status_code == 403
    assert client.http.delete(f"{BASE}/user/alice-7", headers=_auth(mint_token("analyst", "x"))).status_code == 403

    response = client.http.delete(f"{BASE}/user/alice-7", headers=_auth(mint_token("admin", "root")))
    assert response.status_code == 200, response.body
    removed = json.loads(response.body)["data"]["removed"]
    assert removed == {
        "events": 6,
        "sessions": 3,  # sess-a2 resumed after the timeout: an archived segment too
        "experiment_assignments": 2,
        "user_engagement_metrics": 1,
        "dedup": 1,
    }
    for marker in ("alice-7", "sess-a1", "sess-a2", "0d7f3c9e-5d1b-4f7a-9b8e-111111111111"):
        assert sum(_mentions(marker).values()) == 0, (marker, _mentions(marker))
    assert _mentions("bob-9")["bilten-test-events"] == 1  # other users untouched

    journey = client.http.get(f"{BASE}/user-journey/alice-7", headers=_auth(mint_token("admin", "root")))
    assert journey.status_code == 200
    journey_data = json.loads(journey.body)["data"]
    assert journey_data["totalEvents"] == 0 and journey_data["userActivity"] == []
    export = client.http.get(f"{BASE}/user/alice-7/data", headers=_auth(mint_token("admin", "root")))
    assert json.loads(export.body)["data"]["counts"] == {"events": 0, "sessions": 0, "experiment_assignments": 0}

    # The user's own token may delete too; repeating is harmless.
    own = client.http.delete(f"{BASE}/user/alice-7", headers=_auth(mint_token("user", "alice-7")))
    assert own.status_code == 200 and json.loads(own.body)["data"]["totalRemoved"] == 0
