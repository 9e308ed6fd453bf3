"""Integration fixtures: one moto server on 127.0.0.1 for the session, and the changed-model assembly.

A test that takes an ``env_name`` argument runs once per environment of ``stacks/environments.toml``,
whatever environments it holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import build_app
from rehearsal.moto_server import MotoServer, port_is_open
from stacks.config import AppConfig, load
from tests.conftest import synthesise
from tests.integration.changes import changed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``env_name``: every environment of the loaded configuration, in file order."""
    if "env_name" in metafunc.fixturenames:
        metafunc.parametrize("env_name", list(load().environments))


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
def app_config(user_config: AppConfig) -> AppConfig:
    """What the rehearsal deploys: the user's configuration (stacks/environments.toml), whatever it holds."""
    return user_config


@pytest.fixture(scope="session")
def synthesized(
    user_config: AppConfig,
    reference_config: AppConfig,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The user's configuration's cloud assembly (every environment), synthesised once; while it equals the
    reference configuration, the reference assembly the other tests use."""
    if user_config == reference_config:
        reference_dir: Path = request.getfixturevalue("reference_assembly_dir")
        return reference_dir
    return synthesise(user_config, tmp_path_factory.mktemp("cdk.user.out")).assembly_dir


@pytest.fixture(scope="session")
def changed_config(app_config: AppConfig) -> AppConfig:
    """The user's configuration with a new model and new weights."""
    return changed(app_config)


@pytest.fixture(scope="session")
def changed_assembly_dir(
    changed_config: AppConfig, tmp_path_factory: pytest.TempPathFactory, synthesized: Path
) -> Path:
    """Every environment synthesised again with :func:`changed` (same process: jsii is already up)."""
    outdir = tmp_path_factory.mktemp("cdk.changed.out")
    build_app(changed_config, outdir=str(outdir)).synth()
    return outdir
