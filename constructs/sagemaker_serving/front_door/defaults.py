"""The front door's defaults, stated once.

:class:`~sagemaker_serving.FrontDoor` and :class:`~sagemaker_serving.LambdaIntegration` take their
defaults from here, and so can a configuration layer (the reference app's ``stacks/config/front_door.py`` does),
without importing any aws_cdk module. The Lambda function's own defaults (SageMaker timeouts and attempts,
content types, log level, Powertools names) are in its ``contract.py``
(:mod:`sagemaker_serving.runtime_assets`).
"""

from __future__ import annotations

from typing import Final

#: The API's stage.
STAGE_NAME: Final = "v1"
#: Stage-wide steady-state requests per second (all callers).
THROTTLING_RATE_LIMIT: Final = 50.0
#: Stage-wide burst.
THROTTLING_BURST_LIMIT: Final = 100
#: Content types API Gateway treats as binary (base64 to the function); JSON and CSV stay text.
BINARY_MEDIA_TYPES: Final = ("image/*", "application/octet-stream", "application/x-npy")
#: Retention of the access log and function log groups, in days (CloudWatch Logs' ``THREE_MONTHS``).
LOG_RETENTION_DAYS: Final = 90
#: API Gateway execution logging (``OFF``, ``ERROR`` or ``INFO``; data trace is always off).
EXECUTION_LOG_LEVEL: Final = "ERROR"
#: Whether the front door sets the account's API Gateway CloudWatch role (an account-wide setting).
CLOUD_WATCH_ROLE: Final = False
#: The Lambda integration's memory in MB.
MEMORY_SIZE_MB: Final = 256
