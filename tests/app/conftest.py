"""A live app on a free loopback port, around a tiny random pipeline sampling in 2 steps."""

from __future__ import annotations

import pytest
from app_server import launch


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(demo, url)`` of a running app; closed after the module's tests."""
    demo, url = launch(tmp_path_factory)
    yield demo, url
    demo.close()


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[1], verbose=False)
