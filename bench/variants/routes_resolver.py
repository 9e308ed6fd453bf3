"""A variant of ``lambda/front_door/routes.py`` on Powertools' ``APIGatewayRestResolver``, for the benchmark.

``python bench/front_door.py --resolver-variant`` runs a copy of ``lambda/front_door`` in which this file is
``routes.py`` and the real ``routes.py`` is ``routes_base.py``. The variant is the real ``FrontDoor`` with one
step swapped: :meth:`FrontDoor._answer`, where the resolver routes (on ``path``; the registered 405 routes answer
wrong methods), calls the real routes, maps ``HttpError`` and unexpected exceptions to the real JSON envelope
through ``exception_handler``/``not_found``, and builds the answers (``multiValueHeaders``). The request checks,
the SageMaker calls, the access/EMF record and CORS are the real code, so the two differ by the resolver alone
(Powertools' own CORS would add ``Access-Control-Allow-Headers`` and no ``Vary: Origin``). The asynchronous and
component routes are left out: the benchmark calls ``POST /invocations``. Why the function does not use the
resolver: ``docs/front_door_handler.md``, "Powertools' resolver".
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from async_store import AsyncStore
from messages import error_answer
from routing import _VARIANT_RE
from sagemaker_client import HttpError, SageMakerClient, internal_error
from settings import Settings

if TYPE_CHECKING:  # what bench/front_door.py copies in as routes_base.py
    from routes import Answer, Event
    from routes import FrontDoor as RealFrontDoor
else:
    from routes_base import Answer, Event
    from routes_base import FrontDoor as RealFrontDoor


def _response(answer: Answer) -> Response[str]:
    """The real routes' proxy answer as the resolver's ``Response``."""
    response: Response[str] = Response(answer["statusCode"], None, answer["body"], answer["headers"])
    response.base64_encoded = answer["isBase64Encoded"]
    return response


class FrontDoor(RealFrontDoor):
    """The real function, with Powertools' resolver routing each event."""

    def __init__(
        self, settings: Settings, client: SageMakerClient | None = None, store: AsyncStore | None = None
    ) -> None:
        super().__init__(settings, client, store)
        self.resolver = self._build_resolver()

    def _answer(self, event: Event, log: dict[str, Any], request_id: str) -> Answer:
        path, method = event.get("path"), event.get("httpMethod")
        routed = {
            **event,
            "path": path if isinstance(path, str) else "",
            "httpMethod": method if isinstance(method, str) else "",
        }
        self.resolver.append_context(log=log, request_id=request_id)  # type: ignore[no-untyped-call]
        answer: Answer = self.resolver.resolve(routed, None)  # type: ignore[arg-type]  # no route reads it
        answer.setdefault("headers", {})  # where the real CORS step writes; API Gateway merges both maps
        return answer

    def _build_resolver(self) -> APIGatewayRestResolver:
        app = APIGatewayRestResolver()
        others = ["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

        def log() -> dict[str, Any]:
            value: dict[str, Any] = app.context["log"]
            return value

        @app.post("/invocations")
        def invocations() -> Response[str]:
            log()["route"] = "invocations"
            return _response(self.invocations(app.current_event.raw_event, None, log()))

        @app.post("/variants/<variant>/invocations")
        def variant_invocations(variant: str) -> Response[str]:
            log()["route"] = "invocations"
            if not _VARIANT_RE.fullmatch(variant) or (
                self.settings.variant_names and variant not in self.settings.variant_names
            ):
                raise HttpError(404, "VariantNotFound", "No such production variant")
            return _response(self.invocations(app.current_event.raw_event, variant, log()))

        @app.get("/health")
        def health() -> Response[str]:
            log()["route"] = "health"
            return _response(self.health(log()))

        @app.route("/invocations", method=others)
        @app.route("/variants/<variant>/invocations", method=others)
        def use_post(variant: str | None = None) -> Response[str]:
            log()["route"] = "invocations"
            raise HttpError(405, "MethodNotAllowed", "Use POST", {"Allow": "POST"})

        @app.route("/health", method=[m for m in ["POST", *others] if m != "GET"])
        def use_get() -> Response[str]:
            log()["route"] = "health"
            raise HttpError(405, "MethodNotAllowed", "Use GET", {"Allow": "GET"})

        @app.not_found
        def not_found(exc: NotFoundError) -> Response[str]:
            return self._error(HttpError(404, "NotFound", "No such route"))

        @app.exception_handler(HttpError)  # type: ignore[untyped-decorator]
        def http_error(exc: HttpError) -> Response[str]:
            return self._error(exc)

        @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
        def unhandled(exc: Exception) -> Response[str]:
            # Frames only: exception messages could quote request data.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            self._log_keys()
            self.logger.error("Unhandled error", extra={"error_type": type(exc).__name__, "frames": frames})
            return self._error(internal_error())

        return app

    def _error(self, error: HttpError) -> Response[str]:
        """The real JSON error envelope, with the error code in the access record."""
        self.resolver.context["log"]["error_code"] = error.code
        return _response(error_answer(error, self.resolver.context["request_id"]))
