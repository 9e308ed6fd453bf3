"""The front door's CloudWatch metrics (a mixin of :class:`~sagemaker_serving.FrontDoor`).

Per stage (API Gateway's ``AWS/ApiGateway`` metrics, through ``apigateway.Stage``'s own metric methods) and,
with :class:`~sagemaker_serving.LambdaIntegration`, of the front-door function. Every method takes the keyword
options of :class:`~sagemaker_serving.MetricOptions` (those of ``aws_cloudwatch.MetricOptions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from sagemaker_serving.errors import raise_if_problems
from sagemaker_serving.metrics import MetricOptions, check_metric_options

if TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_lambda as lambda_

    from sagemaker_serving.front_door.integrations.base import FrontDoorIntegration


class FrontDoorMetrics:
    """The metric methods of the front door: its stage's, and its function's (Lambda integration only)."""

    stage: apigateway.Stage
    function: lambda_.Function | None
    integration: FrontDoorIntegration

    def metric_client_errors(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """4XX responses of the stage (Sum over 5 minutes unless ``statistic`` / ``period`` say otherwise)."""
        check_metric_options(options)
        return self.stage.metric_client_error(**options)

    def metric_server_errors(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """5XX responses of the stage (Sum over 5 minutes unless ``statistic`` / ``period`` say otherwise)."""
        check_metric_options(options)
        return self.stage.metric_server_error(**options)

    def metric_latency(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time from request to response, in ms (Average over 5 minutes unless ``statistic`` is given)."""
        check_metric_options(options)
        return self.stage.metric_latency(**options)

    def metric_integration_latency(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time spent in the integration (Lambda or SageMaker), in ms (Average over 5 minutes by default)."""
        check_metric_options(options)
        return self.stage.metric_integration_latency(**options)

    def metric_count(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests to the stage (Sum over 5 minutes unless ``statistic`` / ``period`` say otherwise)."""
        check_metric_options(options)
        return self.stage.metric_count(**options)

    def metric_function_errors(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations of the front-door function that failed (Sum over 5 minutes by default). Lambda only."""
        return self._function_or_raise("metric_function_errors").metric_errors(**_checked(options))

    def metric_function_throttles(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations of the front-door function that Lambda throttled (Sum over 5 minutes). Lambda only."""
        return self._function_or_raise("metric_function_throttles").metric_throttles(**_checked(options))

    def metric_function_duration(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Run time of the front-door function, in ms (Average over 5 minutes by default). Lambda only."""
        return self._function_or_raise("metric_function_duration").metric_duration(**_checked(options))

    def _function_or_raise(self, method: str) -> lambda_.Function:
        if self.function is None:
            raise_if_problems(
                "Invalid front door metric",
                [
                    f"{method}: this front door has no function ({type(self.integration).__name__}); "
                    "use LambdaIntegration"
                ],
            )
        assert self.function is not None
        return self.function


def _checked(options: MetricOptions) -> MetricOptions:
    check_metric_options(options)
    return options
