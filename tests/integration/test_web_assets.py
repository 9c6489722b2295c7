"""The dashboard's ES modules are served from the allow-list, and their import graph resolves to served files."""

from __future__ import annotations

import posixpath
import re

import pytest

from chalicelib.api.web import ASSETS, MODULES, STATIC_DIR

IMPORT = re.compile(r"^import\s.*?\sfrom\s+'([^']+)';", re.MULTILINE | re.DOTALL)


def test_every_dashboard_module_is_allow_listed() -> None:
    on_disk = {p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "dashboard").rglob("*") if p.is_file()}
    assert on_disk == set(MODULES), "a file under static/dashboard/ that no route serves (or a non-.js file)"
    assert "dashboard/main.js" in MODULES and len(MODULES) >= 10
    assert not (STATIC_DIR / "dashboard.js").exists()
    assert all(ASSETS[name].startswith("application/javascript") for name in MODULES)


def test_imports_are_relative_and_name_served_modules() -> None:
    for name in MODULES:
        source = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert source.startswith("/*"), f"{name}: its top comment says what it owns"
        for target in IMPORT.findall(source):
            assert target.startswith(("./", "../")), f"{name} imports {target!r}: relative paths only"
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            assert resolved in MODULES, f"{name} imports {target!r}, which is not served"


def test_page_loads_the_entry_module(client) -> None:
    page = client.http.get("/dashboard")
    assert page.status_code == 200
    body = page.body.decode()
    assert '<script type="module" src="/static/dashboard/main.js"></script>' in body
    assert "/static/dashboard.js" not in body


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_is_served_as_javascript_and_revalidated(client, name: str) -> None:
    response = client.http.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.body.decode() == (STATIC_DIR / name).read_text(encoding="utf-8")
    again = client.http.get(f"/static/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/static/dashboard.js",
        "/static/dashboard/nope.js",
        "/static/dashboard/panels/nope.js",
        "/static/dashboard/panels/main.js",
        "/static/dashboard/dashboard.html",
        "/static/dashboard%2Fmain.js",
        "/static/dashboard/panels%2Ffunnel.js",
        "/static/dashboard/..%2F..%2Fapi%2Fweb.py",
    ],
)
def test_anything_else_is_not_found(client, path: str) -> None:
    assert client.http.get(path).status_code == 404


def test_other_assets_keep_their_cache(client) -> None:
    response = client.http.get("/static/dashboard.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=300"
