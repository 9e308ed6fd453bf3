"""Loading a run's predictions somewhere consumers read them: :class:`PredictionLoading` and :class:`DynamoDbLoading`.

A loading is an object with :meth:`~PredictionLoading.bind`, as API Gateway integrations are: the
:class:`~sagemaker_serving.batch.BatchPredictions` construct asks it for the states to run after the
transform job and never asks which kind it is.

:class:`DynamoDbLoading` uses Step Functions' own machinery, no function to maintain: a Distributed Map
lists the run's output objects (``ItemReader`` ``s3:listObjectsV2``) and, for each object, a nested
Distributed Map reads it as JSON Lines (``ItemReader`` ``s3:getObject`` with ``InputType: JSONL``) and
writes every line with the optimised DynamoDB ``PutItem`` integration, which Step Functions retries
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html,
https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html). DynamoDB's ``ImportTable`` was
not chosen: it always creates a new table, so consumers would have to follow a new table name each run.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from sagemaker_serving.compliance import acknowledge

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_stepfunctions as sfn

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")


@dataclass(frozen=True)
class LoadingContext:
    """What a loading needs from the batch construct when it binds."""

    #: Where the transform job wrote the run's predictions.
    bucket: s3.IBucket
    #: JSONPath of the run's output key prefix in the state (``<output_prefix><execution name>/``).
    output_prefix_path: str
    #: JSONPath of the transform job's name in the state.
    job_name_path: str


@dataclass(frozen=True)
class LoadingBinding:
    """What :meth:`PredictionLoading.bind` returns: the first and last states to chain after the transform."""

    start: sfn.IChainable
    end: sfn.INextable


class PredictionLoading(abc.ABC):
    """Where a run's predictions go after the transform job; see :class:`DynamoDbLoading`."""

    @abc.abstractmethod
    def problems(self, *, writes_json_lines: bool) -> list[str]:
        """Every rule this loading breaks (``writes_json_lines``: the job writes one JSON document per line)."""

    @abc.abstractmethod
    def bind(self, scope: Construct, context: LoadingContext) -> LoadingBinding:
        """Create the loading's resources and states under ``scope``."""


class DynamoDbLoading(PredictionLoading):
    """Write each prediction (one JSON Lines record of the output) as an item of a DynamoDB table.

    Each item is ``{pk: <record[partition_key_field]> as a string, prediction: <the record as JSON>,
    job: <transform job name>}``; a later run overwrites the same keys, so the table holds the latest
    prediction per key. The output must be JSON Lines (``TransformOptions(accept="application/jsonlines",
    assemble_with="Line")``, the defaults); ``join_source="Input"`` keeps the input's key in each record.

    :param partition_key_field: the field of each output record that holds its key (e.g. ``id``).
    :param table: an existing table whose partition key is the string attribute ``pk``. Default: a new table.
    :param max_concurrency: objects and writes in flight at once (1-1000), per level. Default 50.

    Attributes after binding: ``table`` (given or created: on-demand, a customer-managed KMS key with
    rotation, point-in-time recovery), ``put_item``.
    """

    def __init__(
        self,
        *,
        partition_key_field: str,
        table: dynamodb.ITable | None = None,
        max_concurrency: int = 50,
    ) -> None:
        """Describe the loading."""
        self.partition_key_field = partition_key_field
        self.max_concurrency = max_concurrency
        self._given_table = table
        self.table: dynamodb.ITable | None = table
        self.put_item: sfn.IChainable | None = None

    def problems(self, *, writes_json_lines: bool) -> list[str]:
        """The key field is a plain field name; concurrency in range; the output is JSON Lines."""
        problems = []
        field = self.partition_key_field
        if not isinstance(field, str) or not _FIELD.match(field):
            problems.append(
                f"loading.partition_key_field: {field!r} is not allowed; expected a field name "
                "(letters, digits and _, not starting with a digit)"
            )
        value = self.max_concurrency
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            problems.append(f"loading.max_concurrency: {value!r} is not allowed; must be an integer from 1 to 1000")
        if not writes_json_lines:
            problems.append(
                "loading: DynamoDbLoading reads the predictions as JSON Lines; set transform.accept = "
                "'application/jsonlines' and transform.assemble_with = 'Line'"
            )
        return problems

    def bind(self, scope: Construct, context: LoadingContext) -> LoadingBinding:
        """The table (created when none was given) and the two nested Distributed Maps."""
        from aws_cdk import aws_stepfunctions as sfn

        if self._given_table is None:
            self.table = _new_table(scope)
        assert self.table is not None
        put_item = self.put_item = _put_item(scope, self.table, self.partition_key_field)
        records = sfn.DistributedMap(
            scope,
            "LoadRecords",
            item_reader=sfn.S3JsonLItemReader(bucket=context.bucket, key=sfn.JsonPath.string_at("$.key")),
            item_selector={
                "record": sfn.JsonPath.object_at("$$.Map.Item.Value"),
                "job": sfn.JsonPath.string_at("$.job"),
            },
            max_concurrency=self.max_concurrency,
            map_execution_type=sfn.StateMachineType.EXPRESS,
            result_path=sfn.JsonPath.DISCARD,
        )
        records.item_processor(put_item)
        objects = sfn.DistributedMap(
            scope,
            "LoadPredictions",
            item_reader=sfn.S3ObjectsItemReader(
                bucket=context.bucket, prefix=sfn.JsonPath.string_at(context.output_prefix_path)
            ),
            item_selector={
                "key": sfn.JsonPath.string_at("$$.Map.Item.Value.Key"),
                "job": sfn.JsonPath.string_at(context.job_name_path),
            },
            max_concurrency=self.max_concurrency,
            result_path=sfn.JsonPath.DISCARD,
        )
        objects.item_processor(records)
        return LoadingBinding(start=objects, end=objects)


def _new_table(scope: Construct) -> dynamodb.Table:
    """The predictions table: on-demand, a customer-managed KMS key with rotation, point-in-time recovery."""
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms

    key = kms.Key(scope, "TableKey", description="Encrypts the predictions table", enable_key_rotation=True)
    table = dynamodb.Table(
        scope,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    acknowledge(
        table.node.default_child,  # type: ignore[arg-type]
        ["HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"],
        "Predictions are made again by every run; point-in-time recovery (35 days) is on for mistakes, "
        "so no AWS Backup plan is created for this table.",
    )
    return table


def _put_item(scope: Construct, table: dynamodb.ITable, partition_key_field: str) -> sfn.IChainable:
    """``PutPrediction``: one record as one item (``pk``, ``prediction``, ``job``), retried when throttled."""
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    put_item = tasks.DynamoPutItem(
        scope,
        "PutPrediction",
        table=table,
        item={
            "pk": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.format("{}", sfn.JsonPath.string_at(f"$.record.{partition_key_field}"))
            ),
            "prediction": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.record"))
            ),
            "job": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.job")),
        },
        result_path=sfn.JsonPath.DISCARD,
    )
    put_item.add_retry(
        errors=["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException"],
        interval=cdk.Duration.seconds(1),
        max_attempts=6,
        backoff_rate=2,
    )
    return put_item
