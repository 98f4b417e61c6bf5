"""How far a partner network reaches."""

from __future__ import annotations

from coworking.core.vocabulary import N_, Term

NETWORK_SCOPES: tuple[Term, ...] = (
    Term("european", N_("European")),
    Term("national", N_("National")),
    Term("regional", N_("Regional")),
)
NETWORK_SCOPE_LABELS = {term.code: term.label for term in NETWORK_SCOPES}
