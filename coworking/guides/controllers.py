"""The guides' pages: the list and each guide for everyone; writing, translating, history and restoring
for administrators."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from coworking.accounts.permissions import Permission, can
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.web import Form, RowId, form_text, page, request_session, request_translator
from coworking.guides import services
from coworking.guides.markdown import render
from coworking.guides.models import ORIGINAL, Guide
from coworking.guides.services import FIELD_LABELS, GuideConflict

EDIT = {"permission": Permission.GUIDES_EDIT, CSRF_FORM: True}
CONFLICT = 409
# Which guides help on which of a builder's pages (the links partial, guides/_links.html).
GUIDES_FOR = {
    "listing": ("what-residents-look-for", "welcoming-people-who-just-want-to-work", "joining-the-network"),
    "builder": (
        "the-community-builder",
        "resident-meetings-and-story-evenings",
        "welcoming-people-who-just-want-to-work",
    ),
    "account": ("the-community-builder", "joining-the-network"),
}


@pass_context
def guides_for(context: Any, topic: str) -> list[services.GuideCard]:  # noqa: ANN401 - a Jinja context
    """For a builder's page: the guides that help with ``topic`` ("listing", "builder", "account"), in the
    visitor's language where translated; those not (or no longer) there are left out."""
    request = context["request"]
    return services.guides_named(request_session(request), GUIDES_FOR.get(topic, ()), request_translator(request).locale)


def _guide_or_404(guide: Guide | None, slug: str) -> Guide:
    if guide is None:
        raise NotFoundException(f"No guide {slug!r}")
    return guide


def _language_or_404(request: Request, language: str) -> str:
    if language not in request.app.state.settings.locales:
        raise NotFoundException(f"No language {language!r}")
    return language


def _form_page(
    request: Request,
    *,
    guide: Guide | None,
    language: str,
    form: dict[str, Any],
    version: int = 0,
    errors: dict[str, str] | None = None,
    details: dict[str, object] | None = None,
    conflict: GuideConflict | None = None,
    preview: str | None = None,
    status_code: int = 200,
) -> Template:
    """The form of a new guide (``guide`` None) or of one language of a guide: what was typed, what to fix."""
    original = guide.text_in(ORIGINAL) if guide is not None and language != ORIGINAL else None
    return page(
        request,
        "guides/edit.html",
        {
            "guide": guide,
            "language": language,
            "original": original,
            "form": form,
            "version": version,
            "errors": errors or {},
            # Values the messages name (the refused link).
            "details": details or {},
            "conflict": conflict,
            "theirs": conflict.theirs if conflict else {},
            "preview": preview,
            "labels": FIELD_LABELS,
        },
        status_code=status_code,
    )


def _typed(data: dict[str, Any], *names: str) -> dict[str, str]:
    return {name: form_text(data, name) for name in names}


def _problems(typed: dict[str, str], language: str) -> tuple[dict[str, str], dict[str, object]]:
    """What a save would refuse in ``typed`` (for the preview, which saves nothing): messages and their values."""
    try:
        services.parse_text(typed, with_position=language == ORIGINAL)
    except InvalidInput as error:
        return error.errors, error.variables
    return {}, {}


