"""Every request model of the API, bodies and query parameters alike, declared in one place.

``common`` (field types, the timestamp rule, field errors), ``ingest`` (the five
tracking bodies), ``analytics`` (funnels, date ranges), ``campaigns``,
``experiments``, ``exports`` and ``query`` (every read route's query parameters).
Handlers validate with these; the OpenAPI document is generated from them.
"""

from chalicelib.schemas.common import (
    MAX_BATCH_BODY_BYTES,
    MAX_BATCH_EVENTS,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_SINGLE_BODY_BYTES,
    AbsoluteUrl,
    FieldError,
    Identifier,
    JsonData,
    Name,
    bounded_json,
    field_errors,
    json_depth,
    parse_timestamp,
    validate,
)
from chalicelib.schemas.ingest import (
    BODY_MODELS,
    ActivityBody,
    ConversionBody,
    EventInteractionBody,
    HeatmapBody,
    PerformanceBody,
    parse_body,
)

__all__ = [
    "BODY_MODELS",
    "MAX_BATCH_BODY_BYTES",
    "MAX_BATCH_EVENTS",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_SINGLE_BODY_BYTES",
    "AbsoluteUrl",
    "ActivityBody",
    "ConversionBody",
    "EventInteractionBody",
    "FieldError",
    "HeatmapBody",
    "Identifier",
    "JsonData",
    "Name",
    "PerformanceBody",
    "bounded_json",
    "field_errors",
    "json_depth",
    "parse_body",
    "parse_timestamp",
    "validate",
]
