"""``python -m sagemaker_serving.plan [cdk.out] [--env NAME] [--json] [--compare BASE] …``."""

import sys

from sagemaker_serving.plan.cli import main

sys.exit(main())
