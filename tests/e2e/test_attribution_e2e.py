"""Issue 16's probe, end to end on the local stack: six batches of 150 new visits (a landing page
with ``utm_campaign=<id>``, then a plain page, client timestamps) give exactly 300 page views per
campaign, whenever the stream pump runs against the requests."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests

from local.stack import ROOT, LocalStack

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
}


def _token(stack: LocalStack) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "token", "--role", "admin", "--user-id", "e2e"],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def test_six_batches_of_new_visits_give_300_page_views_per_campaign(stack: LocalStack) -> None:
    headers = {"Authorization": f"Bearer {_token(stack)}", **BROWSER}
    run = uuid.uuid4().hex[:8]
    campaigns = [f"e2e-{run}-{n}" for n in range(6)]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    for number, campaign in enumerate(campaigns):
        response = requests.post(
            f"{stack.api_url}/campaigns", json={"campaignId": campaign, "campaignName": campaign}, headers=headers
        )
        assert response.status_code == 201, response.text
        events = []
        for visit in range(150):
            session = f"{campaign}-v{visit}"
            moment = start + timedelta(seconds=number * 150 + visit)
            events.append(
                {
                    "type": "activity",
                    "eventType": "page_view",
                    "sessionId": session,
                    "pageUrl": f"https://bilten.com/?utm_campaign={campaign}",
                    "messageId": str(uuid.uuid4()),
                    "timestamp": moment.isoformat().replace("+00:00", "Z"),
                }
            )
            events.append(
                {
                    "type": "activity",
                    "eventType": "page_view",
                    "sessionId": session,
                    "pageUrl": "https://bilten.com/events",
                    "messageId": str(uuid.uuid4()),
                    "timestamp": (moment + timedelta(seconds=20)).isoformat().replace("+00:00", "Z"),
                }
            )
        response = requests.post(f"{stack.api_url}/batch", json={"events": events}, headers=BROWSER, timeout=60)
        assert response.status_code == 200, response.text
    deadline = time.monotonic() + 90
    views: dict[str, int] = {}
    while time.monotonic() < deadline:
        views = {}
        for campaign in campaigns:
            response = requests.get(
                f"{stack.api_url}/campaigns/{campaign}/performance?timeRange=24h", headers=headers, timeout=30
            )
            assert response.status_code == 200, response.text
            views[campaign] = response.json()["data"]["pageViews"]
        if all(v >= 300 for v in views.values()):
            break
        time.sleep(2)
    assert views == {campaign: 300 for campaign in campaigns}
