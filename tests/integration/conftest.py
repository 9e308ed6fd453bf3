"""Integration fixtures: one moto server on 127.0.0.1 for the session, and the changed-model assembly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_app
from stacks.config import AppConfig
from stacks.local.moto_server import MotoServer, port_is_open
from tests.integration.changes import changed


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A moto server on a free 127.0.0.1 port, bootstrapped (the SSM version parameter) for CDK templates.

    Teardown checks that it is gone: port closed, thread finished.
    """
    threads_before = set(threading.enumerate())
    server = MotoServer(port=0).start()
    try:
        server.put_bootstrap_version()
        yield server
    finally:
        server.stop()
    assert not server.running
    assert not port_is_open(server.port), f"moto still listens on 127.0.0.1:{server.port}"
    leftover = [t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon]
    assert not leftover, f"threads left behind: {leftover}"


@pytest.fixture(scope="session")
def synthesized(reference_assembly_dir: Path) -> Path:
    """The reference configuration's cloud assembly (every environment), synthesised."""
    return reference_assembly_dir


@pytest.fixture(scope="session")
def changed_config(reference_config: AppConfig) -> AppConfig:
    """The reference configuration with a new model and new weights."""
    return changed(reference_config)


@pytest.fixture(scope="session")
def changed_assembly_dir(
    changed_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, reference_assembly_dir: Path
) -> Path:
    """Every environment synthesised again with :func:`changed` (same process: jsii is already up)."""
    outdir = tmp_path_factory.mktemp("cdk.changed.out")
    build_app(changed_config, outdir=str(outdir)).synth()
    return outdir
