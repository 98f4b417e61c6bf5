"""/partner/reports: a partner's monthly figures as a page (a bar chart per figure, and the numbers in a
table) and as CSV, from one GET form. Counts only; signed-in answers, kept by no shared cache."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.response import Template

from coworking.accounts.permissions import Actor, Permission
from coworking.core.charts import bar_chart
from coworking.core.db import DbSession
from coworking.core.errors import InvalidInput, problem_response
from coworking.core.models import utcnow
from coworking.core.web import page, query_string, request_translator
from coworking.reports import services

PRIVATE = {"Cache-Control": "private, no-store"}
# The form's fields, as the query string names them.
FIELDS = ("country", "region", "from", "to")


def _typed(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in FIELDS}


def _scope(request: Request, db: DbSession, typed: dict[str, str]) -> services.ReportScope:
    return services.report_scope(
        db,
        request.state.actor,
        country=typed["country"],
        region=typed["region"],
        start=typed["from"],
        end=typed["to"],
        now=utcnow(),
    )


def _pairs(typed: dict[str, str], scope: services.ReportScope) -> list[tuple[str, str]]:
    """The query of the report shown (its months spelt out): the CSV link gives the same figures."""
    pairs = [("country", typed["country"].strip().upper())] if typed["country"].strip() else []
    if scope.region:
        pairs.append(("region", scope.region))
    return [*pairs, ("from", f"{scope.first:%Y-%m}"), ("to", f"{scope.last:%Y-%m}")]


class PartnerReportPages(Controller):
    path = "/partner"
    include_in_schema = False
    opt = {"permission": Permission.REPORTS_READ}

    @get("/reports", name="partner-reports", sync_to_thread=True)
    def report_page(self, request: Request, db_session: DbSession) -> Template:
        actor: Actor = request.state.actor
        typed = _typed(request)
        report, errors, status = None, {}, 200
        try:
            report = services.monthly_report(db_session, actor, _scope(request, db_session, typed), utcnow())
        except services.NotYourCountry as refused:
            errors, status = refused.errors, 403
        except InvalidInput as error:
            errors, status = error.errors, 400
        countries = services.country_choices(db_session, actor)
        charts = (
            [(name, label, bar_chart(report.series(name), label_width=64)) for name, label in services.INDICATORS]
            if report
            else []
        )
        context = {
            "form": typed,
            "errors": errors,
            "report": report,
            "charts": charts,
            "indicators": services.INDICATORS,
            "countries": countries,
            "regions": services.region_choices(db_session, None if actor.is_admin else countries),
            "all_label_network": actor.is_admin,
            "csv_href": "/partner/reports.csv" + query_string(_pairs(typed, report.scope)) if report else None,
            "max_months": services.MAX_MONTHS,
        }
        response = page(request, "reports/report.html", context, status_code=status)
        response.headers.update(PRIVATE)
        return response

    @get("/reports.csv", sync_to_thread=True)
    def report_csv(self, request: Request, db_session: DbSession) -> Response:
        translator = request_translator(request)
        try:
            scope = _scope(request, db_session, _typed(request))
        except services.NotYourCountry as refused:
            messages = {key: translator.gettext(message) for key, message in refused.errors.items()}
            return problem_response(403, next(iter(messages.values())), messages, headers=PRIVATE)
        except InvalidInput as error:
            messages = {key: translator.gettext(message) for key, message in error.errors.items()}
            return problem_response(400, translator.gettext(error.detail), messages, headers=PRIVATE)
        report = services.monthly_report(db_session, request.state.actor, scope, utcnow())
        return Response(
            services.report_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{services.file_name(scope)}"', **PRIVATE},
        )
