"""Auth matrix of every read route: 401 for missing/expired/forged/alg:none, 403 for a wrong role, 2xx for readers."""

from __future__ import annotations

import json

import pytest

from chalicelib.auth import mint_token
from tests.integration.analytics_support import PREFIX, auth, bad_tokens

FUNNEL = {"funnelSteps": [{"name": "PV", "eventType": "page_view"}]}
ROUTES = [
    ("GET", "/real-time?timeRange=1h", None),
    ("GET", "/user-journey/u1", None),
    ("POST", "/funnel-analysis", FUNNEL),
    ("GET", "/heatmap/bilten.com%2Fevents", None),
    ("GET", "/campaigns", None),
    ("GET", "/campaigns/c1", None),
    ("GET", "/campaigns/c1/performance", None),
    ("PUT", "/campaigns/c1", {"campaignName": "Renamed"}),
    ("POST", "/export", {"dataType": "performance"}),
    ("GET", "/export/00000000-0000-0000-0000-000000000000", None),
]


def _call(client, method: str, path: str, body, headers: dict[str, str]) -> int:
    headers = {**headers, "Content-Type": "application/json"} if body is not None else headers
    payload = json.dumps(body) if body is not None else None
    return getattr(client.http, method.lower())(f"{PREFIX}{path}", body=payload, headers=headers).status_code


@pytest.fixture
def campaign(client):
    response = client.http.post(
        f"{PREFIX}/campaigns",
        body=json.dumps({"campaignId": "c1", "campaignName": "One"}),
        headers={"Content-Type": "application/json", **auth("admin", "root")},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("method, path, body", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_auth_matrix(client, campaign, method, path, body) -> None:
    for name, headers in bad_tokens().items():
        assert _call(client, method, path, body, headers) == 401, name
    user = {"Authorization": f"Bearer {mint_token('user', 'someone')}"}
    assert _call(client, method, path, body, user) == 403
    for role in ("admin", "analyst"):
        status = _call(client, method, path, body, auth(role, f"{role}-1"))
        expected = 404 if path.startswith("/export/") else 200
        assert status == expected, role


def test_delete_campaign_needs_reader_role(client, campaign) -> None:
    user = {"Authorization": f"Bearer {mint_token('user', 'someone')}"}
    assert client.http.delete(f"{PREFIX}/campaigns/c1", headers=user).status_code == 403
    assert client.http.delete(f"{PREFIX}/campaigns/c1", headers=bad_tokens()["alg_none"]).status_code == 401
    assert client.http.delete(f"{PREFIX}/campaigns/c1", headers=auth("admin", "root")).status_code == 200
