"""Chalice application: routes, middleware, schedules and stream handlers. No logic here."""

from chalice import Chalice

from chalicelib.api import auth, health, ingest
from chalicelib.api.middleware import observability
from chalicelib.config import get_settings

API_PREFIX = "/api/v1/tracking"

app = Chalice(app_name="bilten-analytics")
app.register_middleware(observability, "http")
app.register_blueprint(auth.bp)
app.register_blueprint(health.bp, url_prefix=API_PREFIX)
app.register_blueprint(ingest.bp, url_prefix=API_PREFIX)

app.log.setLevel("INFO" if get_settings().stage == "prod" else "DEBUG")
