"""What a route accepts, declared on its view: the body model, the query parameters, batch.

``@declare(...)`` sits under ``@api_view`` and records the declaration on the view
function; ``api.params`` parses against it and ``api.openapi_spec`` documents it,
so the OpenAPI document is generated from declarations and the route table alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.schemas.query import NONE, Query

View = TypeVar("View", bound=Callable[..., Any])
ATTRIBUTE = "__bilten_request__"


@dataclass(frozen=True)
class Declaration:
    body: type[BaseModel] | None = None
    query: Query = NONE
    batch: bool = False


def declare(body: type[BaseModel] | None = None, query: Query = NONE, batch: bool = False) -> Callable[[View], View]:
    def mark(view: View) -> View:
        setattr(view, ATTRIBUTE, Declaration(body, query, batch))
        return view

    return mark


def declaration(view: Any) -> Declaration:
    """The declaration of a (possibly wrapped) view; an empty one if it declares nothing."""
    current = view
    while current is not None:
        found = getattr(current, ATTRIBUTE, None)
        if isinstance(found, Declaration):
            return found
        current = getattr(current, "__wrapped__", None)
    return Declaration()
