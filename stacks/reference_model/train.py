"""Train the reference iris classifiers and write their weights into ``artifact/``.

Run by hand (``.venv/bin/python stacks/reference_model/train.py``); the outputs are committed.
The weights are stored as JSON, not a pickle: loading them runs no code and works with any
scikit-learn/numpy version in the serving container.
"""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

ARTIFACT = Path(__file__).with_name("artifact")
#: Two candidates for the A/B test: the same features, different regularisation.
CANDIDATES = {"champion": 1.0, "challenger": 0.1}


def train(c: float) -> LogisticRegression:
    """Fit a multinomial logistic regression on the iris data set."""
    iris = load_iris()
    return LogisticRegression(C=c, max_iter=1000).fit(iris.data, iris.target)


def export(model: LogisticRegression, c: float) -> dict[str, object]:
    """The weights and metadata the inference code needs."""
    iris = load_iris()
    return {
        "format": "linear-softmax/v1",
        "feature_names": list(iris.feature_names),
        "class_names": [str(n) for n in iris.target_names],
        "coef": [[round(float(x), 10) for x in row] for row in model.coef_],
        "intercept": [round(float(x), 10) for x in model.intercept_],
        "hyperparameters": {"C": c, "max_iter": 1000},
    }


def main() -> None:
    """Train every candidate and write ``artifact/<name>.json``."""
    for name, c in CANDIDATES.items():
        out = ARTIFACT / f"{name}.json"
        out.write_text(json.dumps(export(train(c), c), indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
