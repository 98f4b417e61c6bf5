"""One error handler per surface: the API answers problem+json, pages render a friendly HTML page."""

from __future__ import annotations

import logging
from http import HTTPStatus

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from coworking.spaces.schemas import InvalidQuery, PlaceNotFound
from coworking.web import request_translator

logger = logging.getLogger("coworking")

PROBLEM_JSON = "application/problem+json"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _status_and_detail(exc: Exception) -> tuple[int, str, dict[str, str]]:
    if isinstance(exc, PlaceNotFound):
        return 400, f"We could not find {exc.text!r}.", exc.errors
    if isinstance(exc, InvalidQuery):
        return 400, str(exc), exc.errors
    if isinstance(exc, ValidationException):
        errors = {}
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if isinstance(item, dict) and item.get("key"):
                errors[str(item["key"])] = str(item.get("message", "invalid value"))
        return (
            400,
            exc.detail if not errors else "Some parameters are not valid.",
            errors,
        )
    if isinstance(exc, HTTPException):
        return exc.status_code, exc.detail, {}
    return 500, "Something went wrong on our side.", {}


def problem_response(status: int, detail: str, errors: dict[str, str] | None = None, **extra: object) -> Response:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON)


def handle_exception(request: Request, exc: Exception) -> Response:
    status, detail, errors = _status_and_detail(exc)
    if status >= 500:
        logger.exception("Unhandled error on %s", request.url.path, exc_info=exc)
    if _is_api(request):
        extra = (
            {"suggestions": [msgspec.to_builtins(place) for place in exc.suggestions]}
            if isinstance(exc, PlaceNotFound)
            else {}
        )
        return problem_response(status, detail, errors, **extra)
    template = "errors/404.html" if status == 404 else "errors/error.html"
    engine = request.app.template_engine
    translator = request_translator(request)
    body = engine.get_template(template).render(request=request, status=status, locale=translator.locale, csrf_input="")
    return Response(content=body, status_code=status, media_type=MediaType.HTML)
