"""Every environment's synthesised stack, deployed to moto: create, verify, update, verify, delete.

The same checks as ``make deploy-local`` (:func:`rehearsal.verify.verify_stack`), on the session's
cloud assembly (file assets uploaded to the bootstrap bucket the way ``cdk deploy`` does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.deploy_local import target_of
from rehearsal.moto_server import MotoServer
from rehearsal.verify import ClientFactory, Report, Status, failures_text, verify_stack
from stacks.config import AppConfig
from tests.integration.changes import CHANGED_ENVIRONMENT, CHANGED_WEIGHT

# moto warns once per resource type it accepts but does not create; the report lists them instead.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


def _template(assembly: Path, stack_name: str) -> dict[str, Any]:
    template: dict[str, Any] = json.loads((assembly / f"{stack_name}.template.json").read_text())
    return template


def _verify(server: MotoServer, config: AppConfig, env_name: str, assembly: Path) -> Report:
    env = config.environments[env_name]
    report = verify_stack(
        server.clients(target_of(env)),
        stack_name=env.stack_name,
        env=env,
        models=config.models,
        template=_template(assembly, env.stack_name),
    )
    assert report.ok, f"{env.stack_name}:\n{failures_text(report.checks)}\n\n{report.render()}"
    return report


def _physical_ids(client: ClientFactory, stack_name: str, type_name: str) -> set[str]:
    resources = client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    return {r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == type_name}


def _logical_ids(template: dict[str, Any], type_name: str) -> list[str]:
    return [lid for lid, r in template["Resources"].items() if r["Type"] == type_name]


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def test_deploy_update_delete(
    env_name: str,
    moto_server: MotoServer,
    app_config: AppConfig,
    changed_config: AppConfig,
    synthesized: Path,
    changed_assembly_dir: Path,
) -> None:
    stack_name = app_config.environments[env_name].stack_name
    target = target_of(app_config.environments[env_name])  # its account and region, if it names them
    moto_server.put_bootstrap_version(target=target)
    client = moto_server.clients(target)
    sm = client("sagemaker")

    # 1. Create from the synthesised template and check everything against the configuration.
    template_file = synthesized / f"{stack_name}.template.json"
    assert deploy_stack(moto_server, stack_name, template_file, target=target) == "CREATE_COMPLETE"
    report = _verify(moto_server, app_config, env_name, synthesized)
    template_only = {c.name for c in report.of(Status.TEMPLATE)}
    for v in app_config.environments[env_name].instance_variants:
        if v.autoscaling is not None:
            assert f"autoscaling of variant {v.name}" in template_only, report.render()
    # moto ignores DeploymentConfig (it never updates an endpoint in steps): the report says the template has it.
    assert ("deployment guardrails" in template_only) is (app_config.environments[env_name].deployment is not None)
    (endpoint_arn,) = _physical_ids(client, stack_name, "AWS::SageMaker::Endpoint")
    old_configs = _physical_ids(client, stack_name, "AWS::SageMaker::EndpointConfig")
    old_models = _physical_ids(client, stack_name, "AWS::SageMaker::Model")

    # 2. The update, as CloudFormation sees it: same endpoint (updated in place: its name, fixed or not, and
    #    its deployment guardrails unchanged), new endpoint config and models (replaced: their properties are
    #    immutable). The endpoint's EndpointConfigName is a GetAtt of the replaced config, so real
    #    CloudFormation calls UpdateEndpoint: a blue/green switch with no downtime.
    before = _template(synthesized, stack_name)
    after = _template(changed_assembly_dir, stack_name)
    (endpoint_id,) = _logical_ids(before, "AWS::SageMaker::Endpoint")
    (config_id,) = _logical_ids(before, "AWS::SageMaker::EndpointConfig")
    assert _logical_ids(after, "AWS::SageMaker::Endpoint") == [endpoint_id]
    assert after["Resources"][endpoint_id] == before["Resources"][endpoint_id]
    assert after["Resources"][endpoint_id]["Properties"]["EndpointConfigName"] == {
        "Fn::GetAtt": [config_id, "EndpointConfigName"]
    }
    # A fixed name only with the stack's rollback alarms (deployment guardrails), and then the stack's.
    guardrails = app_config.environments[env_name].deployment
    expected_name = stack_name if guardrails is not None and guardrails.rollback_alarms else None
    assert after["Resources"][endpoint_id]["Properties"].get("EndpointName") == expected_name
    assert after["Resources"][config_id]["Properties"] != before["Resources"][config_id]["Properties"]
    for model_id in _logical_ids(before, "AWS::SageMaker::Model"):
        container = after["Resources"][model_id]["Properties"]["PrimaryContainer"]
        assert container["Environment"].items() >= CHANGED_ENVIRONMENT.items()

    # 3. Update the stack on moto.
    changed_template = changed_assembly_dir / f"{stack_name}.template.json"
    assert deploy_stack(moto_server, stack_name, changed_template, target=target) == "UPDATE_COMPLETE"
    new_configs = _physical_ids(client, stack_name, "AWS::SageMaker::EndpointConfig")
    assert new_configs.isdisjoint(old_configs), "the endpoint config was not replaced"
    assert _physical_ids(client, stack_name, "AWS::SageMaker::Model").isdisjoint(old_models)
    assert _physical_ids(client, stack_name, "AWS::SageMaker::Endpoint") == {endpoint_arn}
    (new_config,) = new_configs
    endpoint = sm.describe_endpoint(EndpointName=_name(endpoint_arn))
    if endpoint["EndpointConfigName"] != _name(new_config):
        # moto replaces the endpoint config on update but does not repoint the endpoint: it only
        # updates a resource whose template JSON changed, and the endpoint's (a GetAtt) did not.
        # Real CloudFormation resolves the GetAtt and calls UpdateEndpoint (asserted on the template
        # diff above). moto has no UpdateEndpoint, so do what its own endpoint update does:
        # recreate the endpoint, same name, on the new config.
        tags = sm.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]
        sm.delete_endpoint(EndpointName=endpoint["EndpointName"])
        sm.create_endpoint(EndpointName=endpoint["EndpointName"], EndpointConfigName=_name(new_config), Tags=tags)

    # 4. The endpoint now serves the new model with the new weights.
    report = _verify(moto_server, changed_config, env_name, changed_assembly_dir)
    weights = {
        v["VariantName"]: v["CurrentWeight"]
        for v in sm.describe_endpoint(EndpointName=_name(endpoint_arn))["ProductionVariants"]
    }
    assert set(weights.values()) == {CHANGED_WEIGHT}
    for model_name in _physical_ids(client, stack_name, "AWS::SageMaker::Model"):
        described = sm.describe_model(ModelName=_name(model_name))["PrimaryContainer"]
        assert described["Image"].endswith("/sagemaker-scikit-learn:1.4-2-cpu-py3")
        assert described["Environment"]["MODEL_VERSION"] == "2"
    for old in old_models:
        with pytest.raises(ClientError):
            sm.describe_model(ModelName=_name(old))

    # 5. Delete: the stack and everything it made are gone, except what the template retains on
    # purpose (API Gateway's account-wide CloudWatch role: the account setting still points at it).
    retained = {lid for lid, r in after["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    resources = client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    roles = {
        r["PhysicalResourceId"]
        for r in resources
        if r.get("ResourceType") == "AWS::IAM::Role" and r["LogicalResourceId"] not in retained
    }
    retained_roles = {
        r["PhysicalResourceId"]
        for r in resources
        if r.get("ResourceType") == "AWS::IAM::Role" and r["LogicalResourceId"] in retained
    }
    delete_stack(moto_server, stack_name, target=target)
    with pytest.raises(ClientError, match=r"does not exist|Could not find"):
        sm.describe_endpoint(EndpointName=_name(endpoint_arn))
    live = [
        summary
        for summary in client("cloudformation").list_stacks()["StackSummaries"]
        if summary["StackName"] == stack_name and summary["StackStatus"] != "DELETE_COMPLETE"
    ]
    assert not live
    assert not sm.list_endpoint_configs(NameContains=stack_name)["EndpointConfigs"]
    assert not sm.list_models(NameContains=stack_name)["Models"]
    iam = client("iam")
    for role in roles:
        with pytest.raises(ClientError, match=r"NoSuchEntity|cannot be found"):
            iam.get_role(RoleName=role)
    for role in retained_roles:
        assert iam.get_role(RoleName=role)["Role"]["RoleName"] == role
