"""Who may call what (issue 16, point 4): a user token reads its own journey and data and nobody
else's; admin and analyst read any. Every authorised operation of the OpenAPI document states its
rule (``x-roles``, ``x-own``, description), and each route behaves as its document says."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.auth import mint_token
from chalicelib.domain.clock import iso, utc_now
from tests.integration.analytics_support import PREFIX, auth, post_batch

PATH_VALUES = {
    "campaign_id": "c1",
    "experiment_id": "exp-1",
    "job_id": "00000000-0000-0000-0000-000000000000",
    "page_url": "bilten.com%2Fevents",
}


def _call(client, method: str, path: str, headers: dict[str, str], body: object = None) -> tuple[int, dict]:
    if method in ("POST", "PUT", "PATCH"):
        headers = {**headers, "Content-Type": "application/json"}
        body = json.dumps(body if body is not None else {})
    response = getattr(client.http, method.lower())(path, body=body, headers=headers)
    return response.status_code, json.loads(response.body) if response.body else {}


def _user(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token('user', user_id)}"}


def _track(client, user_id: str) -> None:
    event = {
        "type": "activity",
        "eventType": "page_view",
        "sessionId": f"s-{user_id}",
        "pageUrl": "https://bilten.com/",
        "timestamp": iso(utc_now()),
    }
    post_batch(client, [event], token=mint_token("user", user_id))


def test_user_reads_own_journey_and_data_only(client) -> None:
    _track(client, "alice")
    _track(client, "bob")
    for route in ("/user-journey/{}", "/user/{}/data"):
        status, body = _call(client, "GET", PREFIX + route.format("alice"), _user("alice"))
        assert status == 200, (route, body)
        status, body = _call(client, "GET", PREFIX + route.format("bob"), _user("alice"))
        assert status == 403, route
        assert body["error"]["code"] == "FORBIDDEN"
        for role in ("admin", "analyst"):
            status, _ = _call(client, "GET", PREFIX + route.format("bob"), auth(role, f"{role}-1"))
            # subject access (everything held about a person) stays admin-or-self; journeys are analytics
            expected = 403 if role == "analyst" and route.endswith("/data") else 200
            assert status == expected, (route, role)
    _, journey = _call(client, "GET", f"{PREFIX}/user-journey/alice", _user("alice"))
    assert journey["data"]["userId"] == "alice"


def test_document_states_every_rule_and_routes_behave_as_it_says(client) -> None:
    response = client.http.get(f"{PREFIX}/openapi.json")
    if response.status_code != 200:
        response = client.http.get("/openapi.json")
    document = json.loads(response.body)
    document = document.get("data", document)
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "security" not in operation:
                continue
            roles, own = set(operation["x-roles"]), operation.get("x-own")
            assert operation["description"].startswith("Access: "), (method, path)
            for role in sorted(roles):
                assert role in operation["description"]
            method = method.upper()
            if method == "DELETE" and "{user_id}" in path:
                concrete = path.replace("{user_id}", "victim")
                for role in ("admin", "analyst"):
                    if role not in roles:
                        assert _call(client, method, concrete, auth(role, f"{role}-1"))[0] == 403, path
                assert _call(client, method, concrete, _user("someone-else"))[0] == 403, path
                checked += 1
                continue
            concrete = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "victim"), path)
            for role in ("admin", "analyst"):
                status, _ = _call(client, method, concrete, auth(role, f"{role}-1"))
                assert (status == 403) == (role not in roles), (method, path, role, status)
            if own == "path":
                assert _call(client, method, concrete, _user("someone-else"))[0] == 403, (method, path)
                status, _ = _call(client, method, concrete, _user("victim"))
                assert status not in (401, 403), (method, path)
            elif own is None:
                assert _call(client, method, concrete, _user("victim"))[0] == 403, (method, path)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", ["user"])
def test_user_token_still_refused_for_analytics_of_everyone(client, role) -> None:
    status, _ = _call(client, "GET", f"{PREFIX}/real-time?timeRange=1h", _user("alice"))
    assert status == 403
