"""The one shape of a client mistake: which field, and what is wrong with it.

Plain data so that domain rules (an event time in the future) and request parsing
(a missing field) report alike, without the domain knowing how requests are parsed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def model_dump(self) -> dict[str, str]:
        """The wire shape (``{"field", "message"}``) of the error envelope's details."""
        return asdict(self)
