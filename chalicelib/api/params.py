"""Query-string parsing for the read routes: every bad value becomes a 400 naming its field."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from chalice.app import Request

from chalicelib.api.responses import ValidationFailed
from chalicelib.schemas import FieldError, parse_timestamp

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")
MAX_LIST = 50


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
