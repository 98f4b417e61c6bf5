"""The builder's pages of a space's activities: the list, the form (new, edit), a series' dates (cancel, move,
restore one), pause and resume, cancel and reinstate, delete (after a confirmation page), the history and its
revert. For a space's community builders, its country's partners and admins; the history is public, as a
listing's is.

Plain forms that POST and redirect (303); a refused form comes back (400) with what was typed and the
message next to its field, a stale save (409) with both versions to merge.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from coworking.accounts.controllers import mail_soon
from coworking.accounts.permissions import Permission, can
from coworking.activities.models import Activity
from coworking.activities.recurrence import zone_of
from coworking.activities.vocabulary import ACTIVITY_KINDS
from coworking.attendance.services import Notices
from coworking.calendar import editing, forms
from coworking.calendar.editing import ActivityConflict
from coworking.calendar.vocabulary import (
    ACTIVITY_FIELDS,
    ACTIVITY_STATUS_LABELS,
    CUSTOM,
    ENDS,
    ORDINALS,
    PRICES,
    REPEATS,
    language_choices,
)
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput
from coworking.core.i18n import today_in
from coworking.core.models import utcnow
from coworking.core.security import CSRF_FORM
from coworking.core.text import whole_number
from coworking.core.web import Form, RowId, form_list, form_text, page, public_url, request_translator
from coworking.spaces.controllers import listing_or_404
from coworking.spaces.models import Space

KEEP = {"permission": Permission.ACTIVITY_EDIT, CSRF_FORM: True}
# The status of a save that lost to another: the form again, with the merge to make.
CONFLICT = 409
# The form's fields as typed, to show them again (the checkboxes as lists).
FORM_FIELDS = (
    "title", "kind", "description", "language", "date", "start_time", "end_time", "repeat", "nth", "nth_day", "ends",
    "until", "count", "at_space", "online_url", "capacity", "price", "price_note", "summary",
)  # fmt: skip
# A series' dates page lists this many of its next dates.
DATES_SHOWN = 20


def date_anchor(key: str) -> str:
    """The id of a date's row on the dates page ("date-2026-06-02T1800")."""
    return "date-" + "".join(ch for ch in key if ch.isalnum() or ch == "-")


def activity_or_404(activity: Activity | None, activity_id: int) -> Activity:
    if activity is None:
        raise NotFoundException(f"No activity {activity_id}")
    return activity


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    return {**{name: form_text(data, name) for name in FORM_FIELDS}, "days": form_list(data, "days")}


def _form_page(
    request: Request,
    space: Space,
    activity: Activity | None,
    values: dict[str, Any],
    *,
    version: int = 0,
    errors: dict[str, str] | None = None,
    conflict: ActivityConflict | None = None,
    status_code: int = 200,
) -> Template:
    """The activity form: new (``activity`` None) or an edit standing on ``version``."""
    zone = editing.zone_name(activity) if activity else editing.space_zone(space)
    stored_rule = activity.rrule if activity else None
    custom = bool(stored_rule) and forms.read_rule(stored_rule, zone_of(activity))["repeat"] == CUSTOM
    return page(
        request,
        "calendar/manage_form.html",
        {
            "space": space,
            "activity": activity,
            "form": values,
            "version": version,
            "errors": errors or {},
            "conflict": conflict,
            "theirs": editing.shown_state(conflict.theirs, zone) if conflict else {},
            "zone": zone,
            "custom_rule": stored_rule if custom else None,
            "languages": language_choices(space.country_code, request_translator(request)),
            "kinds": ACTIVITY_KINDS,
            "repeats": REPEATS,
            "ordinals": ORDINALS,
            "ends": ENDS,
            "prices": PRICES,
            "labels": ACTIVITY_FIELDS,
        },
        status_code=status_code,
    )