class GuidePages(Controller):
    path = "/guides"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="guides", sync_to_thread=True)
    def index(self, request: Request, db_session: DbSession) -> Template:
        locale = request_translator(request).locale
        return page(
            request,
            "guides/list.html",
            {
                "guides": services.list_guides(db_session, locale),
                "may_edit": can(request.state.actor, Permission.GUIDES_EDIT),
            },
        )

    @get("/new", name="new-guide", opt=EDIT, sync_to_thread=False)
    def new_form(self, request: Request) -> Template:
        return _form_page(request, guide=None, language=ORIGINAL, form={"position": "0"})

    @post("/new", opt={"permission": Permission.GUIDES_EDIT}, sync_to_thread=True)
    def create(self, request: Request, db_session: DbSession, data: Form) -> Template | Redirect:
        typed = _typed(data, "slug", "title", "summary", "body", "position", "note")
        if form_text(data, "action") == "preview":
            errors, details = _problems(typed, ORIGINAL)
            return _form_page(
                request,
                guide=None,
                language=ORIGINAL,
                form=typed,
                errors=errors,
                details=details,
                preview=render(typed["body"]),
            )
        try:
            guide = services.create_guide(db_session, request.state.actor, typed, typed["note"])
        except InvalidInput as error:
            return _form_page(
                request,
                guide=None,
                language=ORIGINAL,
                form=typed,
                errors=error.errors,
                details=error.variables,
                status_code=400,
            )
        return Redirect(path=f"/guides/{guide.slug}?saved=1", status_code=303)

    @get("/{guide_slug:str}", name="guide", sync_to_thread=True)
    def detail(self, request: Request, db_session: DbSession, guide_slug: FromPath[str]) -> Template:
        shown = services.guide_page(db_session, guide_slug, request_translator(request).locale)
        if shown is None:
            raise NotFoundException(f"No guide {guide_slug!r}")
        return page(
            request,
            "guides/detail.html",
            {"guide": shown, "may_edit": can(request.state.actor, Permission.GUIDES_EDIT)},
        )

    @get("/{guide_slug:str}/edit/{language:str}", name="edit-guide", opt=EDIT, sync_to_thread=True)
    def edit_form(
        self, request: Request, db_session: DbSession, guide_slug: FromPath[str], language: FromPath[str]
    ) -> Template:
        guide = _guide_or_404(services.get_guide(db_session, guide_slug), guide_slug)
        language = _language_or_404(request, language)
        return _form_page(
            request, guide=guide, language=language, form=services.text_values(guide, language), version=guide.version
        )

    @post("/{guide_slug:str}/edit/{language:str}", opt={"permission": Permission.GUIDES_EDIT}, sync_to_thread=True)
    def edit(
        self, request: Request, db_session: DbSession, guide_slug: FromPath[str], language: FromPath[str], data: Form
    ) -> Template | Redirect:
        guide = _guide_or_404(services.get_guide(db_session, guide_slug), guide_slug)
        language = _language_or_404(request, language)
        typed = _typed(data, "title", "summary", "body", "position", "note")
        # A form without its version (or with a number no version has) is older than any: merged, never saved over.
        base_version = whole_number(form_text(data, "version")) or 0
        if form_text(data, "action") == "preview":
            errors, details = _problems(typed, language)
            return _form_page(
                request, guide=guide, language=language, form=typed, version=base_version, errors=errors, details=details,
                preview=render(typed["body"]),
            )  # fmt: skip
        try:
            services.save_text(db_session, request.state.actor, guide, language, base_version, typed, typed["note"])
        except InvalidInput as error:
            return _form_page(
                request, guide=guide, language=language, form=typed, version=base_version, errors=error.errors,
                details=error.variables, status_code=400,
            )  # fmt: skip
        except GuideConflict as conflict:
            merged = {**typed, **{name: str(value) for name, value in conflict.merged.items()}}
            return _form_page(
                request, guide=guide, language=language, form=merged, version=conflict.version, conflict=conflict,
                status_code=CONFLICT,
            )  # fmt: skip
        return Redirect(path=f"/guides/{guide.slug}?saved=1&lang={language}", status_code=303)

    @get("/{guide_slug:str}/history", name="guide-history", opt=EDIT, sync_to_thread=True)
    def history(self, request: Request, db_session: DbSession, guide_slug: FromPath[str]) -> Template:
        guide = _guide_or_404(services.get_guide(db_session, guide_slug), guide_slug)
        text, _ = services.shown_text(guide, request_translator(request).locale)
        return page(
            request,
            "guides/history.html",
            {
                "guide": guide,
                "title": text.title,
                "revisions": services.history_rows(db_session, guide),
                "labels": FIELD_LABELS,
            },
        )

    @post(
        "/{guide_slug:str}/history/{revision_id:int}/revert",
        opt={"permission": Permission.GUIDES_EDIT},
        sync_to_thread=True,
    )
    def revert(
        self, request: Request, db_session: DbSession, guide_slug: FromPath[str], revision_id: RowId
    ) -> Redirect:
        guide = _guide_or_404(services.get_guide(db_session, guide_slug), guide_slug)
        services.revert_guide(db_session, request.state.actor, guide, revision_id)
        return Redirect(path=f"/guides/{guide.slug}/history?reverted=1", status_code=303)
