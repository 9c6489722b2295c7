"""The OpenAPI 3.1 document of the API, generated from the app's route table and the declarations.

Nothing here lists routes: paths, methods, path parameters and authorizers come
from ``app.routes``; each view's request body and query parameters are what it
declares with ``@declare`` (models and ``Query`` objects of ``chalicelib.schemas``,
the same objects the view parses with). A new route is documented the moment it
is registered, and a test fails if the document and the route table ever disagree.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from chalice import Chalice
from pydantic import BaseModel

from chalicelib.api.auth import access_of
from chalicelib.api.declare import declaration
from chalicelib.api.responses import api_view
from chalicelib.schemas import BODY_MODELS, MAX_BATCH_EVENTS

API_VIEW_CODE = api_view(lambda: None).__code__
OPENAPI_VERSION = "3.1.0"
BODY_METHODS = {"POST", "PUT", "PATCH"}
COMPONENT_REF = "#/components/schemas/{model}"

ENVELOPE_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
    "ErrorEnvelope": {
        "type": "object",
        "required": ["success", "error"],
        "properties": {
            "success": {"const": False},
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array"},
                },
            },
        },
    },
    "GatewayError": {
        "description": "Refusals by API Gateway itself (missing Authorization header, unknown route).",
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
    },
    "FrameworkError": {
        "description": "Refusals before the view runs (unsupported media type, malformed request).",
        "type": "object",
        "required": ["Code", "Message"],
        "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}},
    },
    "TrackingReceipt": {
        "type": "object",
        "required": ["trackingId", "timestamp"],
        "properties": {"trackingId": {"type": "string"}, "timestamp": {"type": "string"}},
    },
    "BotDropped": {
        "type": "object",
        "required": ["accepted", "dropped", "reason"],
        "properties": {
            "accepted": {"const": 0},
            "dropped": {"type": "integer", "minimum": 0},
            "reason": {"const": "bot"},
        },
    },
    "BatchOutcome": {
        "type": "object",
        "required": ["accepted", "rejected", "results"],
        "properties": {
            "accepted": {"type": "integer", "minimum": 0},
            "rejected": {"type": "integer", "minimum": 0},
            "results": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENT_REF.format(model=name)}


def _success(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "message", "data"],
        "properties": {"success": {"const": True}, "message": {"type": "string"}, "data": data},
    }


def body_models(view: Any) -> list[type[BaseModel]]:
    """The request model a view declares (none for views without a body)."""
    body = declaration(view).body
    return [body] if body is not None else []


def query_parameters(view: Any) -> list[dict[str, Any]]:
    """The query parameters a view declares, with their types, bounds and defaults."""
    out = []
    for param in sorted(declaration(view).query.params, key=lambda p: p.name):
        entry: dict[str, Any] = {"name": param.name, "in": "query", "required": False, "schema": param.schema()}
        if param.description:
            entry["description"] = param.description
        out.append(entry)
    return out


def _json_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """The model's schema, its nested definitions moved into ``components``."""
    schema = model.model_json_schema(by_alias=True, ref_template=COMPONENT_REF)
    components.update(schema.pop("$defs", {}))
    return schema


def _model_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    components[model.__name__] = _json_schema(model, components)
    return _ref(model.__name__)


def _batch_schema(components: dict[str, Any]) -> dict[str, Any]:
    """``{"events": [...]}``: each item one of the single-event bodies plus its ``type``."""
    items = []
    for kind, model in BODY_MODELS.items():
        schema = _json_schema(model, components)
        name = f"Batch{model.__name__}"
        components[name] = {
            **schema,
            "title": name,
            "properties": {"type": {"const": kind}, **schema["properties"]},
            "required": ["type", *schema.get("required", [])],
        }
        items.append(_ref(name))
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["events"],
        "properties": {
            "events": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH_EVENTS, "items": {"oneOf": items}}
        },
    }


def _uses_api_view(view: Any) -> bool:
    """Views under ``@api_view`` answer only with the envelope (``functools.wraps`` hides the name, not the code)."""
    return any(getattr(f, "__code__", None) is API_VIEW_CODE for f in _wrapper_chain(view))


def _wrapper_chain(view: Any) -> list[Any]:
    chain = [view]
    while hasattr(chain[-1], "__wrapped__"):
        chain.append(chain[-1].__wrapped__)
    return chain


def _is_batch(view: Any) -> bool:
    return declaration(view).batch


def _operation(route: Any, components: dict[str, Any], operation_id: str) -> dict[str, Any]:
    view = route.view_function
    doc = inspect.getdoc(inspect.unwrap(view)) or ""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": doc.splitlines()[0] if doc else route.view_name.replace("_", " ").capitalize(),
        "tags": [view.__module__.rsplit(".", 1)[-1]],
        "parameters": [
            {"name": arg, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for arg in route.view_args
        ]
        + query_parameters(view),
    }
    if route.authorizer is not None:
        operation["security"] = [{"bearerAuth": []}]
        rule = access_of(view)
        if rule is not None:  # the same object the view checks (api.auth.Access)
            operation["description"] = rule.describe()
            operation["x-roles"] = sorted(rule.roles)
            if rule.own:
                operation["x-own"] = rule.own
    data: dict[str, Any] = {}
    if route.method in BODY_METHODS:
        models = body_models(view)
        if _is_batch(view):
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _batch_schema(components)}},
            }
            data = {"anyOf": [_ref("BatchOutcome"), _ref("BotDropped")]}
        elif len(models) == 1:
            (model,) = models
            required = any(field.is_required() for field in model.model_fields.values())
            operation["requestBody"] = {
                "required": required,
                "content": {"application/json": {"schema": _model_schema(model, components)}},
            }
            if model in BODY_MODELS.values():
                data = {"anyOf": [_ref("TrackingReceipt"), _ref("BotDropped")]}
    errors = {"anyOf": [_ref("ErrorEnvelope"), _ref("GatewayError"), _ref("FrameworkError")]}
    if _uses_api_view(view):
        operation["responses"] = {
            "2XX": {"description": "Success envelope", "content": {"application/json": {"schema": _success(data)}}},
            "default": {"description": "Error envelope", "content": {"application/json": {"schema": errors}}},
        }
    else:
        operation["responses"] = {"default": {"description": "Response of a page or static asset route"}}
    return operation


@cache
def cached_document(app: Chalice) -> dict[str, Any]:
    """Built once per process: the route table does not change after import."""
    return openapi_document(app)


def openapi_document(app: Chalice) -> dict[str, Any]:
    components: dict[str, Any] = dict(ENVELOPE_SCHEMAS)
    paths: dict[str, dict[str, Any]] = {}
    views = [route.view_name for methods in app.routes.values() for route in methods.values()]
    for path in sorted(app.routes):
        for method, route in sorted(app.routes[path].items()):
            shared = views.count(route.view_name) > 1  # one view serving PUT and PATCH
            operation_id = f"{route.view_name}_{method.lower()}" if shared else route.view_name
            paths.setdefault(path, {})[method.lower()] = _operation(route, components, operation_id)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{app.app_name} API",
            "version": "1",
            "description": "Tracking (ingest) and analytics API. Bodies are camelCase; every JSON answer is the "
            "success or error envelope. Read routes need a bearer JWT; each operation states who may call it "
            "(its description and x-roles): admin or analyst tokens for analytics, and a user token only for "
            "its own userId (its journey, its data, its export and deletion); the rest answers 403.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def route_operations(app: Chalice) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, methods in app.routes.items() for method in methods}


def document_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
