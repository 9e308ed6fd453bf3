"""What an inference component runs: a SageMaker model, or a container of its own.

``InferenceComponentSpecification`` (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentSpecification.html)
takes either ``ModelName`` (an existing model: its image, artifact, environment, role, VPC and network
isolation) or ``Container`` (``Image``, ``ArtifactUrl``, ``Environment``: the component runs it with the
endpoint config's execution role). :class:`ComponentModel` is that choice, as an object with a
``bind()``.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sagemaker_serving.model_data import model_data_read_statement

if TYPE_CHECKING:
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_sagemaker as sagemaker

    from sagemaker_serving.container_image import ContainerImage
    from sagemaker_serving.inference_components.component import InferenceComponent
    from sagemaker_serving.model import ModelBase
    from sagemaker_serving.model_data import ModelData

_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
#: ``InferenceComponentContainerSpecification.Environment``: "We support up to 16 entries in the map."
MAX_CONTAINER_ENV_VARS = 16


@dataclass(frozen=True)
class BoundSource:
    """What a source gives the component's ``Specification``."""

    #: ``Specification.ModelName`` (a model) or ``None``.
    model_name: str | None = None
    #: ``Specification.Container`` (a container of its own) or ``None``.
    container: sagemaker.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty | None = None
    #: Permissions the endpoint config's execution role needs for it.
    statements: tuple[iam.PolicyStatement, ...] = field(default=())


class ComponentModel(abc.ABC):
    """What an :class:`~sagemaker_serving.InferenceComponent` runs: :meth:`from_model` or :meth:`from_container`."""

    def problems(self, where: str) -> list[str]:
        """Every rule this source breaks, prefixed with ``where``."""
        return []

    @abc.abstractmethod
    def bind(self, component: InferenceComponent) -> BoundSource:
        """The specification fields and the execution role's statements, for ``component``."""

    @property
    def model(self) -> ModelBase | None:
        """The SageMaker model, for a source made by :meth:`from_model`."""
        return None

    @staticmethod
    def from_model(model: ModelBase) -> ComponentModel:
        """A SageMaker model (a :class:`~sagemaker_serving.Model` or an import): its image, artifact,
        environment, execution role, VPC and network isolation are the model's own."""
        return _ModelSource(model)

    @staticmethod
    def from_container(
        image: ContainerImage, *, model_data: ModelData | None = None, environment: Mapping[str, str] | None = None
    ) -> ComponentModel:
        """A container of the component's own, run with the endpoint config's execution role, which gets the
        right to pull ``image`` and read ``model_data`` (at most 16 environment variables)."""
        return _ContainerSource(image, model_data, dict(environment or {}))


class _ModelSource(ComponentModel):
    def __init__(self, model: ModelBase) -> None:
        self._model = model

    @property
    def model(self) -> ModelBase:
        return self._model

    def problems(self, where: str) -> list[str]:
        from sagemaker_serving.model import ModelBase

        if not isinstance(self._model, ModelBase):
            return [f"{where}: {self._model!r} is not allowed; expected a Model (or Model.from_model_name)"]
        return []

    def bind(self, component: InferenceComponent) -> BoundSource:
        return BoundSource(model_name=self._model.model_name)


class _ContainerSource(ComponentModel):
    def __init__(self, image: ContainerImage, model_data: ModelData | None, environment: dict[str, str]) -> None:
        self._image, self._model_data, self._environment = image, model_data, environment

    def problems(self, where: str) -> list[str]:
        problems = [
            f"{where}.environment: key {key!r} is not allowed; expected [a-zA-Z_][a-zA-Z0-9_]*"
            for key in self._environment
            if not _ENV_KEY.match(key)
        ]
        problems += [
            f"{where}.environment[{key!r}]: {value!r} is not allowed; expected a string of ≤1024 characters"
            for key, value in self._environment.items()
            if not isinstance(value, str) or len(value) > 1024
        ]
        if len(self._environment) > MAX_CONTAINER_ENV_VARS:
            problems.append(
                f"{where}.environment: {len(self._environment)} variables is not allowed; an inference "
                f"component's container takes at most {MAX_CONTAINER_ENV_VARS}"
            )
        return problems

    def bind(self, component: InferenceComponent) -> BoundSource:
        from aws_cdk import aws_sagemaker as sagemaker

        image = self._image.bind(component)
        statements = list(image.pull_statements)
        artifact_url = None
        if self._model_data is not None:
            data = self._model_data.bind(component)
            statements.append(model_data_read_statement(data))
            artifact_url = data.url
        container = sagemaker.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty(
            image=image.image_uri, artifact_url=artifact_url, environment=self._environment or None
        )
        return BoundSource(container=container, statements=tuple(statements))
