"""How an instance-based production variant spreads requests over its instances (``RoutingConfig``).

SageMaker's ``ProductionVariantRoutingConfig``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantRoutingConfig.html):

- ``LEAST_OUTSTANDING_REQUESTS``: each request goes to an instance with more capacity to process it,
  the better choice when request times vary (large models, generative models, a pool of inference
  components of different sizes);
- ``RANDOM``: each request goes to a randomly chosen instance, SageMaker's behaviour when no routing is
  configured.

It applies to instance variants and instance pools; serverless variants have no instances to route
between. (The API also has ``PREFIX_AWARE``/``KV_AWARE`` strategies for large language models, with
settings of their own; they are not offered here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from aws_cdk import aws_sagemaker as sagemaker

RoutingStrategy = Literal["LEAST_OUTSTANDING_REQUESTS", "RANDOM"]


@dataclass(frozen=True)
class RequestRouting:
    """A variant's request routing: :meth:`least_outstanding_requests` or :meth:`random`."""

    #: The ``RoutingStrategy`` value.
    strategy: RoutingStrategy

    @staticmethod
    def least_outstanding_requests() -> RequestRouting:
        """Send each request to an instance with more capacity to process it."""
        return RequestRouting("LEAST_OUTSTANDING_REQUESTS")

    @staticmethod
    def random() -> RequestRouting:
        """Send each request to a randomly chosen instance (SageMaker's default)."""
        return RequestRouting("RANDOM")

    def bind(self) -> sagemaker.CfnEndpointConfig.RoutingConfigProperty:
        """The variant's ``RoutingConfig``."""
        from aws_cdk import aws_sagemaker as sagemaker

        return sagemaker.CfnEndpointConfig.RoutingConfigProperty(routing_strategy=self.strategy)


def routing_problems(where: str, routing: object) -> list[str]:
    """Why ``routing`` is not a :class:`RequestRouting`, if it is not."""
    if routing is None or (isinstance(routing, RequestRouting) and routing.strategy in _STRATEGIES):
        return []
    return [
        f"{where}: {routing!r} is not allowed; expected RequestRouting.least_outstanding_requests() "
        "or RequestRouting.random()"
    ]


_STRATEGIES = ("LEAST_OUTSTANDING_REQUESTS", "RANDOM")
