"""What each synthesised environment runs, costs and can serve, read from its CloudFormation template.

``python -m sagemaker_serving.plan [cdk.out] [--env NAME] [--json] [--compare BASE] [--chart FILE]``
(``make plan`` in this repository) reads a cloud assembly, so it works for any app built with these
constructs. Pure Python: no AWS call, no CDK or jsii import. Modules:

- :mod:`~sagemaker_serving.plan.assembly`, :mod:`~sagemaker_serving.plan.read_endpoints`,
  :mod:`~sagemaker_serving.plan.read_front_door`: templates → :mod:`~sagemaker_serving.plan.model`;
- :mod:`~sagemaker_serving.plan.cron`, :mod:`~sagemaker_serving.plan.weekly`: scheduled actions over a week;
- :mod:`~sagemaker_serving.plan.prices` (``prices.toml``), :mod:`~sagemaker_serving.plan.cost`: the estimate;
- :mod:`~sagemaker_serving.plan.capacity`: front door against endpoint;
- :mod:`~sagemaker_serving.plan.render_text`, :mod:`~sagemaker_serving.plan.render_json`,
  :mod:`~sagemaker_serving.plan.chart`, :mod:`~sagemaker_serving.plan.compare`: output.
"""

from __future__ import annotations

from sagemaker_serving.plan.cfn import PlanError
from sagemaker_serving.plan.cost import Assumptions
from sagemaker_serving.plan.planner import EnvironmentPlan, plan_assembly, plan_environment
from sagemaker_serving.plan.prices import PRICE_FILE, load_prices

__all__ = [
    "PRICE_FILE",
    "Assumptions",
    "EnvironmentPlan",
    "PlanError",
    "load_prices",
    "plan_assembly",
    "plan_environment",
]
