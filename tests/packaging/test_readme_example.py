"""The README's "use the constructs in your own CDK app" example runs, verbatim, against a pip-installed package.

The example is the first ``python`` code block after the ``<!-- example: own-app -->`` marker; the test runs
whatever it says, in an empty folder outside the repository, with the package installed in a fresh venv.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.support.venv import Venv

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- example: own-app -->"


def own_app_example() -> str:
    readme = (ROOT / "README.md").read_text()
    assert readme.count(MARKER) == 1, f"README.md must hold exactly one {MARKER}"
    found = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)\n```", readme, flags=re.DOTALL)
    assert found, f"no ```python block right after {MARKER}"
    return found.group(1) + "\n"


def test_readme_example_is_found() -> None:
    code = own_app_example()
    assert "from sagemaker_serving import" in code and "app.synth()" in code
    compile(code, "README.md", "exec")


def test_readme_own_app_example_synthesises(installed: Venv, tmp_path: Path) -> None:
    app_dir = tmp_path / "my-app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(own_app_example())
    # Today's example points `code` at a copy of the function's folder, as its comment tells users to make;
    # provide it from the installed package (an example that needs no copy simply ignores it).
    packaged = installed.purelib / "sagemaker_serving" / "_runtime" / "front_door"
    shutil.copytree(packaged, app_dir / "vendor" / "front_door", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "cdk.out"

    installed.run("app.py", cwd=app_dir, env={"CDK_OUTDIR": str(out)})

    manifest = json.loads((out / "manifest.json").read_text())
    templates = [json.loads(path.read_text()) for path in out.glob("*.template.json")]
    assert manifest["artifacts"] and templates
    types = {resource["Type"] for template in templates for resource in template["Resources"].values()}
    assert {"AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint"} <= types
