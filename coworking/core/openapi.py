"""How the API documents its errors: every 4xx is ``application/problem+json`` (RFC 9457), and says so."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from coworking.core.errors import PROBLEM_JSON


class Problem(msgspec.Struct, kw_only=True):
    """An error answer: ``detail`` for people, ``errors`` per parameter, in the visitor's language."""

    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = None
    # With "We could not find …": the places that were likely meant.
    suggestions: list[dict[str, Any]] | None = None


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, description=description, generate_examples=False)


BAD_REQUEST = {400: _problem("A parameter is not valid; `errors` names each one.")}
NOT_FOUND = {404: _problem("There is nothing public at this address.")}
