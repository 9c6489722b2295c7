"""Scheduled anomaly detection over the minute and hour roll-ups of every series.

Each run reads, through ``store.rollups.read_family`` (never a scan), the closed buckets of the
last ``MINUTE_SPAN`` of minutes and ``HOUR_SPAN`` of hours: the ``counts`` family (events per
type, interactions, conversions count and value), ``perf`` (error rate per endpoint), ``perfq``
(p95 per endpoint) and ``sessions`` (distinct sessions per bucket). Every series goes through
``domain.anomaly.detect`` with the one configuration; minute series are too short for the
hour-of-week baseline and use its rolling fallback, hour series learn the seasonal one.

Episodes that end within the last ``FRESH_BUCKETS`` buckets are stored (``store.anomalies``)
and published to the alert topic once: a later run that sees the same incident (an episode of
the same series overlapping a stored one, within the cooldown) widens the stored episode and
publishes nothing. Publishing follows a conditional create, and a failed publish deletes the
episode again, so a retried run tries once more (as the monitors' claims do).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain import anomaly, sketches
from chalicelib.domain import rollups as rd
from chalicelib.observability import logger, metrics
from chalicelib.store import alerts
from chalicelib.store import anomalies as store
from chalicelib.store import rollups as rollup_store

MINUTE_SPAN = timedelta(hours=6)
HOUR_SPAN = timedelta(days=28)
STREAM_LAG = timedelta(minutes=2)
"""A minute is read once the stream's 60 s batching window has surely delivered it."""
FRESH_BUCKETS = 15
"""Only episodes ending this recently are stored and alerted (a run every 5 minutes sees each
minute episode three times, and a history's old incidents are not news)."""
GRANULARITIES = (("minute", MINUTE_SPAN), ("hour", HOUR_SPAN))


def read_series(granularity: str, first: datetime, last: datetime) -> dict[str, list[tuple[datetime, float]]]:
    """Every watched series of one granularity between two closed buckets."""
    buckets = rd.buckets_between(first, last, granularity)
    first_sk, last_sk = buckets[0], buckets[-1]
    with rollup_store.shared_reads():
        counts = rollup_store.read_family("counts", granularity, first_sk, last_sk)
        perf = rollup_store.read_family("perf", granularity, first_sk, last_sk)
        p95 = {}
        for endpoint in rd.endpoints_in(perf):
            items = rollup_store.read_family("perfq", granularity, first_sk, last_sk, endpoint)
            p95[endpoint] = {i["sk"]: sketches.quantiles([i.get("kll")], (0.95,))[0.95] for i in items}
        sessions = {
            i["sk"]: float(sketches.distinct_count([i.get("hll")]))
            for i in rollup_store.read_family("sessions", granularity, first_sk, last_sk)
        }
    return anomaly.rollup_series(buckets, counts, perf, p95, sessions)


def closed_range(now: datetime, granularity: str, span: timedelta) -> tuple[datetime, datetime]:
    step = timedelta(seconds=rd.GRANULARITY_SECONDS[granularity])
    lag = STREAM_LAG if granularity == "minute" else timedelta(0)
    last = rd.bucket_start(now - lag, granularity) - step  # the open bucket is partial: left out
    return last - span + step, last


def _subject(episode: dict[str, Any]) -> str:
    return f"Anomaly ({episode['direction']}) in {episode['series']} since {episode['start']}"


def _widened(stored: dict[str, Any], seen: dict[str, Any]) -> dict[str, Any]:
    out = {**stored, "end": max(stored["end"], seen["end"])}
    if abs(seen["score"]) > abs(stored["score"]):
        out.update({k: seen[k] for k in ("peakAt", "peakValue", "baseline", "score", "direction")})
    out["points"] = max(stored["points"], seen["points"])
    return out


def publish(episode: dict[str, Any]) -> None:
    alerts.publish(_subject(episode), {"alert": "anomaly", **{k: v for k, v in episode.items() if k != "published"}})
    metrics.add_metric(name="AnomaliesPublished", unit=MetricUnit.Count, value=1)


def record(episode: dict[str, Any], reach: timedelta) -> str:
    """Store and alert one fresh episode once: ``published``, ``widened`` or ``seen``."""
    stored = store.overlapping(episode["series"], episode["start"], episode["end"], reach)
    if stored is not None:
        merged = _widened(stored, episode)
        if not stored["published"]:
            publish(merged)
            store.save(merged, published=True)
            return "published"
        if merged != stored:
            store.save(merged, published=True)
            return "widened"
        return "seen"
    if not store.create(episode):
        return "seen"
    try:
        publish(episode)
    except Exception:
        store.delete(episode)
        raise
    store.save(episode, published=True)
    return "published"


def run(now: datetime, config: anomaly.DetectorConfig = anomaly.DEFAULT) -> dict[str, Any]:
    outcomes: dict[str, int] = {"published": 0, "widened": 0, "seen": 0}
    published: list[str] = []
    watched = 0
    reach = timedelta(seconds=config.cooldown_seconds)
    for granularity, span in GRANULARITIES:
        first, last = closed_range(now, granularity, span)
        fresh_since = last - timedelta(seconds=rd.GRANULARITY_SECONDS[granularity] * FRESH_BUCKETS)
        for name, points in sorted(read_series(granularity, first, last).items()):
            watched += 1
            for found in anomaly.detect(points, config):
                if found.end < fresh_since:
                    continue
                episode = {"series": f"{granularity}/{name}", "granularity": granularity, **found.as_dict()}
                outcome = record(episode, reach)
                outcomes[outcome] += 1
                if outcome == "published":
                    published.append(f"{episode['series']}@{episode['start']}")
    report = {"job": "anomalies", "seriesWatched": watched, **outcomes, "publishedEpisodes": published}
    logger.info("anomaly detection finished", extra=report)
    return report
