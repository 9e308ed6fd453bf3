"""Monitoring of a serving endpoint: alarms, an SNS topic and a dashboard (:class:`ServingMonitoring`).

Public names (imported lazily, like the package's): ``ServingMonitoring``, ``AlarmThresholds``, ``NamedAlarm``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker_serving._lazy import load

_EXPORTS = {
    "ServingMonitoring": "monitoring",
    "AlarmThresholds": "thresholds",
    "NamedAlarm": "alarms",
}
__all__ = ["AlarmThresholds", "NamedAlarm", "ServingMonitoring"]

if TYPE_CHECKING:
    from sagemaker_serving.monitoring.alarms import NamedAlarm
    from sagemaker_serving.monitoring.monitoring import ServingMonitoring
    from sagemaker_serving.monitoring.thresholds import AlarmThresholds


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, globals())
