"""A fresh virtual environment with this package pip-installed (see tests/packaging/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Venv:
    """A venv with the package installed."""

    python: Path
    purelib: Path  # its site-packages

    def run(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the venv's python with ``args`` in ``cwd``, without this repository on ``PYTHONPATH``."""
        environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd,
            env={**environ, **(env or {})},
            check=True,
            capture_output=True,
            text=True,
        )


def venv_with_package(where: Path, *pip_args: str) -> Venv:
    """A venv at ``where`` with ``pip install --no-deps <pip_args>`` done; the dependencies come from this
    venv through a ``.pth`` file, so pip builds and installs only this package."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_deps_from_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", *pip_args],
        check=True,
        capture_output=True,
        text=True,
    )
    return Venv(python=python, purelib=Path(purelib))
