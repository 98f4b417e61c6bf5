"""One kind of input error, and one error handler per surface: the API answers problem+json, pages a friendly page.

Nothing here reads ``request.url``: building it parses the Host header, and a forged one ("x:abc") would
make the error handler itself fail. The path comes from the ASGI scope, which cannot fail.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from coworking.core.i18n import Translator
from coworking.core.vocabulary import N_
from coworking.core.web import request_path, request_translator

logger = logging.getLogger("coworking")

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


class InvalidInput(ValueError):
    """Something a person or a program sent breaks a rule.

    ``errors`` maps each field to its message, a msgid translated when shown; ``detail`` sums them up
    (a msgid too, filled with ``variables``). Pages show the messages next to their fields, the API
    answers 400 with them in a problem body: the same words on both surfaces, in the visitor's language.
    """

    detail = N_("Some parameters are not valid.")

    def __init__(self, errors: dict[str, str], **variables: object) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors
        self.variables = variables

    def problem_extra(self) -> dict[str, object]:
        """More members for the API's problem body (suggestions, say)."""
        return {}


def is_api(request: Request) -> bool:
    return request_path(request).startswith(API_PREFIX)


def _describe(exc: Exception, translator: Translator) -> tuple[int, str, dict[str, str]]:
    """Status, detail and per-field messages, translated."""
    if isinstance(exc, InvalidInput):
        errors = {key: translator.gettext(message) for key, message in exc.errors.items()}
        return 400, translator.gettext(exc.detail, **exc.variables), errors
    if isinstance(exc, ValidationException):
        # Litestar's own checks (a body that is not JSON, say): the fields it names, in our words.
        keys = [str(item["key"]) for item in exc.extra if isinstance(item, dict) and item.get("key")] if isinstance(
            exc.extra, list
        ) else []
        return (
            400,
            translator.gettext(InvalidInput.detail),
            dict.fromkeys(keys, translator.gettext(N_("This value is not valid."))),
        )
    if isinstance(exc, HTTPException):
        return exc.status_code, exc.detail, {}
    return 500, translator.gettext(N_("Something went wrong on our side.")), {}


def problem_response(
    status: int,
    detail: str,
    errors: dict[str, str] | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> Response:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle_exception(request: Request, exc: Exception) -> Response:
    translator = request_translator(request)
    status, detail, errors = _describe(exc, translator)
    # What the exception says in headers stays said: a 405's Allow (RFC 9110 requires it), say.
    headers = exc.headers if isinstance(exc, HTTPException) else None
    if status >= 500:
        logger.exception("Unhandled error on %s", request_path(request), exc_info=exc)
    if is_api(request):
        extra = exc.problem_extra() if isinstance(exc, InvalidInput) else {}
        return problem_response(status, detail, errors, headers=headers, **extra)
    template = "errors/404.html" if status == 404 else "errors/error.html"
    body = request.app.template_engine.get_template(template).render(
        request=request,
        status=status,
        detail=detail,
        locale=translator.locale,
        csrf_input="",
        # A 429 says when to try again (minutes, rounded up), from the Retry-After it sends.
        retry_minutes=-(-int((headers or {}).get("Retry-After", 0)) // 60),
    )
    return Response(content=body, status_code=status, media_type=MediaType.HTML, headers=headers)
