"""The routes of an asynchronous endpoint: ``POST /async-invocations``, ``GET /async-invocations/{inference_id}``.

A mixin of :class:`routes.FrontDoor` (see its module docstring for the answers): it uses the front door's
request checks and model answers, the SageMaker client (``InvokeEndpointAsync``) and
:class:`async_store.AsyncStore`. The inference id is the function's own, a UUID4 in hex, passed to SageMaker
as ``InferenceId``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import contract
from async_store import AsyncStore
from sagemaker_client import HttpError, SageMakerClient, clean_message

Event = dict[str, Any]
Answer = dict[str, Any]


class AsyncRoutes:
    """The asynchronous routes; :class:`routes.FrontDoor` provides the request checks and the model's answer."""

    store: AsyncStore | None
    client: SageMakerClient

    def _request(self, event: Event, log: dict[str, Any]) -> tuple[bytes, str, str | None, str | None]:
        raise NotImplementedError  # routes.FrontDoor's

    def _accept(self, event: Event) -> str | None:
        raise NotImplementedError  # routes.FrontDoor's

    def _model_answer(
        self, body: bytes, content_type: str | None, accept: str | None, headers: dict[str, str], log: dict[str, Any]
    ) -> Answer:
        raise NotImplementedError  # routes.FrontDoor's

    # ----------------------------------------------------------------------
    # POST /async-invocations, GET /async-invocations/{inference_id}
    # ----------------------------------------------------------------------
    def async_invocations(self, event: Event, log: dict[str, Any]) -> Answer:
        """Store the body, queue it with ``InvokeEndpointAsync``, keep the answer, and answer 202."""
        assert self.store is not None  # async mode
        body, content_type, accept, custom = self._request(event, log)
        inference_id = uuid.uuid4().hex
        log["inference_id"] = inference_id
        input_location = self.store.put_input(inference_id, body, content_type, log)
        queued = self.client.invoke_async(
            input_location=input_location,
            inference_id=inference_id,
            content_type=content_type,
            accept=accept,
            custom_attributes=custom,
            log=log,
        )
        record = {
            "inferenceId": inference_id,
            "outputLocation": queued.output_location,
            "failureLocation": queued.failure_location,
        }
        self.store.put_record(inference_id, record, log)
        log["async_status"] = "InProgress"
        return _json_answer(
            202,
            {**record, "status": "InProgress"},
            {
                "Location": _result_path(event, inference_id),
                "Retry-After": str(contract.ASYNC_RETRY_AFTER_SECONDS),
                "X-Inference-Id": inference_id,
            },
        )

    def async_result(self, event: Event, inference_id: str, log: dict[str, Any]) -> Answer:
        """200 with the result, 424 with the failure, or 202 while SageMaker has written neither."""
        assert self.store is not None  # async mode
        log["inference_id"] = inference_id
        record = self.store.get_record(inference_id, log)
        if record is None:
            raise HttpError(404, "InferenceNotFound", "No such asynchronous inference (or its records expired)")
        headers = {"X-Inference-Id": inference_id}
        result = self.store.get(record.get("outputLocation", ""), log)
        if result is not None:
            log["async_status"] = "Completed"
            return self._model_answer(result.body, result.content_type, self._accept(event), headers, log)
        failure = self.store.get(record.get("failureLocation", ""), log)
        if failure is not None:
            log["async_status"] = "Failed"
            message = failure.body[: 4 * 1024].decode("utf-8", "replace").strip() or "The inference failed"
            raise HttpError(424, "InferenceFailed", clean_message(message), headers)
        log["async_status"] = "InProgress"
        return _json_answer(
            202,
            {"inferenceId": inference_id, "status": "InProgress"},
            {**headers, "Retry-After": str(contract.ASYNC_RETRY_AFTER_SECONDS)},
        )


def _json_answer(status: int, payload: dict[str, Any], headers: dict[str, str]) -> Answer:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(payload),
        "isBase64Encoded": False,
    }


def _result_path(event: Event, inference_id: str) -> str:
    """The URL path of ``GET /async-invocations/{id}`` as the caller reached this API (stage or base path
    included: ``requestContext.path``), else from the API's root."""
    context = event.get("requestContext")
    path = context.get("path") if isinstance(context, dict) else None
    if isinstance(path, str) and path.rstrip("/").endswith("/async-invocations"):
        return f"{path.rstrip('/')}/{inference_id}"
    return f"/async-invocations/{inference_id}"
