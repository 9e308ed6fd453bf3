"""Fresh virtual environments with this package pip-installed, built once per test session.

Each venv gets the heavy dependencies (aws-cdk-lib, jsii, boto3, Powertools) from the development venv
through a ``.pth`` file, so pip installs only this package: it builds it from the repository (setuptools
from the registry, as any user's pip would). Tests run programs with the venv's own ``python``, outside
the repository (no ``PYTHONPATH``), as another project would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.venv import Venv, venv_with_package

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """``pip install <repository>``: a regular (wheel) install, as users get it."""
    return venv_with_package(tmp_path_factory.mktemp("venv-installed"), str(ROOT))


@pytest.fixture(scope="session")
def editable(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """``pip install -e <repository>``: an editable install, as a developer of this repository gets it."""
    return venv_with_package(tmp_path_factory.mktemp("venv-editable"), "-e", str(ROOT))
