"""What every request model shares: bounded field types, the timestamp rule, and field errors.

Bodies are camelCase as in the seed. Unknown fields are rejected (a typo in a
field name should fail loudly, not vanish). Free-form JSON (``eventData``,
``interactionData``, ``conversionData``) is bounded in size, depth and key
length so no item can approach DynamoDB's 400 KB limit.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
)

from chalicelib.domain.errors import FieldError

BaseModelT = TypeVar("BaseModelT", bound=BaseModel)

MAX_JSON_BYTES = 32 * 1024
MAX_JSON_DEPTH = 6
MAX_JSON_KEY_LENGTH = 128
MAX_SINGLE_BODY_BYTES = 64 * 1024
MAX_BATCH_BODY_BYTES = 512 * 1024
MAX_BATCH_EVENTS = 500

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@\-]+$")]
ShortText = Annotated[str, StringConstraints(max_length=256)]


def json_depth(value: Any, depth: int = 0) -> int:
    if isinstance(value, dict):
        return max([json_depth(v, depth + 1) for v in value.values()], default=depth + 1)
    if isinstance(value, list):
        return max([json_depth(v, depth + 1) for v in value], default=depth + 1)
    return depth


def _check_json_keys(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if len(key) > MAX_JSON_KEY_LENGTH:
                raise ValueError(f"keys must be at most {MAX_JSON_KEY_LENGTH} characters")
            _check_json_keys(item)
    elif isinstance(value, list):
        for item in value:
            _check_json_keys(item)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")


def bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form data: at most 32 KB serialised, 6 levels deep, finite numbers."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"must be nested at most {MAX_JSON_DEPTH} levels deep")
    _check_json_keys(value)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_BYTES} bytes serialised (got {size})")
    return value


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with an explicit offset (``Z`` or ``+hh:mm``), normalised to UTC."""
    text = value.strip()
    if len(text) > 40:
        raise ValueError("must be an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 timestamp such as 2024-01-15T10:30:00Z") from exc
    if parsed.tzinfo is None:
        raise ValueError("must carry a time zone (e.g. a trailing Z)")
    return parsed.astimezone(UTC)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an absolute http(s) URL")
    return value


AbsoluteUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_check_url)]
JsonData = Annotated[dict[str, Any], AfterValidator(bounded_json)]


class Strict(BaseModel):
    """Unknown fields fail; strings are stripped. ``defer_build``: a model's validator is built on first
    use, not at import, so a cold start only pays for the models its first request needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic errors as ``{"field": "eventData.x", "message": ...}``, using the wire (camelCase) names."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "is required"
        out.append(FieldError(field=f"{prefix}{loc}", message=message))
    return out


def validate(model: type[BaseModelT], payload: Any, prefix: str = "") -> tuple[BaseModelT | None, list[FieldError]]:
    """A decoded JSON body as ``model``, or the field errors saying why not (never an exception)."""
    if not isinstance(payload, dict):
        return None, [FieldError(field=prefix.rstrip(".") or "body", message="must be a JSON object")]
    try:
        return model.model_validate(payload), []
    except ValidationError as exc:
        return None, field_errors(exc, prefix)
