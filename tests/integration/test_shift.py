"""``make shift`` rehearsed on moto: the reference prod deployed, its traffic shifted, then redeployed.

moto implements ``UpdateEndpointWeightsAndCapacities``; :mod:`rehearsal.moto_patches` makes it keep what a
request does not give (the instance counts), as SageMaker does. What a deploy that replaces the endpoint
config does to a shifted weight cannot be shown on moto (it does not update an endpoint whose template
JSON is unchanged, and has no ``UpdateEndpoint``): the template shows it instead, below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.moto_server import MotoServer, Target
from stacks.config import AppConfig
from stacks.shift import main as shift_main
from tests.conftest import REFERENCE_CONFIG_FILE

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")

#: Its own region of moto's default account: no other test's stacks there.
TARGET = Target(region="eu-west-3")
STACK = "ModelServing-prod"


def _variants(client: Any) -> dict[str, tuple[float, int]]:
    endpoint = client("sagemaker").describe_endpoint(EndpointName=STACK)
    return {v["VariantName"]: (v["CurrentWeight"], v["CurrentInstanceCount"]) for v in endpoint["ProductionVariants"]}


def test_shift_changes_only_the_weights_and_a_deploy_that_leaves_the_endpoint_alone_keeps_them(
    moto_server: MotoServer,
    reference_config: AppConfig,
    reference_assembly_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SERVING_CONFIG", str(REFERENCE_CONFIG_FILE))  # what `make shift` reads: prod's variants
    moto_server.put_bootstrap_version(target=TARGET)
    client = moto_server.clients(TARGET)
    template_file = reference_assembly_dir / f"{STACK}.template.json"
    assert deploy_stack(moto_server, STACK, template_file, target=TARGET) == "CREATE_COMPLETE"
    try:
        # The endpoint has the stack's name (deployment guardrails) and the configured split.
        outputs = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
        assert {"OutputKey": "EndpointName", "OutputValue": STACK} in [
            {k: o[k] for k in ("OutputKey", "OutputValue")} for o in outputs
        ]
        assert _variants(client) == {"champion": (0.9, 2), "challenger": (0.1, 2)}

        # 1. Shift: 5% to the challenger. Same endpoint, same instances, new weights.
        assert shift_main(["--env", "prod", "--weights", "champion=0.95,challenger=0.05"], client=client) == 0
        printed = capsys.readouterr().out
        assert "\n  champion    0.9 (90.0%) -> 0.95 (95.0%)\n" in printed
        assert "\n  challenger  0.1 (10.0%) -> 0.05 (5.0%)\n" in printed
        assert "The configuration still says champion=0.9, challenger=0.1" in printed
        assert _variants(client) == {"champion": (0.95, 2), "challenger": (0.05, 2)}

        # 2. Drain the challenger (weight 0), then back: 0 is SageMaker's minimum, a valid split.
        assert shift_main(["--env", "prod", "--weights", "champion=1,challenger=0"], client=client) == 0
        assert _variants(client) == {"champion": (1.0, 2), "challenger": (0.0, 2)}
        assert shift_main(["--env", "prod", "--weights", "champion=0.95,challenger=0.05"], client=client) == 0

        # 3. A deploy that changes the stack but not the endpoint (nor its config) leaves the endpoint alone:
        #    the shifted weights stay.
        template = json.loads(template_file.read_text())
        template["Outputs"]["FrontDoorUrl"]["Description"] = "Base URL of the REST front door (redeployed)"
        redeployed = tmp_path / f"{STACK}.template.json"
        redeployed.write_text(json.dumps(template))
        assert deploy_stack(moto_server, STACK, redeployed, target=TARGET) == "UPDATE_COMPLETE"
        assert _variants(client) == {"champion": (0.95, 2), "challenger": (0.05, 2)}

        # 4. Checked against the live endpoint: its variants must be the configuration's, and InService.
        capsys.readouterr()
        sagemaker = client("sagemaker")
        config_name = sagemaker.describe_endpoint(EndpointName=STACK)["EndpointConfigName"]
        sagemaker.delete_endpoint(EndpointName=STACK)
        solo = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)["ProductionVariants"][:1]
        sagemaker.create_endpoint_config(EndpointConfigName="solo", ProductionVariants=solo)
        sagemaker.create_endpoint(EndpointName=STACK, EndpointConfigName="solo")
        assert shift_main(["--env", "prod", "--weights", "champion=0.95,challenger=0.05"], client=client) == 1
        assert (
            f"error: endpoint {STACK} serves variants ['champion'], the configuration has ['challenger', 'champion']: "
            "deploy the configuration first (make deploy ENV=prod)"
        ) in capsys.readouterr().err
        sagemaker.delete_endpoint(EndpointName=STACK)
        sagemaker.create_endpoint(EndpointName=STACK, EndpointConfigName=config_name)
    finally:
        delete_stack(moto_server, STACK, target=TARGET)


def test_an_undeployed_environment_is_named(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVING_CONFIG", str(REFERENCE_CONFIG_FILE))
    client = moto_server.clients(Target(region="eu-north-1"))
    assert shift_main(["--env", "prod", "--weights", "champion=0.5,challenger=0.5"], client=client) == 1
    assert "error: ModelServing-prod is not deployed here (Stack with id ModelServing-prod does not exist)" in (
        capsys.readouterr().err
    )


def test_a_deploy_that_replaces_the_endpoint_config_applies_the_files_weights(
    reference_templates: dict[str, Any],
) -> None:
    """What real CloudFormation does on a model change (moto cannot show it): ``UpdateEndpoint`` with the new
    config; the endpoint retains the variants' instance counts (autoscaling) but not their weights."""
    (endpoint,) = reference_templates["prod"].find_resources("AWS::SageMaker::Endpoint").values()
    (config_id,) = reference_templates["prod"].find_resources("AWS::SageMaker::EndpointConfig")
    properties = endpoint["Properties"]
    assert properties["EndpointConfigName"] == {"Fn::GetAtt": [config_id, "EndpointConfigName"]}
    assert properties["RetainAllVariantProperties"] is True
    assert properties["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DesiredWeight"}]
    assert "RetainDeploymentConfig" not in properties  # the template's guardrails apply to every update
