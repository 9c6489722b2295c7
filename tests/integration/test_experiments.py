"""Experiment routes and the scheduled A/B results job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.auth import mint_token
from tests.integration.jobs_support import scheduled

BASE = "/api/v1/tracking"
ADMIN = {"Authorization": f"Bearer {mint_token('admin', 'root')}", "Content-Type": "application/json"}


def _post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(
        f"{BASE}{path}", headers=headers or {"Content-Type": "application/json"}, body=json.dumps(body)
    )


def _create(client: Any, **extra: Any) -> str:
    body = {"testName": "Checkout button", "variants": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}]}
    response = _post(client, "/experiments", {**body, "conversionType": "purchase", **extra}, ADMIN)
    assert response.status_code == 201, response.body
    return json.loads(response.body)["data"]["id"]


def test_create_validates_and_needs_admin(client: Any) -> None:
    analyst = {"Authorization": f"Bearer {mint_token('analyst', 'a')}", "Content-Type": "application/json"}
    assert _post(client, "/experiments", {"testName": "x", "variants": ["A", "B"]}, analyst).status_code == 403
    bad = _post(client, "/experiments", {"testName": "x", "variants": ["A"], "confidence": 2}, ADMIN)
    assert bad.status_code == 400
    fields = {d["field"] for d in json.loads(bad.body)["error"]["details"]}
    assert {"variants", "confidence"} <= fields
    dup = _post(client, "/experiments", {"testName": "x", "variants": ["A", "A"]}, ADMIN)
    assert dup.status_code == 400
    experiment_id = _create(client)
    listed = json.loads(client.http.get(f"{BASE}/experiments", headers=ADMIN).body)["data"]
    assert [e["id"] for e in listed["experiments"]] == [experiment_id]
    assert client.http.get(f"{BASE}/experiments/nope", headers=ADMIN).status_code == 404


def test_assignment_is_sticky_and_conversions_reach_the_units_variant(client: Any) -> None:
    experiment_id = _create(client, minSample=1)
    first = json.loads(_post(client, f"/experiments/{experiment_id}/assign", {"sessionId": "s-1"}).body)["data"]
    again = json.loads(_post(client, f"/experiments/{experiment_id}/assign", {"sessionId": "s-1"}).body)["data"]
    assert first["recorded"] and not again["recorded"] and first["variant"] == again["variant"]
    assert first["unit"] == "s:s-1"
    user = {"Authorization": f"Bearer {mint_token('user', 'u-1')}", "Content-Type": "application/json"}
    signed = json.loads(_post(client, f"/experiments/{experiment_id}/assign", {"sessionId": "s-9"}, user).body)
    assert signed["data"]["unit"] == "u:u-1"
    assert _post(client, f"/experiments/{experiment_id}/assign", {}).status_code == 400
    variants = {}
    for index in range(12):
        data = json.loads(_post(client, f"/experiments/{experiment_id}/assign", {"sessionId": f"x-{index}"}).body)
        variants[f"x-{index}"] = data["data"]["variant"]
    converters = ["x-0", "x-1", "x-2", "x-3"]
    ts = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for session in converters:
        body = {"conversionType": "purchase", "conversionValue": 10, "sessionId": session, "timestamp": ts}
        assert _post(client, "/conversion", body).status_code == 200
    _post(client, "/conversion", {"conversionType": "signup", "sessionId": "x-4", "timestamp": ts})
    report = client.lambda_.invoke("ab_test_results", scheduled(datetime.now(UTC) + timedelta(seconds=5)))
    assert report.payload["experiments"] == 1
    results = json.loads(client.http.get(f"{BASE}/experiments/{experiment_id}/results", headers=ADMIN).body)["data"]
    rows = {row["name"]: row for row in results["results"]["variants"]}
    assert sum(row["participants"] for row in rows.values()) == 14
    for name in ("A", "B"):
        assert rows[name]["conversions"] == sum(1 for s in converters if variants[s] == name)
    seed = results["experiment"]
    assert seed["total_participants"] == 14
    assert seed["variant_a_conversions"] == rows["A"]["conversions"]
    assert results["results"]["comparisons"][0]["variant"] == "B"

    stopped = _post(client, f"/experiments/{experiment_id}/stop", {}, ADMIN)
    assert json.loads(stopped.body)["data"]["isActive"] is False
    late = json.loads(_post(client, f"/experiments/{experiment_id}/assign", {"sessionId": "new"}).body)["data"]
    assert late == {"experimentId": experiment_id, "variant": "A", "unit": "s:new", "active": False, "recorded": False}


def test_analysts_read_experiments_but_only_admins_change_them(client: Any) -> None:
    analyst = {"Authorization": f"Bearer {mint_token('analyst', 'a')}", "Content-Type": "application/json"}
    user = {"Authorization": f"Bearer {mint_token('user', 'u1')}", "Content-Type": "application/json"}
    experiment_id = _create(client)
    listed = client.http.get(f"{BASE}/experiments", headers=analyst)
    assert listed.status_code == 200
    assert experiment_id in [e["id"] for e in json.loads(listed.body)["data"]["experiments"]]
    one = client.http.get(f"{BASE}/experiments/{experiment_id}", headers=analyst)
    assert one.status_code == 200 and json.loads(one.body)["data"]["id"] == experiment_id
    assert client.http.get(f"{BASE}/experiments", headers=user).status_code == 403
    assert client.http.get(f"{BASE}/experiments/{experiment_id}", headers=user).status_code == 403
    assert _post(client, f"/experiments/{experiment_id}/stop", {}, analyst).status_code == 403
    still = json.loads(client.http.get(f"{BASE}/experiments/{experiment_id}", headers=ADMIN).body)["data"]
    assert still["isActive"] is True
