"""The batch example (examples/batch.toml) deployed on the moto rehearsal: what moto emulates is checked there.

moto 5.2.5 creates the Step Functions state machine (definition, role, logging and tracing settings), the
EventBridge rule and its target, the S3 buckets, KMS keys, the SNS topic, the DynamoDB table and the IAM
roles from CloudFormation. It accepts but does not create ``AWS::Scheduler::Schedule`` (no CloudFormation
support in moto), and it cannot run a transform job: the schedule and the ``.sync`` run are checked by the
template tests (tests/constructs/batch, tests/stacks/test_examples.py).
"""

from __future__ import annotations

import json

import pytest

from rehearsal.deploy import delete_stack, deploy_stack
from rehearsal.moto_server import MotoServer
from tests.conftest import ROOT, synthesised_example

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto:UserWarning")


def test_batch_example_deploys_on_moto(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    example = synthesised_example(ROOT / "examples" / "batch.toml", tmp_path_factory)
    (env,) = example.config.environments.values()
    template_file = example.assembly_dir / f"{env.stack_name}.template.json"
    template = json.loads(template_file.read_text())
    assert deploy_stack(moto_server, env.stack_name, template_file) == "CREATE_COMPLETE"
    try:
        cfn = moto_server.client("cloudformation")
        physical = {
            r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
            for r in cfn.describe_stack_resources(StackName=env.stack_name)["StackResources"]
            if "LogicalResourceId" in r
        }
        by_type = {
            t: [lid for lid, r in template["Resources"].items() if r["Type"] == t]
            for t in (
                "AWS::StepFunctions::StateMachine",
                "AWS::Events::Rule",
                "AWS::DynamoDB::Table",
                "AWS::SNS::Topic",
            )
        }
        (machine_id,) = by_type["AWS::StepFunctions::StateMachine"]
        machine = moto_server.client("stepfunctions").describe_state_machine(stateMachineArn=physical[machine_id])
        definition = json.loads(machine["definition"])
        transform = definition["States"]["Transform"]
        assert transform["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"
        assert transform["Parameters"]["TransformResources"]["InstanceCount"] == 2
        assert definition["States"]["LoadPredictions"]["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
        assert machine["roleArn"].startswith("arn:aws:iam::")
        (rule_id,) = by_type["AWS::Events::Rule"]
        events = moto_server.client("events")
        rule_name = physical[rule_id].split("|")[0].rsplit("/", 1)[-1]
        pattern = json.loads(events.describe_rule(Name=rule_name)["EventPattern"])
        assert pattern["detail-type"] == ["Object Created"]
        targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
        assert [t["Arn"] for t in targets] == [physical[machine_id]]
        (table_id,) = by_type["AWS::DynamoDB::Table"]
        table = moto_server.client("dynamodb").describe_table(TableName=physical[table_id])["Table"]
        assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
        (topic_id,) = [t for t in by_type["AWS::SNS::Topic"] if t.startswith("Batch")]  # not the alarm topic
        attributes = moto_server.client("sns").get_topic_attributes(TopicArn=physical[topic_id])["Attributes"]
        assert attributes.get("KmsMasterKeyId")
    finally:
        delete_stack(moto_server, env.stack_name)


def test_the_rehearsal_report_lists_what_moto_does_not_emulate(tmp_path_factory: pytest.TempPathFactory) -> None:
    from rehearsal.verify import TEMPLATE_ONLY, skipped_summary

    example = synthesised_example(ROOT / "examples" / "batch.toml", tmp_path_factory)
    (template,) = (t.to_json() for t in example.templates.values())
    assert "AWS::Scheduler::Schedule" in TEMPLATE_ONLY
    line = skipped_summary({"AWS::Scheduler::Schedule", "AWS::CloudWatch::Alarm"}, template)
    count = sum(
        r["Type"] in {"AWS::Scheduler::Schedule", "AWS::CloudWatch::Alarm"} for r in template["Resources"].values()
    )
    assert count >= 2  # the schedule, the failure alarm (and the monitoring's alarms)
    assert line.startswith(
        f"moto skipped {count} resource(s) of 2 type(s) it does not emulate: checked by the template tests"
    )
