"""Inference handlers for the SageMaker scikit-learn serving container.

The container calls ``model_fn`` once, then ``input_fn`` → ``predict_fn`` → ``output_fn`` per
request. ``MODEL_WEIGHTS`` (an environment variable of the SageMaker model) picks the weights file
in the artifact, so one artifact serves both A/B candidates.

Requests: ``application/json`` (``{"instances": [[5.1, 3.5, 1.4, 0.2], ...]}`` or a bare list of
rows) or ``text/csv`` (one row per line). Responses: JSON with a label and class probabilities per row.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

N_FEATURES = 4
MAX_ROWS = 10_000


def model_fn(model_dir: str) -> dict[str, Any]:
    """Load the weights named by ``MODEL_WEIGHTS`` (default ``champion.json``)."""
    name = os.environ.get("MODEL_WEIGHTS", "champion.json")
    with open(os.path.join(model_dir, os.path.basename(name)), encoding="utf-8") as fh:
        spec = json.load(fh)
    return {
        "coef": np.asarray(spec["coef"], dtype=float),
        "intercept": np.asarray(spec["intercept"], dtype=float),
        "classes": list(spec["class_names"]),
        "name": os.path.splitext(os.path.basename(name))[0],
    }


def input_fn(request_body: str | bytes, content_type: str) -> np.ndarray:
    """Parse JSON or CSV rows of four numeric features; ``ValueError`` on anything else."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in ("application/json", "text/csv"):
        raise ValueError(f"unsupported content type {content_type!r}; use application/json or text/csv")
    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8")
    if media_type == "application/json":
        payload = json.loads(request_body)
        rows = payload.get("instances") if isinstance(payload, dict) else payload
    else:
        rows = [[float(x) for x in line.split(",")] for line in request_body.strip().splitlines() if line.strip()]
    data = np.asarray(rows, dtype=float)
    if data.ndim == 1:
        data = data.reshape(1, -1)
    if data.ndim != 2 or data.shape[1] != N_FEATURES or not 1 <= data.shape[0] <= MAX_ROWS:
        raise ValueError(f"expected 1 to {MAX_ROWS} rows of {N_FEATURES} features, got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("features must be finite numbers")
    return data


def predict_fn(data: np.ndarray, model: dict[str, Any]) -> dict[str, Any]:
    """Softmax of the linear scores: a probability per class and the most likely label."""
    scores = data @ model["coef"].T + model["intercept"]
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    labels = [model["classes"][i] for i in probabilities.argmax(axis=1)]
    return {"model": model["name"], "labels": labels, "probabilities": probabilities.round(6).tolist()}


def output_fn(prediction: dict[str, Any], accept: str) -> tuple[str, str]:
    """Serialise as JSON (the only response type)."""
    return json.dumps(prediction), "application/json"
