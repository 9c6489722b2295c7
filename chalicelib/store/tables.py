"""Create every table from the models (local stack, tests). Production tables come from infrastructure/."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.store.models import ALL_MODELS


def create_tables(models: tuple[type[Model], ...] = ALL_MODELS) -> list[str]:
    """Idempotent: existing tables are left alone. Returns the names created."""
    created = []
    for model in models:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def delete_tables(models: tuple[type[Model], ...] = ALL_MODELS) -> None:
    for model in models:
        if model.exists():
            model.delete_table()
