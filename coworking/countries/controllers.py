"""/countries and /countries/{cc}: the network country by country."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from coworking.accounts.permissions import Permission
from coworking.core.concurrency import local_read
from coworking.core.db import DbSession
from coworking.core.models import utcnow
from coworking.core.text import fold
from coworking.core.web import page, request_translator
from coworking.countries.services import country_overview
from coworking.spaces.controllers import search_page_context
from coworking.spaces.query import Search
from coworking.spaces.services import directory_stats


class CountryPages(Controller):
    path = "/countries"
    include_in_schema = False
    opt = {"permission": Permission.DIRECTORY_READ}

    @get("/", name="countries", sync_to_thread=True)
    @local_read
    def countries(self, request: Request, db_session: DbSession) -> Template:
        stats = request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session))
        translator = request_translator(request)
        # In the visitor's language, in alphabet order (folded: "Ā" sorts with "A").
        named = sorted(((translator.country_name(c.code), c) for c in stats.countries), key=lambda pair: fold(pair[0]))
        return page(request, "countries/list.html", {"stats": stats, "countries": named})

    @get("/{code:str}", name="country", sync_to_thread=True)
    @local_read
    def country(self, request: Request, db_session: DbSession, code: FromPath[str], search: Search) -> Template | Redirect:
        """A country's spaces with the search's filters (its country fixed), and what else is there."""
        if code != code.lower():
            query = request.scope.get("query_string", b"").decode("utf-8", errors="replace")
            return Redirect(path=f"/countries/{code.lower()}" + (f"?{query}" if query else ""), status_code=301)
        stats = request.app.state.directory_counts.get("stats", lambda: directory_stats(db_session))
        listed = {country.code: country.spaces for country in stats.countries}
        country = code.upper()
        if country not in listed:
            raise NotFoundException(f"No spaces in {code!r}")
        fixed = msgspec.structs.replace(search, country=(country,))
        context, status = search_page_context(request, db_session, fixed, f"/countries/{code}")
        context.update(
            country=country, total=listed[country], overview=country_overview(db_session, country, utcnow()), fixed_country=country
        )
        return page(request, "countries/detail.html", context, partial="spaces/_results.html", status_code=status)
