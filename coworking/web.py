"""What every HTML page shares: the visitor's language, template globals, and page-or-partial rendering."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jinja2 import pass_context
from litestar import Request
from litestar.response import Template
from markupsafe import Markup

from coworking.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_NAMES,
    Translator,
    choose_locale,
    translator,
)
from coworking.vocabulary import (
    ACTIVITY_KIND_LABELS,
    AMENITIES,
    AMENITY_LABELS,
    NETWORK_SCOPE_LABELS,
    WEEKDAYS,
)


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
    )
    found = translator(locale)
    request.state.translator = found
    return found


def _t(context: Any) -> Translator:  # noqa: ANN401 - a Jinja context
    return request_translator(context["request"])


def _fill(text: str, variables: dict[str, object]) -> Markup:
    # As Jinja's i18n extension does: the (trusted) translation is markup, the values are escaped
    # unless they already are markup (a macro's output), so nothing is escaped twice.
    return Markup(text) % variables if variables else Markup(text)


@pass_context
def _gettext(context: Any, message: str, **variables: object) -> Markup:  # noqa: ANN401
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


def install_template_globals(environment: Any, settings: Any) -> None:  # noqa: ANN401
    """Register the translation functions, vocabularies and filters every template may use."""
    environment.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        AMENITIES=AMENITIES,
        AMENITY_LABELS=AMENITY_LABELS,
        ACTIVITY_KIND_LABELS=ACTIVITY_KIND_LABELS,
        NETWORK_SCOPE_LABELS=NETWORK_SCOPE_LABELS,
        WEEKDAYS=WEEKDAYS,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        settings=settings,
        query_string=query_string,
    )
    for name in (
        "country_name",
        "language_name",
        "date",
        "datetime",
        "km",
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
