"""What each Lambda function can reach, found by reading the code, so its IAM policy grants only that.

A function's reach is the closure of ``chalicelib`` modules imported (at module
level or inside functions) from its handler. A table is reachable when a module
in that closure names its PynamoDB model; the export bucket and the alert topic
when a module names the setting that locates them. The closure over-approximates
(an imported module may not call everything it names), never under-approximates
static imports; dynamic imports (``importlib``) must name their module in a
string literal starting with ``chalicelib.``, which is followed too.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pynamodb.models import Model

from chalicelib.store import models as models_module

PACKAGE = "chalicelib"
MODELS_MODULE = models_module.__name__
MODEL_GROUPS = {"ALL_MODELS": models_module.ALL_MODELS, "RAW_TABLE_MODELS": models_module.RAW_TABLE_MODELS}
SETTINGS_MODULE = f"{PACKAGE}.config"
MODEL_CLASSES = {m.__name__: m for m in models_module.ALL_MODELS}


@dataclass
class Reach:
    modules: set[str] = field(default_factory=set)
    tables: set[type[Model]] = field(default_factory=set)
    export_bucket: bool = False
    alert_topic: bool = False


def _module_file(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def _resolve(base: str, names: Iterable[str]) -> set[str]:
    """``from chalicelib.jobs import common`` names the submodule when there is one, else the package."""
    found = {base}
    for name in names:
        candidate = f"{base}.{name}"
        try:
            if importlib.util.find_spec(candidate) is not None:
                found.add(candidate)
        except ModuleNotFoundError:  # ``base`` is a module, ``name`` an attribute of it
            continue
    return found


def imports_of(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE or node.module.startswith(PACKAGE + "."):
                found |= _resolve(node.module, (alias.name for alias in node.names))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(PACKAGE + "."):
            found.add(node.value.split(":")[0])
    return {name for name in found if (name == PACKAGE or name.startswith(PACKAGE + ".")) and _exists(name)}


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ModuleNotFoundError, ValueError):
        return False


@cache
def _parse(name: str) -> ast.AST | None:
    path = _module_file(name)
    return ast.parse(path.read_text(), str(path)) if path else None


def _names(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.alias):
            out.add(node.asname or node.name.split(".")[-1])
    return out


def reach_of_tree(tree: ast.AST) -> Reach:
    reach = Reach()
    queue = sorted(imports_of(tree))
    while queue:
        name = queue.pop()
        if name in reach.modules:
            continue
        reach.modules.add(name)
        module_tree = _parse(name)
        if module_tree is None:
            continue
        queue.extend(sorted(imports_of(module_tree) - reach.modules))
        if name == MODELS_MODULE:
            continue  # defines every model; referencing it is not using them
        names = _names(module_tree)
        reach.tables |= {MODEL_CLASSES[n] for n in names & set(MODEL_CLASSES)}
        for group, members in MODEL_GROUPS.items():
            if group in names:
                reach.tables |= set(members)
        if name != SETTINGS_MODULE:  # defines the settings; reading them elsewhere is using them
            reach.export_bucket |= "export_bucket" in names
            reach.alert_topic |= "alert_topic_arn" in names
    return reach


def reach_of_function(function: Callable[..., object]) -> Reach:
    """Reach of a handler: its own body's imports plus the module it lives in (unless that is ``app``),
    plus the module it declares it runs as ``job_module`` (app.py's schedules, built from the job registry)."""
    function = inspect.unwrap(getattr(function, "func", function))  # chalice wraps handlers
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    reach = reach_of_tree(tree)
    declared = getattr(function, "job_module", None)
    for module in (function.__module__, declared):
        if not isinstance(module, str) or not module.startswith(PACKAGE):
            continue
        extra = reach_of_tree(ast.parse(f"import {module}"))
        reach.modules |= extra.modules
        reach.tables |= extra.tables
        reach.export_bucket |= extra.export_bucket
        reach.alert_topic |= extra.alert_topic
    return reach


def reach_of_module(name: str) -> Reach:
    """Reach of a whole module (the API handler runs every route of ``app``)."""
    return reach_of_tree(_parse(name) or ast.parse(""))
