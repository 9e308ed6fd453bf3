"""The values the front-door construct shares with its Lambda function, read from the function's own code.

They are defined once, in ``contract.py`` of the function's code folder (``lambda/front_door`` in the
repository, ``sagemaker_serving/_runtime/front_door`` in an installed package; see
:mod:`sagemaker_serving.runtime_assets`): the environment variable names and defaults, the body-size
limits, the serving statuses, the retry back-off and the worst-case time budget. This module loads that
very file, so the construct cannot configure the function with a value the function does not expect.
"""

from __future__ import annotations

from sagemaker_serving.runtime_assets import FrontDoorContract, front_door_code_dir, front_door_contract

#: The function's code folder (the default ``LambdaIntegration.code``).
CODE_DIR = front_door_code_dir()
#: ``contract.py`` of :data:`CODE_DIR`, typed.
contract: FrontDoorContract = front_door_contract()

__all__ = ["CODE_DIR", "contract"]
