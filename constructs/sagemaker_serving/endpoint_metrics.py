"""CloudWatch metrics of a SageMaker endpoint, per production variant (a mixin of :class:`EndpointBase`).

Every metric method takes the keyword options of :class:`~sagemaker_serving.MetricOptions` (those of
``aws_cloudwatch.MetricOptions``) and is one metric of one production variant. Invocation metrics are in the
``AWS/SageMaker`` namespace, utilisation metrics in ``/aws/sagemaker/Endpoints``
(https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html; serverless variants publish the
subset listed at https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-monitoring.html).
An asynchronous endpoint's queue metrics (:meth:`EndpointMetrics.metric_backlog`) have the ``EndpointName``
dimension only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Unpack

from sagemaker_serving.metrics import MetricOptions, build_metric

if TYPE_CHECKING:
    from aws_cdk import aws_cloudwatch as cloudwatch

#: The queue metrics of an asynchronous endpoint (``EndpointName`` dimension only).
BacklogMetricName = Literal[
    "ApproximateBacklogSize",
    "ApproximateBacklogSizePerInstance",
    "ApproximateAgeOfOldestRequest",
    "HasBacklogWithoutCapacity",
]


class EndpointMetrics:
    """The metric methods of every endpoint, created here or imported (``endpoint_name`` is the dimension)."""

    endpoint_name: str

    def metric(
        self,
        metric_name: str,
        *,
        variant_name: str,
        namespace: str = "AWS/SageMaker",
        **options: Unpack[MetricOptions],
    ) -> cloudwatch.Metric:
        """A CloudWatch metric of one production variant of this endpoint (``Sum`` per minute by default)."""
        dimensions = {"EndpointName": self.endpoint_name, "VariantName": variant_name}
        return build_metric(namespace, metric_name, dimensions, options)

    def metric_invocations(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests sent to the variant (Sum)."""
        return self.metric("Invocations", variant_name=variant_name, **options)

    def metric_invocations_per_instance(
        self, *, variant_name: str, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Requests per instance (Sum): the usual autoscaling signal."""
        return self.metric("InvocationsPerInstance", variant_name=variant_name, **options)

    def metric_client_errors(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests the model answered with a 4xx (Sum)."""
        return self.metric("Invocation4XXErrors", variant_name=variant_name, **options)

    def metric_server_errors(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Requests the model answered with a 5xx (Sum)."""
        return self.metric("Invocation5XXErrors", variant_name=variant_name, **options)

    def metric_model_latency(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time the model took to answer, in microseconds (p99 by default)."""
        options.setdefault("statistic", "p99")
        return self.metric("ModelLatency", variant_name=variant_name, **options)

    def metric_overhead_latency(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time SageMaker added around the model, in microseconds (p99 by default)."""
        options.setdefault("statistic", "p99")
        return self.metric("OverheadLatency", variant_name=variant_name, **options)

    def metric_cpu_utilization(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Average CPU utilisation of the variant's instances (percent, summed over cores; Average)."""
        options.setdefault("statistic", "Average")
        return self.metric("CPUUtilization", variant_name=variant_name, namespace="/aws/sagemaker/Endpoints", **options)

    def metric_memory_utilization(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Average memory utilisation of the variant's instances or serverless containers (percent; Average)."""
        options.setdefault("statistic", "Average")
        return self.metric(
            "MemoryUtilization", variant_name=variant_name, namespace="/aws/sagemaker/Endpoints", **options
        )

    def metric_disk_utilization(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Average disk utilisation of the variant's instances (percent; Average). Instance variants only."""
        options.setdefault("statistic", "Average")
        return self.metric(
            "DiskUtilization", variant_name=variant_name, namespace="/aws/sagemaker/Endpoints", **options
        )

    def metric_model_setup_time(self, *, variant_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Time to launch new compute for a serverless variant (its cold starts), in microseconds (Maximum by
        default; ``SampleCount`` counts the cold starts). Serverless variants only."""
        options.setdefault("statistic", "Maximum")
        return self.metric("ModelSetupTime", variant_name=variant_name, **options)

    def metric_serverless_concurrency_utilization(
        self, *, variant_name: str, **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """Concurrent executions divided by the variant's maximum concurrency, 0 to 1 (Maximum by default;
        ``ServerlessConcurrentExecutionsUtilization``). Serverless variants only."""
        options.setdefault("statistic", "Maximum")
        return self.metric("ServerlessConcurrentExecutionsUtilization", variant_name=variant_name, **options)

    def metric_backlog(
        self, metric_name: BacklogMetricName = "ApproximateBacklogSize", **options: Unpack[MetricOptions]
    ) -> cloudwatch.Metric:
        """An asynchronous endpoint's queue metric, published with the ``EndpointName`` dimension only (Average per
        minute by default): ``ApproximateBacklogSize``, ``ApproximateBacklogSizePerInstance``,
        ``ApproximateAgeOfOldestRequest`` or ``HasBacklogWithoutCapacity``
        (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html)."""
        return build_metric(
            "AWS/SageMaker", metric_name, {"EndpointName": self.endpoint_name}, options, statistic="Average"
        )
