"""Lambda entry point (``handler.handler``) of the SageMaker front door behind an API Gateway REST API.

The folder is the function's code root (python3.12, boto3 from the runtime, the Powertools v3 layer):
``contract`` holds the values shared with the CDK construct, ``settings`` reads the environment,
``sagemaker_client`` calls SageMaker and ``routes`` answers API Gateway. Everything is built once per
execution environment, here; a bad setting fails the import (``settings.SettingsError``).
"""

from __future__ import annotations

from routes import FrontDoor
from settings import Settings

front_door = FrontDoor(Settings.from_environ())
handler = front_door.handle