def _list_page(request: Request, db: Session, space: Space, *, errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return page(
        request,
        "calendar/manage_list.html",
        {
            "space": space,
            "rows": editing.space_activities(db, space, utcnow()),
            "errors": errors or {},
            "status_labels": ACTIVITY_STATUS_LABELS,
        },
        status_code=status_code,
    )


def _notices(request: Request) -> Notices:
    """How a change tells the people signed up for a date it moves or calls off (their mails go out soon after
    the answer: ``mail_soon``)."""
    return Notices(lambda path: public_url(request, path), request.app.state.settings.secret_key)


class SpaceActivityPages(Controller):
    """A space's activities for its keepers: the list, and a new one."""

    path = "/spaces/{slug:str}/activities"
    include_in_schema = False
    opt = KEEP

    @get("/", name="space-activities", sync_to_thread=True)
    def activities(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(editing.space_for_keeping(db_session, request.state.actor, slug), slug)
        return _list_page(request, db_session, space)

    @get("/new", name="new-activity", sync_to_thread=True)
    def new_form(self, request: Request, db_session: DbSession, slug: FromPath[str]) -> Template:
        space = listing_or_404(editing.space_for_keeping(db_session, request.state.actor, slug), slug)
        return _form_page(request, space, None, forms.new_values())

    @post("/new", sync_to_thread=True)
    def create(self, request: Request, db_session: DbSession, slug: FromPath[str], data: Form) -> Template | Redirect:
        actor = request.state.actor
        space = listing_or_404(editing.space_for_keeping(db_session, actor, slug), slug)
        zone = editing.space_zone(space)
        today = today_in(zone, utcnow())
        typed = _typed(data)
        try:
            wanted = forms.parse_activity(data, zone, today=today, earliest=today)
            activity = editing.create_activity(db_session, actor, space, wanted, typed["summary"])
        except InvalidInput as error:
            return _form_page(request, space, None, typed, errors=error.errors, status_code=400)
        return Redirect(path=f"/spaces/{space.slug}/activities?saved={activity.id}#activity-{activity.id}", status_code=303)


class ActivityPages(Controller):
    """One activity for its space's keepers: edit, dates, pause, cancel, delete; its public history; revert."""

    path = "/activities/{activity_id:int}"
    include_in_schema = False
    opt = KEEP

    @get("/edit", name="edit-activity", sync_to_thread=True)
    def edit_form(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template:
        activity = activity_or_404(editing.activity_for_keeping(db_session, request.state.actor, activity_id), activity_id)
        values = forms.form_values(editing.activity_state(activity), editing.zone_name(activity))
        return _form_page(request, activity.space, activity, values, version=activity.version)

    @post("/edit", sync_to_thread=True)
    def edit(self, request: Request, db_session: DbSession, activity_id: RowId, data: Form) -> Template | Redirect:
        actor = request.state.actor
        activity = activity_or_404(editing.activity_for_keeping(db_session, actor, activity_id), activity_id)
        space = activity.space
        typed = _typed(data)
        # A form without its version (or with a number no version has) is older than any: merged, never saved over.
        base_version = whole_number(form_text(data, "version")) or 0
        today = today_in(editing.zone_name(activity), utcnow())
        # An edit may keep a start already past (a running series); a new start is today or later.
        stored = activity.starts_at.astimezone(zone_of(activity)).date() if activity.starts_at else today
        try:
            wanted = forms.parse_activity(
                data, editing.zone_name(activity), today=today, earliest=min(today, stored), stored_rule=activity.rrule
            )
            editing.edit_activity(db_session, actor, activity, base_version, wanted, typed["summary"], _notices(request))
        except InvalidInput as error:
            return _form_page(request, space, activity, typed, version=base_version, errors=error.errors, status_code=400)
        except ActivityConflict as conflict:
            merged = {**forms.form_values(conflict.merged, editing.zone_name(activity)), "summary": typed["summary"]}
            return _form_page(request, space, activity, merged, version=conflict.version, conflict=conflict, status_code=CONFLICT)
        return mail_soon(request, Redirect(path=f"/spaces/{space.slug}/activities?saved={activity.id}#activity-{activity.id}", status_code=303))

    # -- a series' dates --

    def _dates_page(
        self,
        request: Request,
        activity: Activity,
        *,
        errors: dict[str, str] | None = None,
        failed: str | None = None,
        typed: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "calendar/manage_dates.html",
            {
                "space": activity.space,
                "activity": activity,
                "dates": editing.upcoming_dates(activity, utcnow(), DATES_SHOWN),
                "exception_keys": editing.exception_keys(activity),
                "zone": editing.zone_name(activity),
                "errors": errors or {},
                "failed": failed,
                "form": typed or {},
            },
            status_code=status_code,
        )

    @get("/dates", name="activity-dates", sync_to_thread=True)
    def dates(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template:
        activity = activity_or_404(editing.activity_for_keeping(db_session, request.state.actor, activity_id), activity_id)
        return self._dates_page(request, activity)

    def _change_date(self, request: Request, db: Session, activity_id: int, action: str, data: dict[str, Any]) -> Template | Redirect:
        actor = request.state.actor
        activity = activity_or_404(editing.activity_for_keeping(db, actor, activity_id), activity_id)
        key = form_text(data, "on").strip()
        typed = {name: form_text(data, name) for name in ("move_date", "move_start_time", "move_end_time")}
        try:
            if action == "cancel":
                editing.cancel_date(db, actor, activity, key, _notices(request))
            elif action == "restore":
                editing.restore_date(db, actor, activity, key, _notices(request))
            else:
                today = today_in(editing.zone_name(activity), utcnow())
                starts, ends = forms.parse_move(data, editing.zone_name(activity), today)
                editing.move_date(db, actor, activity, key, starts, ends, _notices(request))
        except InvalidInput as error:
            return self._dates_page(request, activity, errors=error.errors, failed=key, typed=typed, status_code=400)
        return mail_soon(request, Redirect(path=f"/activities/{activity.id}/dates?done={action}#{date_anchor(key)}", status_code=303))

    @post("/dates/cancel", sync_to_thread=True)
    def cancel_date(self, request: Request, db_session: DbSession, activity_id: RowId, data: Form) -> Template | Redirect:
        return self._change_date(request, db_session, activity_id, "cancel", data)

    @post("/dates/move", sync_to_thread=True)
    def move_date(self, request: Request, db_session: DbSession, activity_id: RowId, data: Form) -> Template | Redirect:
        return self._change_date(request, db_session, activity_id, "move", data)

    @post("/dates/restore", sync_to_thread=True)
    def restore_date(self, request: Request, db_session: DbSession, activity_id: RowId, data: Form) -> Template | Redirect:
        return self._change_date(request, db_session, activity_id, "restore", data)

    # -- the whole activity --

    def _act(self, request: Request, db: Session, activity_id: int, change, done: str) -> Template | Redirect:  # noqa: ANN001
        actor = request.state.actor
        activity = activity_or_404(editing.activity_for_keeping(db, actor, activity_id), activity_id)
        space = activity.space
        try:
            change(activity)
        except InvalidInput as error:
            return _list_page(request, db, space, errors=error.errors, status_code=400)
        return mail_soon(request, Redirect(path=f"/spaces/{space.slug}/activities?{done}={activity.id}#activity-{activity.id}", status_code=303))

    @post("/pause", sync_to_thread=True)
    def pause(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template | Redirect:
        actor = request.state.actor
        return self._act(
            request, db_session, activity_id, lambda found: editing.pause_series(db_session, actor, found, utcnow(), _notices(request)), "paused"
        )

    @post("/resume", sync_to_thread=True)
    def resume(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template | Redirect:
        actor = request.state.actor
        return self._act(request, db_session, activity_id, lambda found: editing.resume_series(db_session, actor, found, _notices(request)), "resumed")

    @post("/cancel", sync_to_thread=True)
    def cancel(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template | Redirect:
        actor = request.state.actor
        return self._act(
            request, db_session, activity_id, lambda found: editing.cancel_activity(db_session, actor, found, _notices(request)), "cancelled"
        )

    @post("/reinstate", sync_to_thread=True)
    def reinstate(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template | Redirect:
        actor = request.state.actor
        return self._act(
            request, db_session, activity_id, lambda found: editing.reinstate_activity(db_session, actor, found, _notices(request)), "reinstated"
        )

    @get("/delete", name="delete-activity", sync_to_thread=True)
    def confirm_delete(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template:
        activity = activity_or_404(editing.activity_for_keeping(db_session, request.state.actor, activity_id), activity_id)
        return page(request, "calendar/manage_delete.html", {"space": activity.space, "activity": activity})

    @post("/delete", sync_to_thread=True)
    def delete(self, request: Request, db_session: DbSession, activity_id: RowId) -> Redirect:
        actor = request.state.actor
        activity = activity_or_404(editing.activity_for_keeping(db_session, actor, activity_id), activity_id)
        slug = activity.space.slug
        editing.delete_activity(db_session, actor, activity, _notices(request))
        return mail_soon(request, Redirect(path=f"/spaces/{slug}/activities?deleted=1", status_code=303))

    # -- history --

    @get("/history", name="activity-history", opt={"permission": Permission.DIRECTORY_READ, CSRF_FORM: True}, sync_to_thread=True)
    def history(self, request: Request, db_session: DbSession, activity_id: RowId) -> Template:
        activity = activity_or_404(editing.get_activity(db_session, activity_id), activity_id)
        actor = request.state.actor
        return page(
            request,
            "calendar/manage_history.html",
            {
                "space": activity.space,
                "activity": activity,
                "revisions": editing.history_rows(db_session, activity),
                "may_revert": can(actor, Permission.ACTIVITY_REVERT, activity.space),
                "may_edit": can(actor, Permission.ACTIVITY_EDIT, activity.space),
                "labels": ACTIVITY_FIELDS,
                "status_labels": ACTIVITY_STATUS_LABELS,
                "zone": editing.zone_name(activity),
            },
        )

    @post("/history/{revision_id:int}/revert", opt={"permission": Permission.ACTIVITY_REVERT}, sync_to_thread=True)
    def revert(self, request: Request, db_session: DbSession, activity_id: RowId, revision_id: RowId) -> Redirect:
        activity = activity_or_404(editing.get_activity(db_session, activity_id), activity_id)
        editing.revert_activity(db_session, request.state.actor, activity, revision_id, _notices(request))
        return mail_soon(request, Redirect(path=f"/activities/{activity.id}/history?reverted=1", status_code=303))


@pass_context
def rule_description(context: Any, rrule: str | None, time_zone: str | None = None) -> str:  # noqa: ANN401 - a Jinja context
    """For templates: a series' rule in words, in the visitor's language ("every week on Tuesday, 10 times")."""
    return forms.describe_rule(rrule, request_translator(context["request"]), time_zone)
