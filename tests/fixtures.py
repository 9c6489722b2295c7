"""Shared fixtures: moto in-process with every table created from the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib.store import dynamo
from local import moto_patches

moto_patches.install()  # the same DynamoDB emulator as the local stack's moto server


@pytest.fixture
def aws() -> Iterator[None]:
    from chalicelib.store import catalog, lake

    with mock_aws():
        dynamo.reset_client()
        lake.reset()
        catalog.forget()
        from chalicelib.store.tables import create_tables

        create_tables()
        yield
        dynamo.reset_client()


@pytest.fixture
def client(aws: None) -> Iterator[object]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
