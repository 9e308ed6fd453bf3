"""The README's "use the constructs in your own CDK app" example runs, verbatim, against a pip-installed package.

The example is the first ``python`` code block after the ``<!-- example: own-app -->`` marker; the test runs
whatever it says, in an empty folder outside the repository, with the package installed in a fresh venv.
"""

from __future__ import annotations

import json
import re
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
    (app_dir / "app.py").write_text(own_app_example())  # alone: no file of this repository beside it
    out = tmp_path / "cdk.out"

    installed.run("app.py", cwd=app_dir, env={"CDK_OUTDIR": str(out)})

    manifest = json.loads((out / "manifest.json").read_text())
    templates = [json.loads(path.read_text()) for path in out.glob("*.template.json")]
    assert manifest["artifacts"] and templates
    resources = [resource for template in templates for resource in template["Resources"].values()]
    types = {resource["Type"] for resource in resources}
    assert {
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApiGateway::RestApi",
        "AWS::Lambda::Function",
    } <= types
    (target,) = [r for r in resources if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"]
    assert target["Properties"]["ScheduledActions"], "the example's ScheduledCapacity"
    (function,) = [r for r in resources if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["MemorySize"] == 512
    methods = [
        r for r in resources if r["Type"] == "AWS::ApiGateway::Method" and r["Properties"]["HttpMethod"] != "OPTIONS"
    ]
    assert methods and {m["Properties"]["AuthorizationType"] for m in methods} == {"AWS_IAM"}
    # The function's code is the package's own copy: the asset was staged from the installed package.
    code_assets = [path for path in out.glob("asset.*") if (path / "handler.py").is_file()]
    assert code_assets and (code_assets[0] / "contract.py").is_file()
    # grant_invoke: the caller's policy allows execute-api:Invoke.
    policies = [r for r in resources if r["Type"] == "AWS::IAM::Policy"]
    assert any(
        "execute-api:Invoke" in json.dumps(statement.get("Action"))
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    )
