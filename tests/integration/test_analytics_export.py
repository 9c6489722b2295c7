"""POST /export: inline results, S3 export jobs with progress and resume, filters, roles."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from chalicelib.auth import mint_token
from chalicelib.config import get_settings
from chalicelib.domain import export_formats as fmt
from chalicelib.domain.clock import iso
from chalicelib.jobs import exports as export_runner
from chalicelib.store import exports as export_store
from tests.integration.analytics_support import auth, get, post, post_batch


@pytest.fixture(autouse=True)
def fresh_s3(aws):
    export_store.reset_s3()
    yield
    export_store.reset_s3()


@pytest.fixture
def stored(client):
    now = datetime.now(UTC) - timedelta(hours=1)
    events = []
    for i in range(9):
        events.append(
            {
                "type": "activity",
                "eventType": "page_view" if i % 3 else "search",
                "sessionId": f"s{i}",
                "pageUrl": f"https://bilten.com/p{i}",
                "eventData": {"note": "=cmd()" if i == 1 else "ok"},
                "messageId": str(uuid.UUID(int=i + 1)),
                "timestamp": iso(now - timedelta(minutes=i)),
            }
        )
    post_batch(client, events)
    mine = [{**events[0], "messageId": str(uuid.UUID(int=100)), "sessionId": "mine"}]
    post_batch(client, mine, token=mint_token("user", "user-7"))
    return events


def test_inline_json_and_csv(client, stored) -> None:
    body = {"dataType": "user_activity", "format": "json", "filters": {"eventType": "page_view"}}
    status, response = post(client, "/export", body, auth())
    assert status == 200, response
    data = response["data"]
    assert data["rowCount"] == 6 and len(data["data"]) == 6
    assert {row["event_type"] for row in data["data"]} == {"page_view"}
    assert set(data["data"][0]) == set(data["columns"])

    status, response = post(client, "/export", {**body, "format": "csv", "filters": {}}, auth())
    rows = list(csv.DictReader(io.StringIO(response["data"]["data"])))
    assert len(rows) == 10
    assert {json.loads(r["event_data"])["note"] for r in rows} == {"ok", "=cmd()"}
    formula = fmt.csv_rows("performance", [{"endpoint": "=HYPERLINK(1)", "response_time": -5.0}])
    assert formula == ",'=HYPERLINK(1),-5,,,\n"


def test_large_export_becomes_a_resumable_job(client, stored, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "export_inline_rows", 3)
    monkeypatch.setattr(export_store, "PAGE_LIMIT", 2)
    monkeypatch.setattr(export_store, "PART_ROWS", 2)
    from chalicelib.services import exports as export_service

    monkeypatch.setattr(export_service, "REQUEST_BUDGET_SECONDS", 0.0)
    status, response = post(client, "/export", {"dataType": "user_activity", "format": "csv"}, auth())
    assert status == 202, response
    job = response["data"]
    assert job["status"] == "running"
    assert 0 < job["progress"]["rowsWritten"] < 10
    job_id = job["jobId"]
    steps = 0
    while export_store.load_job(job_id).status == "running" and steps < 100:
        progress = export_store.load_job(job_id).position.unit
        export_service.run_job(job_id, 0.0)  # one page per run: resumes from the checkpoint each time
        assert export_store.load_job(job_id).position.unit >= progress
        steps += 1
    assert steps > 3
    assert export_runner.run_pending(budget_seconds=5.0) == {}  # nothing left running
    status, response = get(client, f"/export/{job_id}", auth())
    final = response["data"]
    assert final["status"] == "completed" and final["progress"]["percent"] == 100.0
    assert final["progress"]["rowsWritten"] == 10
    bucket = get_settings().export_bucket
    assert "X-Amz-Signature=" in final["downloadUrl"], "presigned with Signature V4"
    key = urlsplit(final["downloadUrl"]).path.lstrip("/").removeprefix(bucket + "/")
    text = export_store.s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 10 and len({r["id"] for r in rows}) == 10


def test_unfiltered_engagement_export_runs_as_job(client, stored) -> None:
    status, response = post(client, "/export", {"dataType": "user_engagement"}, auth())
    assert status in (200, 202)
    assert "jobId" in response["data"]


def test_every_dataset_exports(client, stored) -> None:
    post(client, "/campaigns", {"campaignId": "c1", "campaignName": "C1"}, auth())
    for data_type in ("event_interactions", "conversions", "performance", "heatmap", "campaigns", "ab_tests"):
        status, response = post(client, "/export", {"dataType": data_type}, auth())
        assert status == 200, (data_type, response)
    status, response = post(client, "/export", {"dataType": "campaigns"}, auth())
    assert [r["campaign_id"] for r in response["data"]["data"]] == ["c1"]
    status, response = post(client, "/export", {"dataType": "event_engagement", "filters": {"eventId": "e1"}}, auth())
    assert status == 200 and response["data"]["rowCount"] == 0


def test_export_validation_and_roles(client, stored) -> None:
    status, response = post(client, "/export", {"dataType": "everything"}, auth())
    assert status == 400 and response["error"]["details"][0]["field"] == "dataType"
    status, response = post(client, "/export", {"dataType": "performance", "filters": {"eventType": "x"}}, auth())
    assert status == 400 and response["error"]["details"][0]["field"] == "filters.eventType"
    body = {"dataType": "user_activity", "filters": {"userId": "user-7"}}
    status, response = post(client, "/export", body, {"Authorization": f"Bearer {mint_token('user', 'user-7')}"})
    assert status == 200 and response["data"]["rowCount"] == 1
    status, response = post(client, "/export", body, {"Authorization": f"Bearer {mint_token('user', 'user-8')}"})
    assert status == 403
    status, response = post(client, "/export", {"dataType": "user_activity"}, {})
    assert status == 401


def _gateway_event(method: str, route: str, stage: str, body: dict | None = None) -> dict:
    """An API Gateway (REST, proxy) event as the deployed stage delivers it: the route path, plus
    the full path with the stage in ``requestContext.path``; the built-in authorizer's context."""
    return {
        "resource": route,
        "path": route,
        "httpMethod": method,
        "headers": {"content-type": "application/json", "authorization": "Bearer x"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"job_id": route.rsplit("/", 1)[1]} if method == "GET" else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route if method == "POST" else "/api/v1/tracking/export/{job_id}",
            "path": f"/{stage}{route}",
            "stage": stage,
            "httpMethod": method,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.9"},
            "authorizer": {"valid": "true", "role": "analyst", "userId": "a1"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def test_status_url_works_behind_the_api_gateway_stage(stored, monkeypatch) -> None:
    from app import app

    monkeypatch.setattr(get_settings(), "export_inline_rows", 1)
    started = app(_gateway_event("POST", "/api/v1/tracking/export", "api", {"dataType": "user_activity"}), None)
    assert started["statusCode"] in (200, 202), started["body"]
    view = json.loads(started["body"])["data"]
    assert view["statusUrl"] == f"/api/api/v1/tracking/export/{view['jobId']}"
    route = view["statusUrl"].removeprefix("/api")  # what the stage hands the function for that URL
    polled = app(_gateway_event("GET", route, "api"), None)
    assert polled["statusCode"] == 200, polled["body"]
    assert json.loads(polled["body"])["data"]["jobId"] == view["jobId"]
