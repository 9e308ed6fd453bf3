"""The reference model really predicts: its inference code loads the committed weights and agrees
with scikit-learn on the iris data set."""

from __future__ import annotations

import importlib.util
import json
import tarfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sagemaker_serving.model_data import _deterministic_tarball

ARTIFACT = Path(__file__).resolve().parents[2] / "stacks" / "reference_model" / "artifact"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inference() -> ModuleType:
    return _load(ARTIFACT / "code" / "inference.py", "reference_inference")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artifact exactly as SageMaker unpacks it to /opt/ml/model."""
    out = tmp_path_factory.mktemp("opt-ml-model")
    with tarfile.open(_deterministic_tarball(ARTIFACT)) as tar:
        tar.extractall(out, filter="data")
    return out


@pytest.mark.parametrize(("weights", "min_accuracy"), [("champion.json", 0.95), ("challenger.json", 0.9)])
def test_predicts_iris_like_scikit_learn(
    inference: ModuleType, model_dir: Path, monkeypatch: pytest.MonkeyPatch, weights: str, min_accuracy: float
) -> None:
    monkeypatch.setenv("MODEL_WEIGHTS", weights)
    model = inference.model_fn(str(model_dir))
    iris = load_iris()
    body = json.dumps({"instances": iris.data.tolist()})
    data = inference.input_fn(body, "application/json")
    prediction = inference.predict_fn(data, model)
    payload, content_type = inference.output_fn(prediction, "application/json")
    assert content_type == "application/json"
    result = json.loads(payload)
    assert result["model"] == weights.removesuffix(".json")
    labels = np.array([list(iris.target_names).index(label) for label in result["labels"]])
    assert (labels == iris.target).mean() >= min_accuracy
    probabilities = np.array(result["probabilities"])
    assert probabilities.shape == (150, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)

    # The committed weights reproduce a freshly trained scikit-learn model's predictions.
    train = _load(ARTIFACT.parent / "train.py", "reference_train")
    fresh = train.train(train.CANDIDATES[weights.removesuffix(".json")])
    agreement = (fresh.predict(iris.data) == labels).mean()
    assert agreement >= 0.99


def test_csv_rows_and_bad_input(inference: ModuleType, model_dir: Path) -> None:
    model = inference.model_fn(str(model_dir))
    data = inference.input_fn(b"5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n", "text/csv")
    assert inference.predict_fn(data, model)["labels"] == ["setosa", "virginica"]
    with pytest.raises(ValueError, match="unsupported content type 'image/png'"):
        inference.input_fn(b"\x89PNG", "image/png")
    with pytest.raises(ValueError, match=r"expected 1 to 10000 rows of 4 features, got shape \(1, 3\)"):
        inference.input_fn("[[1, 2, 3]]", "application/json")
    with pytest.raises(ValueError, match="features must be finite numbers"):
        inference.input_fn('{"instances": [[1, 2, 3, NaN]]}', "application/json")


def test_artifact_holds_code_and_both_weight_files() -> None:
    with tarfile.open(_deterministic_tarball(ARTIFACT)) as tar:
        assert sorted(tar.getnames()) == ["challenger.json", "champion.json", "code/inference.py"]
