"""Outcomes a caller must tell apart, without HTTP: the API maps each to its status code.

``StorageUnavailable`` (storage still failing after the retry policy of
``store.dynamo.with_retry``) is re-exported so callers above ``store`` need not
import it.
"""

from __future__ import annotations

from chalicelib.domain.errors import FieldError
from chalicelib.store.dynamo import StorageUnavailable

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RateLimitExceeded",
    "ServiceError",
    "StorageUnavailable",
]


class ServiceError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The thing asked for does not exist."""


class Conflict(ServiceError):
    """The thing to create exists already."""


class Forbidden(ServiceError):
    """The caller may not do this to this subject."""


class InvalidInput(ServiceError):
    """Input that parsed but breaks a rule only the service can check (e.g. dates of a stored record)."""

    def __init__(self, errors: list[FieldError], message: str | None = None):
        fields = ", ".join(dict.fromkeys(e.field for e in errors))
        super().__init__(message or f"Invalid request: {fields}")
        self.errors = errors


class RateLimitExceeded(ServiceError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
