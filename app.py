"""Chalice application: routes, middleware, schedules and stream handlers. No logic here."""

from chalice import Chalice
from chalice.app import DynamoDBEvent

from chalicelib.api import analytics, auth, campaigns, health, heatmaps, ingest
from chalicelib.api.middleware import observability
from chalicelib.config import get_settings

API_PREFIX = "/api/v1/tracking"

app = Chalice(app_name="bilten-analytics")
app.register_middleware(observability, "http")
app.register_blueprint(auth.bp)
app.register_blueprint(health.bp, url_prefix=API_PREFIX)
app.register_blueprint(ingest.bp, url_prefix=API_PREFIX)
app.register_blueprint(analytics.bp, url_prefix=API_PREFIX)
app.register_blueprint(heatmaps.bp, url_prefix=API_PREFIX)
app.register_blueprint(campaigns.bp, url_prefix=API_PREFIX)


@app.on_dynamodb_record(
    stream_arn=get_settings().events_stream_arn,
    batch_size=1000,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=5,
)
def rollup_events(event: DynamoDBEvent) -> dict:
    """Raw facts → roll-ups. The event source must report batch item failures (see docs/rollups.md)."""
    from chalicelib.jobs.stream import handle_stream_batch

    return handle_stream_batch(event.to_dict())


app.log.setLevel("INFO" if get_settings().stage == "prod" else "DEBUG")
