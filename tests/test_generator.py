"""The synthetic benchmark generator: deterministic, spread over real towns, never over real data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coworking.core.freshness import read_version
from coworking.geo.models import Place
from coworking.spaces.models import Space
from tests.factories import make_space

GENERATOR = Path(__file__).resolve().parent.parent / "seed" / "generate_spaces.py"


@pytest.fixture(scope="module")
def generator():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("generate_spaces", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def _spaces(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        return session.execute(
            select(Space.slug, Space.town, Space.latitude, Space.longitude).order_by(Space.slug)
        ).all()


def test_same_seed_same_spaces_near_real_towns(generator, engine: Engine, database_url: str) -> None:  # noqa: ANN001
    before = read_version(engine)
    report = generator.generate(database_url, count=300, seed=7, run_migrations=False)
    assert report.spaces == 300
    assert read_version(engine) == before + 1  # written without a Session, still seen by the page cache
    first = _spaces(engine)
    generator.generate(database_url, count=300, seed=7, run_migrations=False)
    assert _spaces(engine) == first  # replaced by the very same spaces
    with Session(engine) as session:
        for slug, town, latitude, longitude in first[:25]:
            assert generator.is_synthetic_slug(slug)
            nearest = session.scalar(
                select(func.min(func.abs(Place.latitude - latitude) + func.abs(Place.longitude - longitude))).where(
                    Place.name == town
                )
            )
            assert nearest is not None and nearest < 0.2, (slug, town)


def test_refuses_a_database_with_real_spaces(generator, engine: Engine, session: Session, database_url: str) -> None:  # noqa: ANN001
    make_space(session, "SKOLA6")
    with pytest.raises(generator.RealSpacesPresent):
        generator.generate(database_url, count=10, run_migrations=False)
    assert session.scalar(select(func.count()).select_from(Space)) == 1
