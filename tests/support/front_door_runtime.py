"""Import the front-door Lambda code the way the Lambda runtime does, from any folder.

Lambda puts the code root on ``sys.path`` and imports ``handler``, whose siblings import each other by
plain name (``import contract``). ``lambda`` is a keyword, so the folder is never a package here; these
helpers put the folder on ``sys.path`` only while importing, then take its modules back out of
``sys.modules`` (the returned objects keep working), so every load is a fresh, independent copy that
reads the environment as it is now, copies from two folders never mix, and no generic name such as
``settings`` is left behind for other tests. No bytecode is written into the folder.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
CODE_DIR = ROOT / "lambda" / "front_door"


def load_runtime(*names: str, code_dir: Path = CODE_DIR) -> tuple[ModuleType, ...]:
    """Fresh copies of the modules ``names`` (e.g. ``"settings", "sagemaker_client"``) from ``code_dir``.

    Modules loaded in one call share their sibling imports (one ``contract``, one ``settings`` ...).
    """
    siblings = {path.stem for path in code_dir.glob("*.py")}
    saved = {name: sys.modules.pop(name) for name in siblings if name in sys.modules}
    folder = str(code_dir)
    sys.path.insert(0, folder)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # keep the asset folder clean
    try:
        importlib.invalidate_caches()
        return tuple(importlib.import_module(name) for name in names)
    finally:
        sys.dont_write_bytecode = dont_write
        sys.path.remove(folder)
        for name in siblings:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def load_handler_module(code_dir: Path = CODE_DIR) -> ModuleType:
    """A fresh ``handler`` module from ``code_dir``, configured from the current environment."""
    (module,) = load_runtime("handler", code_dir=code_dir)
    return module
