"""HTTP entry points: one blueprint per area, mounted by app.py under ``API_PREFIX``."""

API_PREFIX = "/api/v1/tracking"
