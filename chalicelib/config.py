"""One typed settings object, read from the environment once per process.

Everything that differs between stages (table names, endpoints, limits, secrets)
comes from here, so handlers and models never read ``os.environ`` themselves.
PynamoDB reads table names and hosts at import time, hence ``get_settings`` is
resolved before the models module is imported.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Settings(BaseModel):
    stage: str = "dev"
    region: str = "us-east-1"
    table_prefix: str = "bilten-dev-"
    dynamodb_endpoint: str | None = None
    s3_endpoint: str | None = None
    sns_endpoint: str | None = None
    export_bucket: str = "bilten-dev-exports"
    alert_topic_arn: str | None = None
    # The events table's stream, which feeds the roll-ups (set per stage at deploy time).
    events_stream_arn: str = "arn:aws:dynamodb:us-east-1:000000000000:table/bilten-dev-events/stream/latest"
    # The event lake (docs/lake.md): Hive-partitioned Parquet in this bucket, a Glue table over it.
    lake_bucket: str = "bilten-dev-lake"
    lake_prefix: str = "events/"
    analytics_engine: str = Field(default="duckdb", pattern="^(duckdb|athena)$")
    athena_workgroup: str = "primary"
    athena_output_location: str = "s3://bilten-dev-lake/athena-results/"
    athena_timeout_seconds: float = Field(default=60, gt=0)
    athena_poll_seconds: float = Field(default=0.5, ge=0)
    glue_database: str = "bilten_dev"
    glue_table: str = "events"
    # Where POST /funnel-analysis reads: "dynamodb" (raw partitions) or "lake" (the engine).
    funnel_source: str = Field(default="dynamodb", pattern="^(dynamodb|lake)$")
    export_inline_rows: int = Field(default=1000, ge=1)
    export_url_ttl_seconds: int = Field(default=3600, ge=60)

    jwt_secret: str = Field(default="dev-only-jwt-secret-change-me-0123456789", min_length=16)
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "bilten-analytics"
    ip_hash_secret: str = Field(default="dev-only-ip-hash-key-change-me-0123456789", min_length=16)

    # Per hashed client address (every request); the seed's 100 / 15 min is RATE_LIMIT_REQUESTS=100.
    rate_limit_requests: int = Field(default=6000, ge=1)
    # Per visitor (address hash + session id) for requests that carry a session: see docs/rate-limits.md.
    rate_limit_visitor_requests: int = Field(default=600, ge=1)
    rate_limit_window_seconds: int = Field(default=900, ge=1)
    shard_count: int = Field(default=4, ge=1, le=256)
    session_timeout_seconds: int = Field(default=1800, ge=60)
    retention_days: int = Field(default=365, ge=1)
    max_event_age_days: int = Field(default=7, ge=1)
    max_clock_skew_seconds: int = Field(default=600, ge=0)
    storage_max_attempts: int = Field(default=6, ge=1)
    storage_base_delay_seconds: float = Field(default=0.05, ge=0)
    cors_origin: str = "*"
    cors_max_age_seconds: int = Field(default=600, ge=0)
    # Jobs and monitors (issue: experiments, jobs, privacy).
    engagement_settle_seconds: int = Field(default=300, ge=0)
    engagement_backfill_days: int = Field(default=7, ge=1)
    purge_lookback_days: int = Field(default=30, ge=1)
    latency_threshold_ms: float = Field(default=1000, gt=0)
    latency_min_samples: int = Field(default=5, ge=1)
    quality_drop_percent: float = Field(default=50, gt=0, le=100)
    quality_min_baseline: int = Field(default=50, ge=1)
    service_name: str = "bilten-analytics"
    metrics_namespace: str = "BiltenAnalytics"

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}{name}"


def settings_from_env() -> Settings:
    stage = _env("STAGE", "dev") or "dev"
    values: dict[str, object] = {
        "stage": stage,
        "region": _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1")),
        "table_prefix": _env("TABLE_PREFIX", f"bilten-{stage}-"),
        "dynamodb_endpoint": _env("DYNAMODB_ENDPOINT"),
        "s3_endpoint": _env("S3_ENDPOINT", _env("DYNAMODB_ENDPOINT")),
        "sns_endpoint": _env("SNS_ENDPOINT", _env("DYNAMODB_ENDPOINT")),
        "export_bucket": _env("EXPORT_BUCKET", f"bilten-{stage}-exports"),
        "alert_topic_arn": _env("ALERT_TOPIC_ARN"),
        "lake_bucket": _env("LAKE_BUCKET", f"bilten-{stage}-lake"),
        "lake_prefix": _env("LAKE_PREFIX", "events/"),
        "analytics_engine": _env("ANALYTICS_ENGINE", "duckdb"),
        "athena_workgroup": _env("ATHENA_WORKGROUP", "primary"),
        "athena_output_location": _env("ATHENA_OUTPUT_LOCATION", f"s3://bilten-{stage}-lake/athena-results/"),
        "glue_database": _env("GLUE_DATABASE", f"bilten_{stage}"),
        "glue_table": _env("GLUE_TABLE", "events"),
        "funnel_source": _env("FUNNEL_SOURCE", "dynamodb"),
        "events_stream_arn": _env(
            "EVENTS_STREAM_ARN", f"arn:aws:dynamodb:us-east-1:000000000000:table/bilten-{stage}-events/stream/latest"
        ),
        "jwt_secret": _env("JWT_SECRET", "dev-only-jwt-secret-change-me-0123456789"),
        "jwt_algorithm": _env("JWT_ALGORITHM", "HS256"),
        "ip_hash_secret": _env("IP_HASH_SECRET", "dev-only-ip-hash-key-change-me-0123456789"),
        "cors_origin": _env("CORS_ORIGIN", "*"),
        "service_name": _env("POWERTOOLS_SERVICE_NAME", "bilten-analytics"),
        "metrics_namespace": _env("POWERTOOLS_METRICS_NAMESPACE", "BiltenAnalytics"),
    }
    numeric = {
        "rate_limit_requests": "RATE_LIMIT_REQUESTS",
        "rate_limit_window_seconds": "RATE_LIMIT_WINDOW_SECONDS",
        "rate_limit_visitor_requests": "RATE_LIMIT_VISITOR_REQUESTS",
        "shard_count": "SHARD_COUNT",
        "session_timeout_seconds": "SESSION_TIMEOUT_SECONDS",
        "retention_days": "RETENTION_DAYS",
        "max_event_age_days": "MAX_EVENT_AGE_DAYS",
        "max_clock_skew_seconds": "MAX_CLOCK_SKEW_SECONDS",
        "storage_max_attempts": "STORAGE_MAX_ATTEMPTS",
        "storage_base_delay_seconds": "STORAGE_BASE_DELAY_SECONDS",
        "engagement_settle_seconds": "ENGAGEMENT_SETTLE_SECONDS",
        "engagement_backfill_days": "ENGAGEMENT_BACKFILL_DAYS",
        "purge_lookback_days": "PURGE_LOOKBACK_DAYS",
        "latency_threshold_ms": "LATENCY_THRESHOLD_MS",
        "latency_min_samples": "LATENCY_MIN_SAMPLES",
        "quality_drop_percent": "QUALITY_DROP_PERCENT",
        "quality_min_baseline": "QUALITY_MIN_BASELINE",
        "export_inline_rows": "EXPORT_INLINE_ROWS",
        "export_url_ttl_seconds": "EXPORT_URL_TTL_SECONDS",
        "cors_max_age_seconds": "CORS_MAX_AGE_SECONDS",
        "athena_timeout_seconds": "ATHENA_TIMEOUT_SECONDS",
        "athena_poll_seconds": "ATHENA_POLL_SECONDS",
    }
    for field, env_name in numeric.items():
        raw = _env(env_name)
        if raw is not None:
            values[field] = raw
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
