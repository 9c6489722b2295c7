"""Request parsing against the declarations in ``chalicelib.schemas``: every bad value a 400 naming its field.

``parse`` reads a route's declared query parameters, ``body`` a JSON body into its
model, ``date_window`` the startDate/endDate/timeRange trio the read routes share.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import unquote

from chalice.app import Request
from pydantic import BaseModel

from chalicelib.api.responses import ValidationFailed, parse_json_body
from chalicelib.schemas import MAX_SINGLE_BODY_BYTES, FieldError, parse_timestamp, validate
from chalicelib.schemas import query as declared
from chalicelib.schemas.query import MAX_LIST, MAX_RANGE, TIME_RANGES, Param, Query

NAME_PATTERN = re.compile(declared.NAME_PATTERN)
IDENTIFIER_PATTERN = re.compile(declared.IDENTIFIER_PATTERN)
MAX_TEXT = 256
Model = TypeVar("Model", bound=BaseModel)


def query(request: Request) -> dict[str, list[str]]:
    params = request.query_params or {}
    out: dict[str, list[str]] = {}
    for key in params:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        out[key.removesuffix("[]")] = out.get(key.removesuffix("[]"), []) + list(values)
    return out


def reject_unknown(params: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationFailed([FieldError(field=name, message="unknown query parameter") for name in unknown])


def one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailed([FieldError(field=name, message="must be given once")])
    return values[0]


def choice(params: dict[str, list[str]], name: str, allowed: list[str], default: str) -> str:
    value = one(params, name)
    if value is None:
        return default
    if value not in allowed:
        raise ValidationFailed([FieldError(field=name, message=f"must be one of {', '.join(allowed)}")])
    return value


def identifier(value: Any, name: str, pattern: re.Pattern[str] = IDENTIFIER_PATTERN) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValidationFailed([FieldError(field=name, message="must be 1-128 letters, digits or _.:@-")])
    return value


def optional_identifier(params: dict[str, list[str]], name: str) -> str | None:
    value = one(params, name)
    return None if value is None else identifier(value, name)


def name_list(params: dict[str, list[str]], name: str) -> set[str] | None:
    """``?eventTypes=a,b`` or repeated ``?eventTypes=a&eventTypes=b``."""
    values = params.get(name)
    if not values:
        return None
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not names or len(names) > MAX_LIST:
        raise ValidationFailed([FieldError(field=name, message=f"must list 1-{MAX_LIST} names")])
    for value in names:
        if not NAME_PATTERN.match(value):
            raise ValidationFailed([FieldError(field=name, message=f"'{value[:64]}' is not a valid name")])
    return set(names)


def timestamp(params: dict[str, list[str]], name: str) -> datetime | None:
    value = one(params, name)
    if value is None:
        return None
    text = unquote(value).replace(" ", "+")
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        text += "T00:00:00Z"
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field=name, message=str(exc))]) from None


def boolean(params: dict[str, list[str]], name: str, default: bool) -> bool:
    value = one(params, name)
    if value is None:
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ValidationFailed([FieldError(field=name, message="must be true or false")])


def integer(params: dict[str, list[str]], spec: Param) -> int | None:
    value = one(params, spec.name)
    if value is None:
        return spec.default
    low, high = spec.minimum or 0, spec.maximum or 2**31
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationFailed([FieldError(field=spec.name, message=f"must be an integer from {low} to {high}")])
    return int(value)


def text(params: dict[str, list[str]], name: str) -> str | None:
    value = one(params, name)
    if value is not None and not 0 < len(value) <= MAX_TEXT:
        raise ValidationFailed([FieldError(field=name, message=f"must be 1-{MAX_TEXT} characters")])
    return value


def _value(params: dict[str, list[str]], spec: Param) -> Any:
    if spec.kind == "choice":
        if spec.default is None and one(params, spec.name) is None:
            return None
        return choice(params, spec.name, list(spec.choices), spec.default)
    if spec.kind == "names":
        return name_list(params, spec.name)
    if spec.kind == "identifier":
        return optional_identifier(params, spec.name)
    if spec.kind == "timestamp":
        return timestamp(params, spec.name)
    if spec.kind == "boolean":
        if spec.default is None and spec.name not in params:
            return None
        return boolean(params, spec.name, bool(spec.default))
    if spec.kind == "integer":
        return integer(params, spec)
    return text(params, spec.name)


def parse(request: Request, spec: Query) -> dict[str, Any]:
    """The declared query parameters of a route, parsed (absent ones at their default); unknown ones refused."""
    params = query(request)
    reject_unknown(params, spec.names)
    return {p.name: _value(params, p) for p in spec.params}


def date_window(values: dict[str, Any], now: datetime, span: timedelta | None = None) -> tuple[datetime, datetime]:
    """``startDate``/``endDate`` (default now), else ``timeRange`` back from the end (or ``span``)."""
    end = values.get("endDate") or now
    if span is None:
        span = TIME_RANGES[values["timeRange"]][0]
    start = values.get("startDate") or end - span
    if start > end:
        raise ValidationFailed([FieldError(field="startDate", message="must not be after endDate")])
    if end - start > MAX_RANGE:
        raise ValidationFailed([FieldError(field="startDate", message="range may span at most 400 days")])
    return start, end


def body(request: Request, model: type[Model], limit: int = MAX_SINGLE_BODY_BYTES, optional: bool = False) -> Model:
    """A JSON body as ``model``: 413 past ``limit``, 400 naming each bad field. ``optional``: no body is ``{}``."""
    payload = parse_json_body(request.raw_body, limit) if request.raw_body or not optional else {}
    return validated(model, payload)


def validated(model: type[Model], payload: Any) -> Model:
    """An already decoded JSON body as ``model``, or a 400 naming each bad field."""
    parsed, errors = validate(model, payload)
    if parsed is None:
        raise ValidationFailed(errors)
    return parsed
