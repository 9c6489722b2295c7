"""Hardening found by probing the running stack (issue 14, point 4): bodies, URL fields, numbers,
duplicate keys, over-long URLs, one CORS policy and the pages' security headers."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.api.web import CONTENT_SECURITY_POLICY
from local.chalice_local import envelope_server_errors
from tests.integration.analytics_support import auth
from tests.integration.ingest_support import BASE, page_view, post, recent, seed, stored_events

INGEST_ROUTES = ["activity", "event-interaction", "conversion", "performance", "heatmap", "batch"]
# Every route that reads a JSON body (path parameters filled in), called as an admin so auth passes.
BODY_ROUTES = [
    *(("POST", f"{BASE}/{route}") for route in INGEST_ROUTES),
    ("POST", f"{BASE}/funnel-analysis"),
    ("POST", f"{BASE}/campaigns"),
    ("PUT", f"{BASE}/campaigns/c1"),
    ("PATCH", f"{BASE}/campaigns/c1"),
    ("POST", f"{BASE}/export"),
    ("POST", f"{BASE}/experiments"),
    ("POST", f"{BASE}/experiments/e1/assign"),
]


def _send(client: Any, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    headers = {**auth("admin", "root"), "Content-Type": "application/json"}
    response = getattr(client.http, method.lower())(path, body=raw, headers=headers)
    return response.status_code, json.loads(response.body)


def _fields(body: dict[str, Any]) -> list[str]:
    return [d.get("field") for d in body["error"]["details"]]


@pytest.mark.parametrize("levels", [600, 2_500])
def test_a_deeply_nested_body_is_a_400_naming_body_on_every_json_route(client: Any, levels: int) -> None:
    """600 levels broke the recursive depth check; 2,500 (past the recursion limit) broke json.loads: both 500s."""
    campaign = json.dumps({"campaignId": "c1", "campaignName": "C1"}).encode()
    assert _send(client, "POST", f"{BASE}/campaigns", campaign)[0] in (200, 201)
    raw = ("[" * levels + "]" * levels).encode()
    nested_object = ('{"a":' * levels + "1" + "}" * levels).encode()
    wrong = []
    for method, path in BODY_ROUTES:
        for body in (raw, nested_object):
            status, reply = _send(client, method, path, body)
            if status != 400 or _fields(reply) != ["body"] or "nested" not in reply["error"]["details"][0]["message"]:
                wrong.append((method, path, status))
    assert wrong == []


def test_every_write_route_in_the_route_table_survives_a_deep_body(client: Any) -> None:
    """No route (including ones added later) answers 500 to a deep body."""
    from app import app

    deep = ("[" * 2000 + "]" * 2000).encode()
    for path, methods in app.routes.items():
        for method in methods:
            if method in ("POST", "PUT", "PATCH"):
                status, _ = _send(client, method, path.replace("{", "").replace("}", ""), deep)
                assert status < 500, (method, path, status)


def test_brackets_inside_strings_do_not_count_as_depth(client: Any) -> None:
    body = page_view("s-str", "https://bilten.com/events", recent(5), eventData={"note": "[" * 500 + "{" * 500})
    reply = post(client, "activity", {k: v for k, v in body.items() if k != "type"})
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"])
@pytest.mark.parametrize("field", ["pageUrl", "referrer"])
def test_url_fields_refuse_control_and_bidi_characters(client: Any, char: str, field: str) -> None:
    body = seed("activity", pageUrl="https://bilten.com/events", referrer="https://google.com/")
    body[field] = f"https://bilten.com/ev{char}ents"
    reply = post(client, "activity", body)
    assert reply.status == 400, reply.body
    assert reply.error_fields() == [field]
    assert stored_events() == []


def test_every_page_url_field_follows_the_rule(client: Any) -> None:
    for route in ("event-interaction", "conversion", "heatmap"):
        reply = post(client, route, seed(route, pageUrl="https://bilten.com/\u202etxt.exe"))
        assert reply.status == 400, (route, reply.body)
        assert reply.error_fields() == ["pageUrl"]


def test_a_referrer_may_be_any_absolute_url_but_not_free_text(client: Any) -> None:
    ok = post(client, "activity", seed("activity", referrer="android-app://com.google.android.gm/"))
    bad = post(client, "activity", seed("activity", referrer="not a url"))
    assert ok.status == 200, ok.body
    assert bad.status == 400 and bad.error_fields() == ["referrer"]


@pytest.mark.parametrize("value", [True, False, "12"])
def test_an_integer_field_takes_only_a_json_number(client: Any, value: Any) -> None:
    reply = post(client, "heatmap", seed("heatmap", xPosition=value))
    assert reply.status == 400, reply.body
    assert reply.error_fields() == ["xPosition"]
    money = post(client, "conversion", seed("conversion", conversionValue=True))
    assert money.status == 400 and money.error_fields() == ["conversionValue"]


def test_integral_numbers_still_pass(client: Any) -> None:
    assert post(client, "heatmap", seed("heatmap", xPosition=12)).status == 200


def test_a_duplicate_key_is_a_400_naming_it(client: Any) -> None:
    raw = json.dumps(seed("activity"))[:-1] + ', "eventType": "other"}'
    reply = post(client, "activity", raw.encode())
    assert reply.status == 400, reply.body
    assert reply.error_fields() == ["eventType"]
    assert "duplicate" in reply.error["details"][0]["message"]
    nested = b'{"events": [{"type": "activity", "type": "heatmap"}]}'
    assert post(client, "batch", nested).error_fields() == ["type"]


def test_an_over_long_query_string_answers_the_json_envelope(client: Any) -> None:
    response = client.http.get(f"{BASE}/real-time?timeRange=1h&x={'a' * 5000}", headers=auth())
    assert response.status_code == 414
    body = json.loads(response.body)
    assert body["success"] is False and body["error"]["code"] == "URI_TOO_LONG"
    assert response.headers["Content-Type"] == "application/json"
    assert client.http.get(f"{BASE}/health?x={'a' * 3000}").status_code != 414


def test_the_local_server_envelopes_its_own_414() -> None:
    """http.server refuses a request line over 64 KB before any route runs: the launcher makes that JSON."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    envelope_server_errors(Handler)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=5) as conn:
            conn.sendall(b"GET /?" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
    finally:
        server.shutdown()
        server.server_close()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 414") or head.startswith(b"HTTP/1.1 414")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == "HTTP_414"


CORS_PATHS = [
    ("POST", f"{BASE}/activity"),
    ("GET", f"{BASE}/experiments"),
    ("GET", f"{BASE}/real-time"),
    ("GET", f"{BASE}/campaigns"),
    ("POST", f"{BASE}/export"),
    ("GET", f"{BASE}/health"),
    ("DELETE", f"{BASE}/user/u1"),
]


def test_one_cors_policy_answers_on_every_route(client: Any) -> None:
    from app import app

    policies = {
        tuple(sorted(e.cors.get_access_control_headers().items()))
        for methods in app.routes.values()
        for e in methods.values()
        if e.method != "OPTIONS"
    }
    assert all(e.cors is not None for methods in app.routes.values() for e in methods.values())
    assert len(policies) == 1
    seen = set()
    for method, path in CORS_PATHS:
        response = getattr(client.http, method.lower())(path, headers=auth("admin", "root"))
        seen.add(response.headers.get("Access-Control-Allow-Origin"))
    assert seen == {"*"}  # the test stage's CORS_ORIGIN default


def test_the_cors_origin_comes_from_the_stage_settings() -> None:
    from chalicelib.api.cors import cors_policy
    from chalicelib.config import Settings

    policy = cors_policy(Settings(cors_origin="https://app.bilten.com"))
    assert policy.get_access_control_headers()["Access-Control-Allow-Origin"] == "https://app.bilten.com"


@pytest.mark.parametrize("page", ["/dashboard", "/demo", "/demo/events/evt-001"])
def test_pages_send_a_csp_without_inline_script_and_the_usual_headers(client: Any, page: str) -> None:
    response = client.http.get(page)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    for name, value in {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }.items():
        assert headers[name] == value
    assert "Permissions-Policy" in headers and "Strict-Transport-Security" in headers
    html = response.body.decode()
    # Every script is a same-origin file (no inline code), and there is no inline style to allow.
    import re

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not code.strip() for attrs, code in scripts)
    assert "<style" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_scripts_the_pages_load_are_served(client: Any) -> None:
    for name in ("root.js", "demo.css"):
        assert client.http.get(f"/static/{name}").status_code == 200
    demo_js = client.http.get("/static/demo.js").body.decode()
    assert "style=" not in demo_js, "markup built by the demo may not carry inline styles under the CSP"
