"""Scheduled monitors: API latency (p95 per endpoint over the last 5 minutes) and data-quality drop
(today's events so far against the same hours yesterday). Each condition alerts once per window:
the alert is claimed with a conditional put before it is published, so overlapping or retried runs
cannot storm the topic."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib.config import get_settings
from chalicelib.domain.clock import days_between, iso
from chalicelib.observability import logger, metrics
from chalicelib.store import alerts, checkpoints, rawevents

LATENCY_WINDOW = timedelta(minutes=5)
QUALITY_KINDS = ("activity", "interaction", "conversion")


@dataclass(frozen=True)
class Alert:
    condition: str
    window: str
    subject: str
    body: dict[str, Any]

    @property
    def claim_key(self) -> str:
        return f"alert#{self.condition}#{self.window}"


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (a value that was actually observed)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def latencies(start: datetime, end: datetime) -> dict[str, list[float]]:
    """Response times per endpoint from the raw performance partitions of ``[start, end)``."""
    out: dict[str, list[float]] = {}
    for day in days_between(start, end - timedelta(milliseconds=1)):
        for pk in rawevents.partitions_of("performance", day):
            for event in rawevents.read_partition(pk, iso(start), iso(end)):
                if event.response_time is not None:
                    out.setdefault(event.name, []).append(float(event.response_time))
    return out


def latency_alerts(now: datetime) -> list[Alert]:
    settings = get_settings()
    window_start = now - LATENCY_WINDOW
    bucket = datetime.fromtimestamp(now.timestamp() // 300 * 300, tz=now.tzinfo)
    found = []
    for endpoint, samples in sorted(latencies(window_start, now).items()):
        value = p95(samples)
        with single_metric(
            name="ApiLatencyP95", unit=MetricUnit.Milliseconds, value=value, namespace=settings.metrics_namespace
        ) as metric:
            metric.add_dimension(name="endpoint", value=endpoint[:250])
        if len(samples) >= settings.latency_min_samples and value > settings.latency_threshold_ms:
            found.append(
                Alert(
                    condition=f"latency:{endpoint}",
                    window=iso(bucket),
                    subject=f"High API latency: {endpoint} p95 {value:.0f} ms",
                    body={
                        "alert": "api_latency_p95",
                        "endpoint": endpoint,
                        "p95Ms": value,
                        "thresholdMs": settings.latency_threshold_ms,
                        "samples": len(samples),
                        "windowStart": iso(window_start),
                        "windowEnd": iso(now),
                    },
                )
            )
    return found


def count_events(start: datetime, end: datetime) -> int:
    total = 0
    for day in days_between(start, end - timedelta(milliseconds=1)):
        for kind in QUALITY_KINDS:
            for pk in rawevents.partitions_of(kind, day):
                total += rawevents.count_partition(pk, iso(start), iso(end))
    return total


def quality_alerts(now: datetime) -> tuple[list[Alert], dict[str, Any]]:
    settings = get_settings()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = count_events(midnight, now)
    yesterday = count_events(midnight - timedelta(days=1), now - timedelta(days=1))
    drop = (yesterday - today) / yesterday * 100 if yesterday else 0.0
    figures = {"today": today, "sameHoursYesterday": yesterday, "dropPercent": round(drop, 2)}
    metrics.add_metric(name="EventsToday", unit=MetricUnit.Count, value=today)
    metrics.add_metric(name="EventsDropPercent", unit=MetricUnit.Percent, value=max(0.0, round(drop, 2)))
    if yesterday < settings.quality_min_baseline or drop <= settings.quality_drop_percent:
        return [], figures
    hour = now.replace(minute=0, second=0, microsecond=0)
    alert = Alert(
        condition="data-quality-drop",
        window=iso(hour),
        subject=f"Tracking data dropped {drop:.0f}% against the same hours yesterday",
        body={"alert": "data_quality_drop", "thresholdPercent": settings.quality_drop_percent, **figures},
    )
    return [alert], figures


def send(alert: Alert) -> bool:
    """Publish unless this condition already alerted in this window. True when published now."""
    if not checkpoints.claim_once(alert.claim_key, alert.body):
        return False
    try:
        alerts.publish(alert.subject, {**alert.body, "window": alert.window})
    except Exception:
        checkpoints.release(alert.claim_key)
        raise
    metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=1)
    return True


def run(now: datetime) -> dict[str, Any]:
    found = latency_alerts(now)
    quality, figures = quality_alerts(now)
    found += quality
    published = [a.condition for a in found if send(a)]
    report = {
        "job": "monitors",
        "conditions": [a.condition for a in found],
        "published": published,
        "suppressed": len(found) - len(published),
        "dataQuality": figures,
    }
    logger.info("monitors finished", extra=report)
    return report
