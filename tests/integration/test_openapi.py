"""The OpenAPI document covers exactly the app's routes, is valid OpenAPI 3.1, and is served publicly."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

import app as application
from chalicelib.api.openapi_spec import document_operations, openapi_document, route_operations
from chalicelib.schemas import BODY_MODELS

PREFIX = "/api/v1/tracking"


def test_document_and_route_table_agree_both_ways() -> None:
    document = openapi_document(application.app)
    routes = route_operations(application.app)
    documented = document_operations(document)
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations the app does not serve"
    assert len(routes) >= 25


def test_document_is_valid_openapi() -> None:
    validate(openapi_document(application.app))


def test_request_bodies_are_the_validating_models() -> None:
    document = openapi_document(application.app)
    schemas = document["components"]["schemas"]
    for kind, model in BODY_MODELS.items():
        operation = document["paths"][f"{PREFIX}/{kind}"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(f"/{model.__name__}")
        expected = model.model_json_schema(by_alias=True)
        assert set(schemas[model.__name__]["properties"]) == set(expected["properties"])
        assert schemas[model.__name__].get("required") == expected.get("required")
    funnel = document["paths"][f"{PREFIX}/funnel-analysis"]["post"]["requestBody"]["content"]["application/json"]
    assert funnel["schema"]["$ref"].endswith("/FunnelBody")
    batch = document["paths"][f"{PREFIX}/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert len(batch["properties"]["events"]["items"]["oneOf"]) == len(BODY_MODELS)


def test_security_and_query_parameters_follow_the_views() -> None:
    document = openapi_document(application.app)
    for path, methods in application.app.routes.items():
        for method, route in methods.items():
            operation = document["paths"][path][method.lower()]
            assert ("security" in operation) == (route.authorizer is not None), (method, path)
            path_params = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
            assert path_params == list(route.view_args)
    real_time = {p["name"]: p["schema"] for p in document["paths"][f"{PREFIX}/real-time"]["get"]["parameters"]}
    assert set(real_time) == {"timeRange", "eventTypes", "userId", "eventId"}
    assert "1h" in real_time["timeRange"]["enum"]
    journey = {
        p["name"]: p["schema"] for p in document["paths"][f"{PREFIX}/user-journey/{{user_id}}"]["get"]["parameters"]
    }
    assert journey["startDate"]["format"] == "date-time"
    assert journey["includeEvents"]["type"] == "boolean"


def test_served_publicly_and_cacheable(client) -> None:
    response = client.http.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    assert json.loads(response.body) == openapi_document(application.app)
