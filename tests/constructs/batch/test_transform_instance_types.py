"""The generated list of SageMaker Batch Transform instance types matches the installed botocore.

Also the generator: ``.venv/bin/python tests/constructs/batch/test_transform_instance_types.py`` rewrites
``constructs/sagemaker_serving/batch/instance_types.py`` from the installed botocore's ``sagemaker``
service model (run it after upgrading boto3/botocore, then review the diff).
"""

from __future__ import annotations

import datetime
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import botocore
import botocore.session

ROOT = Path(__file__).resolve().parents[3]
MODULE_PATH = ROOT / "constructs" / "sagemaker_serving" / "batch" / "instance_types.py"
SHAPE = "TransformInstanceType"
REGENERATE = ".venv/bin/python tests/constructs/batch/test_transform_instance_types.py"


def botocore_instance_types() -> tuple[str, ...]:
    """The ``TransformInstanceType`` enum of the installed botocore, in its order."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return tuple(model.shape_for(SHAPE).enum)


def render(instance_types: Sequence[str], *, botocore_version: str, generated_on: str) -> str:
    """The source of ``batch/instance_types.py`` (already in ruff's format)."""
    items = "".join(f'    "{t}",\n' for t in instance_types)
    return f'''"""SageMaker Batch Transform instance types: generated, do not edit by hand.

The values of the ``{SHAPE}`` enum (the ``InstanceType`` of ``TransformResources``, see
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformResources.html) in the ``sagemaker``
service model of botocore {botocore_version}, generated on {generated_on}. Kept here so that validating an
instance type needs neither boto3 nor botocore at synth time.

Regenerate after upgrading botocore, from the repository root::

    {REGENERATE}
"""

from __future__ import annotations

from typing import Final

#: botocore version whose service model this list was generated from.
BOTOCORE_VERSION: Final = "{botocore_version}"
#: Date this module was generated.
GENERATED_ON: Final = "{generated_on}"

#: Every instance type a transform job accepts, in botocore's order.
TRANSFORM_INSTANCE_TYPES: Final[tuple[str, ...]] = (
{items})
'''


def _load_generated() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_generated_transform_types", MODULE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_list_matches_the_installed_botocore() -> None:
    generated = _load_generated()
    expected = botocore_instance_types()
    current: tuple[str, ...] = generated.TRANSFORM_INSTANCE_TYPES
    added, removed = sorted(set(expected) - set(current)), sorted(set(current) - set(expected))
    assert current == expected, (
        f"batch/instance_types.py was generated from botocore {generated.BOTOCORE_VERSION}; botocore "
        f"{botocore.__version__} adds {added} and removes {removed}. Regenerate: {REGENERATE}"
    )
    assert "ml.m5.large" in expected and len(expected) == len(set(expected)) > 50


def test_generated_module_is_exactly_the_generator_output() -> None:
    generated = _load_generated()
    assert MODULE_PATH.read_text() == render(
        generated.TRANSFORM_INSTANCE_TYPES,
        botocore_version=generated.BOTOCORE_VERSION,
        generated_on=generated.GENERATED_ON,
    )
    datetime.date.fromisoformat(generated.GENERATED_ON)


if __name__ == "__main__":
    MODULE_PATH.write_text(
        render(
            botocore_instance_types(),
            botocore_version=botocore.__version__,
            generated_on=datetime.date.today().isoformat(),
        )
    )
    sys.stdout.write(f"wrote {MODULE_PATH.relative_to(ROOT)} from botocore {botocore.__version__}\n")
