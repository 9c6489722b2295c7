"""Chalice application: routes, middleware, schedules and stream handlers. No logic here."""

from collections.abc import Callable

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, DynamoDBEvent

from chalicelib.api import API_PREFIX, analytics, auth, campaigns, exports, health, heatmaps, ingest, web
from chalicelib.api import experiments as experiments_api
from chalicelib.api import openapi as openapi_api
from chalicelib.api import privacy as privacy_api
from chalicelib.api.cors import cors_policy
from chalicelib.api.middleware import observability
from chalicelib.config import get_settings
from chalicelib.jobs.registry import JOBS, Job

app = Chalice(app_name="bilten-analytics")
app.api.cors = cors_policy(get_settings())  # the one CORS policy: every route below inherits it
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


@app.on_dynamodb_record(
    stream_arn=get_settings().events_stream_arn,
    batch_size=1000,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=60,
)
def lake_events(event: DynamoDBEvent) -> dict:
    """Raw facts → the event lake, its own consumer of the same stream (see docs/lake.md).
    Imported lazily: pyarrow stays out of every other function's import path."""
    from chalicelib.jobs.lake_writer import handle_stream_batch

    return handle_stream_batch(event.to_dict())


# Scheduled jobs: one schedule per job of chalicelib/jobs/registry.py, each deployed as the Lambda
# function ``job.function`` and also runnable with `python -m chalicelib.cli run-job <name>`.
def _scheduled(job: Job) -> Callable[[CloudWatchEvent], dict]:
    def handler(event: CloudWatchEvent) -> dict:
        from chalicelib.jobs import common

        return common.run_scheduled(job, event)

    # Chalice deploys the handler as ``app.<__name__>``; infrastructure.access grants what job_module reaches.
    handler.__name__ = handler.__qualname__ = job.function
    handler.job_module = job.module  # type: ignore[attr-defined]
    return handler


for _job in JOBS.values():
    _every, _unit = _job.rate
    globals()[_job.function] = app.schedule(Rate(_every, unit=_unit), name=_job.function)(_scheduled(_job))


app.log.setLevel("INFO" if get_settings().stage == "prod" else "DEBUG")
