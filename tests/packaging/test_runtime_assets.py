"""``sagemaker_serving.runtime_assets`` in a checkout: the repository's function folder and its contract.

The installed and editable cases are in ``test_install.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sagemaker_serving import runtime_assets
from tests.support.front_door_runtime import load_runtime

ROOT = Path(__file__).resolve().parents[2]
CODE_DIR = ROOT / "lambda" / "front_door"


def test_a_checkout_uses_the_repository_folder() -> None:
    assert not runtime_assets.PACKAGED_FRONT_DOOR_DIR.exists()  # only a built package has it
    assert runtime_assets.front_door_code_dir() == CODE_DIR
    assert (CODE_DIR / "handler.py").is_file() and (CODE_DIR / "contract.py").is_file()


def test_the_contract_is_the_functions_own_module_and_fully_typed() -> None:
    (functions_contract,) = load_runtime("contract")
    public = {
        name for name in vars(functions_contract) if name.isupper() or name in ("backoff_ms", "worst_case_budget_ms")
    }
    public -= {"Final"}

    contract = runtime_assets.front_door_contract()

    typed = set(runtime_assets.FrontDoorContract.__annotations__) | {"backoff_ms", "worst_case_budget_ms"}
    assert typed == public  # every value of contract.py has a typed accessor, and nothing else
    for name in sorted(public - {"backoff_ms", "worst_case_budget_ms"}):
        assert getattr(contract, name) == getattr(functions_contract, name), name
    assert contract.MAX_BODY_BYTES == 4_521_984
    assert contract.worst_case_budget_ms(connect_ms=1000, read_ms=9000, attempts=2) == 20_200
    assert runtime_assets.front_door_contract() is contract  # loaded once


def test_a_copy_that_lacks_values_is_refused_with_every_problem(tmp_path: Path) -> None:
    source = (CODE_DIR / "contract.py").read_text()
    broken = source.replace(
        "MAX_BODY_BYTES: Final = (LAMBDA_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_BYTES) * 3 // 4",
        'MAX_BODY_BYTES: Final = "4521984"',
    ).replace("def backoff_ms(", "def _backoff_ms(")
    assert broken.count('"4521984"') == 1
    broken = broken.replace("ENV_BINARY_MEDIA_TYPES: Final", "_ENV_BINARY_MEDIA_TYPES: Final")
    (tmp_path / "contract.py").write_text(broken)

    with pytest.raises(TypeError) as raised:
        runtime_assets.load_front_door_contract(tmp_path)

    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'contract.py'} is not the front-door contract this package expects: ")
    assert "MAX_BODY_BYTES: expected int, found '4521984'" in message
    assert "ENV_BINARY_MEDIA_TYPES: expected str, found None" in message
    assert "backoff_ms: expected a function" in message


def test_loading_writes_no_bytecode_and_a_missing_file_says_so(tmp_path: Path) -> None:
    shutil.copy(CODE_DIR / "contract.py", tmp_path / "contract.py")

    assert runtime_assets.load_front_door_contract(tmp_path).SERVERLESS_MAX_BODY_BYTES == 4 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.py"]
    with pytest.raises(FileNotFoundError):
        runtime_assets.load_front_door_contract(tmp_path / "missing")


def test_reading_the_contract_imports_neither_boto3_nor_powertools() -> None:
    code = (
        "import sys; from sagemaker_serving import runtime_assets; runtime_assets.front_door_contract(); "
        "print(sorted(m for m in ('boto3', 'botocore', 'aws_lambda_powertools', 'aws_cdk') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "constructs", check=True, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]"


def test_the_wheel_lists_every_module_of_the_function_folder() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package = "sagemaker_serving._runtime.front_door"

    assert setuptools["package-dir"][package] == "lambda/front_door"
    assert sorted(setuptools["py-modules"]) == sorted(f"{package}.{p.stem}" for p in CODE_DIR.glob("*.py"))
