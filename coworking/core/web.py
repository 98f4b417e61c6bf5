"""What every HTML page shares: the visitor's language, template globals, and page-or-partial rendering."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import pass_context
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Response, Template
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from coworking.core.i18n import (
    EUROPEAN_COUNTRIES,
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGE_PARAMETER,
    Translator,
    choose_locale,
    language_asked_in,
    translator,
)
from coworking.core.links import http_url
from coworking.core.vocabulary import WEEKDAY_CODES

# A posted HTML form: each field's text, a list for a field sent more than once (checkboxes).
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


# A row's id in a path: PostgreSQL's integer, so "/visits/99999999999999999999/answer" is a 400, not an
# overflow deep in the database driver.
RowId = Annotated[int, PathParameter(ge=1, le=2_147_483_647)]

# What a form field may not hold: control characters (a NUL, which PostgreSQL refuses in text; escapes),
# but the line breaks and tabs a textarea sends.
_FORM_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def form_text(form: Mapping[str, Any], name: str) -> str:
    """One field of a posted form, as text (the first, if the field came more than once), each control
    character other than line breaks and tabs made a space (the edge cleans the path and query string, this
    the body): a NUL never reaches PostgreSQL, and what a rule refuses ("a\x0bb@example.org") is still
    refused rather than quietly made into something else."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return _FORM_CONTROLS.sub(" ", str(value))


def form_list(form: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a field a form may send several times (checkboxes): one ticked box comes as text."""
    value = form.get(name, [])
    return [_FORM_CONTROLS.sub(" ", str(item)) for item in (value if isinstance(value, list) else [value])]


def ip_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def request_path(request: Request) -> str:
    """The request's path, from the ASGI scope: unlike ``request.url`` it never parses the Host header."""
    return request.scope.get("path", "")


def request_path_and_query(request: Request) -> str:
    """Path and query string, for links back to this page ("?next=", language links)."""
    query = request.scope.get("query_string", b"").decode("utf-8", errors="replace")  # as the edge reads it
    return request_path(request) + (f"?{query}" if query else "")


def request_translator(request: Request) -> Translator:
    """The Translator for this visitor, chosen once per request (cookie, then Accept-Language)."""
    cached = request.scope.get("state", {}).get("translator")
    if cached is not None:
        return cached
    settings = request.app.state.settings
    locale = choose_locale(
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        settings.locales,
        language_asked_in(request.scope.get("query_string", b"")),
    )
    found = translator(locale)
    request.state.translator = found
    return found


def _t(context: Any) -> Translator:  # noqa: ANN401 - a Jinja context
    return request_translator(context["request"])


def _fill(text: str, variables: dict[str, object]) -> Markup:
    # Translations are plain text: escaped like any other text (a template may pass a variable through
    # ``_()``, and a catalogue is no place for markup). Values are escaped by Markup's ``%`` unless they
    # already are markup (a macro's output), so nothing is escaped twice.
    return escape(text) % variables if variables else escape(text)


@pass_context
def _gettext(context: Any, message: str, **variables: object) -> Markup:  # noqa: ANN401
    if not variables:
        return _t(context).escaped(message)  # most labels: translated and escaped once per language
    return _fill(_t(context).translate(message), variables)


@pass_context
def _ngettext(context: Any, singular: str, plural: str, count: int, **variables: object) -> Markup:  # noqa: ANN401
    return _fill(_t(context).translate(singular, plural, count), {"num": count, **variables})


def _formatter(name: str):  # noqa: ANN202
    @pass_context
    def format_value(context: Any, value: Any, *args: Any) -> str:  # noqa: ANN401
        return getattr(_t(context), name)(value, *args)

    return format_value


def query_string(pairs: list[tuple[str, str]]) -> str:
    return ("?" + urlencode(pairs)) if pairs else ""


@pass_context
def _current_path(context: Any) -> str:  # noqa: ANN401
    return request_path(context["request"])


@pass_context
def _current_path_and_query(context: Any) -> str:  # noqa: ANN401
    return request_path_and_query(context["request"])


@pass_context
def _absolute_url(context: Any, path: str) -> str:  # noqa: ANN401
    return public_url(context["request"], path)


@pass_context
def _language_url(context: Any, locale: str | None) -> str:  # noqa: ANN401
    """This page's address in ``locale`` (its own ``?lang=``), or with none (``x-default``): absolute.

    A page names itself in every language (its hreflang alternates): the address without ``lang`` is built
    once per request, and each language only adds its own parameter."""
    request = context["request"]
    state = request.scope.setdefault("state", {})
    base = state.get("_address_without_language")
    if base is None:
        query = request.scope.get("query_string", b"").decode("utf-8", errors="replace")
        pairs = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key != LANGUAGE_PARAMETER]
        base = state["_address_without_language"] = public_url(request, request_path(request) + query_string(pairs))
    if not locale:
        return base
    return f"{base}{'&' if '?' in base else '?'}{urlencode([(LANGUAGE_PARAMETER, locale)])}"


