"""The layout's rules, checked: imports point down, every route names its access rule."""

from __future__ import annotations

import ast
from pathlib import Path

from litestar.testing import TestClient

from coworking.accounts.permissions import ANONYMOUS, Permission, can

PACKAGE = Path(__file__).resolve().parent.parent / "coworking"

# Lower layers first. A module may import its own package and the layers below it, never a layer
# beside it or above it. ("arrows point down")
LAYERS: list[set[str]] = [
    {"core"},
    {"pageviews"},
    {"accounts"},
    {"revisions"},
    {"geo"},
    {"activities"},
    {"spaces"},
    # Sign-ups follow their dates when the calendar's editing moves or cancels them (one transaction).
    {"attendance"},
    {"visits", "calendar"},
    {"map", "networks", "moderation", "reports", "guides", "reviews"},
    # Stories file their removal requests in the moderation queue: above it.
    {"stories"},
    {"site", "exchange", "countries"},
    {"follows"},
    {"desk"},
    {"migrations"},
    {"app", "cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str:
    """coworking.spaces.services → "spaces"; coworking.app → "app"."""
    return module.split(".")[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.startswith("coworking.")]


def test_every_package_has_a_layer() -> None:
    units = {path.stem if path.parent == PACKAGE else path.relative_to(PACKAGE).parts[0] for path in PACKAGE.rglob("*.py")}
    assert units - {"__init__"} <= set(RANK), units - set(RANK)


def test_imports_point_down() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "migrations" and len(relative.parts) > 2:
            continue  # migration scripts import nothing of ours
        unit = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        for line, module in _imports(path):
            target = _unit(module)
            if target != unit and RANK[target] >= RANK[unit]:
                upward.append(f"coworking/{relative}:{line} ({unit}) imports {module} ({target})")
    assert not upward, "imports must point down:\n" + "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check itself can fail: core importing a domain is caught."""
    module = tmp_path / "bad.py"
    module.write_text("from coworking.spaces.services import find_spaces\n")
    assert [(target, RANK[_unit(target)]) for _, target in _imports(module)] == [("coworking.spaces.services", RANK["spaces"])]
    assert RANK["spaces"] >= RANK["core"]


def test_every_route_names_its_access_rule(client: TestClient) -> None:
    """ASVS 8.2.1: each handler states its permission next to its path; the one guard asks can() for it."""
    unnamed = [
        f"{route.path} {sorted(handler.http_methods)}"
        for route in client.app.routes
        for handler in getattr(route, "route_handlers", [])
        if not isinstance(handler.opt.get("permission"), Permission)
        # Litestar's automatic OPTIONS answer (the route's Allow header) shows and changes nothing.
        and handler.http_methods != {"OPTIONS"}
    ]
    assert not unnamed


def test_a_route_without_a_rule_is_refused(settings, engine) -> None:  # noqa: ANN001
    from litestar import get

    from coworking.app import create_app

    @get("/forgotten", sync_to_thread=False)
    def forgotten() -> str:
        return "secret"

    app = create_app(settings)
    app.register(forgotten)
    with TestClient(app) as test_client:
        assert test_client.get("/forgotten").status_code == 403


def test_the_public_directory_is_readable_by_anyone() -> None:
    assert can(ANONYMOUS, Permission.DIRECTORY_READ)
    assert can(ANONYMOUS, Permission.SITE_STATUS)
