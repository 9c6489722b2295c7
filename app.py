"""Chalice application: routes, middleware, schedules and stream handlers. No logic here."""

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, DynamoDBEvent

from chalicelib.api import API_PREFIX, analytics, auth, campaigns, exports, health, heatmaps, ingest, web
from chalicelib.api import experiments as experiments_api
from chalicelib.api import openapi as openapi_api
from chalicelib.api import privacy as privacy_api
from chalicelib.api.middleware import observability
from chalicelib.config import get_settings

app = Chalice(app_name="bilten-analytics")
app.register_middleware(observability, "http")
app.register_blueprint(auth.bp)
app.register_blueprint(health.bp, url_prefix=API_PREFIX)
app.register_blueprint(ingest.bp, url_prefix=API_PREFIX)
app.register_blueprint(analytics.bp, url_prefix=API_PREFIX)
app.register_blueprint(heatmaps.bp, url_prefix=API_PREFIX)
app.register_blueprint(campaigns.bp, url_prefix=API_PREFIX)
app.register_blueprint(exports.bp, url_prefix=API_PREFIX)
app.register_blueprint(experiments_api.bp, url_prefix=API_PREFIX)
app.register_blueprint(privacy_api.bp, url_prefix=API_PREFIX)
app.register_blueprint(openapi_api.bp, url_prefix=API_PREFIX)
app.register_blueprint(web.bp)  # SDK, dashboard, demo page: outside the API prefix


@app.on_dynamodb_record(
    stream_arn=get_settings().events_stream_arn,
    batch_size=1000,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=60,
)
def rollup_events(event: DynamoDBEvent) -> dict:
    """Raw facts → roll-ups. The event source must report batch item failures (see docs/rollups.md)."""
    from chalicelib.jobs.stream import handle_stream_batch

    return handle_stream_batch(event.to_dict())


# Scheduled jobs: thin wrappers, each also runnable with `python -m chalicelib.cli run-job <name>`.
@app.schedule(Rate(1, unit=Rate.MINUTES))
def rollup_compaction(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import common, compaction

    return common.run_scheduled(compaction, event)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def engagement_metrics(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import common, engagement

    return common.run_scheduled(engagement, event)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def ab_test_results(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import ab_results, common

    return common.run_scheduled(ab_results, event)


@app.schedule(Rate(1, unit=Rate.DAYS))
def retention_purge(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import common, purge

    return common.run_scheduled(purge, event)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def monitors(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import common, monitors

    return common.run_scheduled(monitors, event)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def export_jobs(event: CloudWatchEvent) -> dict:
    from chalicelib.jobs import exports as export_jobs_runner

    return export_jobs_runner.run_pending()


app.log.setLevel("INFO" if get_settings().stage == "prod" else "DEBUG")