@pass_context
def _signed_in(context: Any) -> bool:  # noqa: ANN401
    """Whether the page is shown to a signed-in person (the guard put the actor in the request's state)."""
    actor = context["request"].scope.get("state", {}).get("actor")
    return bool(actor is not None and getattr(actor, "user_id", None) is not None)


def install_template_globals(
    environment: Any,  # noqa: ANN401
    settings: Any,  # noqa: ANN401
    vocabularies: dict[str, object],
    static: Callable[[str], str],
) -> None:
    """Register the translation functions, filters and helpers every template may use.

    ``static('css/site.css')`` is a static file's address, named by its content (core.assets).

    ``vocabularies`` come from the domains (amenities, activity kinds, …): the app hands them in, so
    the core knows no domain.
    """
    # Templates are compiled once and kept: no file is checked for changes on each render (but when debugging).
    environment.auto_reload = bool(getattr(settings, "debug", False))
    environment.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        WEEKDAY_CODES=WEEKDAY_CODES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        EUROPEAN_COUNTRIES=EUROPEAN_COUNTRIES,
        settings=settings,
        query_string=query_string,
        current_path=_current_path,
        current_path_and_query=_current_path_and_query,
        absolute_url=_absolute_url,
        language_url=_language_url,
        signed_in=_signed_in,
        static=static,
        **vocabularies,
    )
    # Only http(s) links are ever rendered as links: ``{% if space.website|http_url %}``.
    environment.filters["http_url"] = http_url
    for name in (
        "country_name",
        "language_name",
        "date",
        "month",
        "datetime",
        "time",
        "km",
        "decimal",
        "weekday",
    ):
        environment.filters[name] = _formatter(name)


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render ``template``; for an htmx request aimed at a part of it, render only ``partial``.

    A history-restore request from htmx wants the whole page, as does any plain browser request.
    """
    htmx = getattr(request, "htmx", None)
    wants_partial = bool(partial and htmx and not htmx.history_restore_request and not htmx.boosted)
    response = Template(
        template_name=partial if wants_partial else template,
        context={"locale": request_translator(request).locale, **context},
        status_code=status_code,
    )
    # The same URL answers with a page or a fragment: caches must keep them apart.
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    return response


def public_url(request: Request, path: str) -> str:
    """An absolute URL on this site, for JSON-LD and the API's links.

    The host is the request's own, which the edge has already checked against COWORKING_ALLOWED_HOSTS:
    a forged Host header is refused before any link is built from it.
    """
    return f"{request.scope.get('scheme', 'http')}://{request.headers['host']}{path}"


def safe_next(target: str | None) -> str:
    """A local path to return to; anything that could lead off-site becomes the home page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def set_cookie(request: Request, response: Response, key: str, value: str, *, max_age: int) -> None:
    """A cookie as this site sets them all: HttpOnly, SameSite=Lax, Secure on HTTPS deployments."""
    response.set_cookie(
        key, value, max_age=max_age, samesite="lax", httponly=True, secure=request.app.state.settings.https
    )


def request_session(request: Request) -> Session:
    """The request's own database session (the one its handler got, or a new one the app closes when the
    answer starts), for what a template asks of the database. A session of its own would wait for a second
    pooled connection on the event loop, where finished requests give theirs back: under load, a deadlock."""
    return request.app.state.database.provide_session(request.app.state, request.scope)
