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
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

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
    """Levels of objects/arrays in ``value`` (iterative: no recursion limit however deep it nests)."""
    deepest = depth
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


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


# The one character rule of every URL field: no control characters (C0, DEL, C1, NUL included) and no
# bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069), which make a URL read differently
# on a dashboard than what it is.
_URL_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _check_url_characters(value: str) -> str:
    bad = _URL_FORBIDDEN.search(value)
    if bad:
        raise ValueError(f"must not contain control or bidirectional-override characters (U+{ord(bad.group()):04X})")
    return value


def _check_url(value: str) -> str:
    _check_url_characters(value)
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an absolute http(s) URL")
    return value


def _check_referrer(value: str) -> str:
    """A referrer is what the browser reports: usually http(s), sometimes ``android-app://…``; never spaces."""
    _check_url_characters(value)
    if value and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$", value):
        raise ValueError("must be an absolute URL")
    return value


AbsoluteUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_check_url)]
ReferrerUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_check_referrer)]
JsonData = Annotated[dict[str, Any], AfterValidator(bounded_json)]


class Strict(BaseModel):
    """Unknown fields fail; strings are stripped. ``defer_build``: a model's validator is built on first
    use, not at import, so a cold start only pays for the models its first request needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """JSON ``true`` is not 1 and ``"12"`` is not 12: a numeric field takes only a JSON number."""
        if isinstance(value, bool | str) and info.field_name and _is_numeric(cls.model_fields[info.field_name]):
            raise ValueError("must be a number")
        return value


def _is_numeric(field: FieldInfo) -> bool:
    """``int``/``float`` fields (optional ones too), but not unions that also allow booleans or text."""
    annotation = field.annotation
    args = set(get_args(annotation)) if get_origin(annotation) in (Union, UnionType) else {annotation}
    args.discard(type(None))
    return bool(args) and args <= {int, float}


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
