"""The typed model of one environment, as read from its synthesised template (no CDK objects).

One environment is one CloudFormation stack holding SageMaker endpoints; each endpoint has production
variants (instances or serverless), optional autoscaling with scheduled actions, optional inference
components and rollout settings. The front door and network around it are read into
:class:`FrontDoor` and :class:`Network`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScheduledAction:
    """One ``ScheduledActions`` entry of an ``AWS::ApplicationAutoScaling::ScalableTarget``."""

    name: str
    #: ``cron(...)``, ``rate(...)`` or ``at(...)``.
    schedule: str
    #: IANA time zone (``Timezone``; Application Auto Scaling's default is UTC).
    time_zone: str = "UTC"
    min_capacity: int | None = None
    max_capacity: int | None = None


@dataclass(frozen=True)
class Autoscaling:
    """A scalable target and its target-tracking policies."""

    min_capacity: int
    max_capacity: int
    #: ``SageMakerVariantInvocationsPerInstance`` (or ``…InvocationsPerCopy``) target: invocations per
    #: minute per instance (or copy). ``None`` without such a policy.
    target_invocations: float | None = None
    #: Average CPU utilisation target (percent), when a CPU policy exists.
    target_cpu: float | None = None
    schedules: tuple[ScheduledAction, ...] = ()


@dataclass(frozen=True)
class Serverless:
    """``ServerlessConfig`` of a production variant."""

    memory_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class Variant:
    """One production variant: instance-based (``instance_type``) or serverless (``serverless``)."""

    name: str
    weight: float
    instance_type: str | None = None
    initial_count: int | None = None
    serverless: Serverless | None = None
    autoscaling: Autoscaling | None = None
    #: ``ManagedInstanceScaling`` min/max instance counts (inference-component endpoints).
    managed_min: int | None = None
    managed_max: int | None = None

    @property
    def floor(self) -> int:
        """Instances at the minimum: autoscaling's min, managed scaling's min, else the initial count."""
        if self.autoscaling is not None:
            return self.autoscaling.min_capacity
        if self.managed_min is not None:
            return self.managed_min
        return self.initial_count or 0

    @property
    def ceiling(self) -> int:
        """Instances at the maximum."""
        if self.autoscaling is not None:
            return self.autoscaling.max_capacity
        if self.managed_max is not None:
            return self.managed_max
        return self.initial_count or 0


@dataclass(frozen=True)
class InferenceComponent:
    """An ``AWS::SageMaker::InferenceComponent`` on one variant of an endpoint."""

    name: str
    variant_name: str
    copies: int
    autoscaling: Autoscaling | None = None
    cpu_cores: float | None = None
    memory_mb: int | None = None
    accelerators: float | None = None


@dataclass(frozen=True)
class Rollout:
    """``DeploymentConfig`` of an endpoint: how an update replaces its fleet."""

    #: ``blue/green`` or ``rolling``.
    kind: str
    #: ``CANARY``, ``LINEAR`` or ``ALL_AT_ONCE`` (blue/green); ``BATCHES`` (rolling).
    traffic: str
    #: Baking time per step, seconds (``WaitIntervalInSeconds``).
    wait_seconds: int = 0
    #: Steps of traffic shifting (canary: 2; linear: 100 / step; all at once: 1; rolling: batches).
    steps: int = 1
    #: ``TerminationWaitInSeconds`` (blue/green): the old fleet is kept this long after the shift.
    termination_wait_seconds: int = 0
    #: Rolling: instances added per batch (``MaximumBatchSize``); blue/green: ``None`` (whole fleet).
    batch_instances: int | None = None
    #: Canary or linear step size, as written (``INSTANCE_COUNT 1``, ``CAPACITY_PERCENT 10``).
    step_size: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """An ``AWS::SageMaker::Endpoint`` and the endpoint config it deploys."""

    name: str
    variants: tuple[Variant, ...]
    asynchronous: bool = False
    components: tuple[InferenceComponent, ...] = ()
    rollout: Rollout | None = None

    @property
    def inference_option(self) -> str:
        """``real-time``, ``serverless``, ``asynchronous``, ``inference components`` or a mix."""
        if self.components:
            return "real-time, inference components"
        if self.asynchronous:
            return "asynchronous"
        kinds = sorted({"serverless" if v.serverless else "real-time" for v in self.variants})
        return " + ".join(kinds) or "none"


@dataclass(frozen=True)
class RateRule:
    """A WAF rate-based rule: at most ``limit`` requests per ``window_seconds`` per aggregation key."""

    name: str
    limit: int
    window_seconds: int
    aggregate: str


@dataclass(frozen=True)
class Waf:
    """A web ACL associated with the stage."""

    rules: int
    rate_rules: tuple[RateRule, ...] = ()
    managed_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsagePlan:
    """An API Gateway usage plan on the stage; throttle limits apply to each API key."""

    name: str
    rate_limit: float | None = None
    burst_limit: int | None = None
    quota: str | None = None
    keys: int = 0


@dataclass(frozen=True)
class Function:
    """The front door's Lambda function."""

    memory_mb: int
    architecture: str
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class FrontDoor:
    """An API Gateway REST API in front of the endpoint."""

    endpoint_type: str
    auth: tuple[str, ...]
    api_key_required: bool
    integration: str
    stage_rate_limit: float | None = None
    stage_burst_limit: int | None = None
    usage_plans: tuple[UsagePlan, ...] = ()
    waf: Waf | None = None
    function: Function | None = None
    access_logs: bool = False


@dataclass(frozen=True)
class Network:
    """The VPC around the models, when there is one."""

    vpcs: int = 0
    #: Interface VPC endpoints and, for each, the number of subnets (Availability Zones) it is in.
    interface_endpoint_azs: tuple[int, ...] = ()
    gateway_endpoints: int = 0
    nat_gateways: int = 0

    @property
    def interface_endpoints(self) -> int:
        return len(self.interface_endpoint_azs)


@dataclass(frozen=True)
class Environment:
    """One synthesised stack with at least one SageMaker endpoint."""

    #: The environment's name: the ``Environment`` tag, else the stack name.
    name: str
    stack: str
    #: The stack's region, or ``None`` when the stack is environment-agnostic.
    region: str | None
    endpoints: tuple[Endpoint, ...]
    front_door: FrontDoor | None = None
    network: Network = field(default_factory=Network)
    kms_keys: int = 0
    log_groups: int = 0
    #: Resource types present that the plan does not price (named in its output).
    unpriced: tuple[str, ...] = ()
