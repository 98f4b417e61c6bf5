"""Photos of a listing: re-encoded by content (never served as sent), without the camera's metadata,
alt text required, reordered and removed as revisions a partner can revert; hostile files refused
with a message and nothing written."""

from __future__ import annotations

import io
import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coworking.core.settings import Settings
from coworking.revisions.models import Revision
from coworking.spaces.models import Space, SpacePhoto
from tests.test_accounts import csrf, fresh, post, register_and_verify, sign_in  # noqa: F401
from tests.test_listings import builder, lielvarde, partner  # noqa: F401

GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 2400, height: int = 1800) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position (Cēsis) and a camera model."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"  # Model
    exif[GPS_IFD] = {1: "N", 2: (57.0, 18.0, 45.0), 3: "E", 4: (25.0, 16.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 90)).save(out, "PNG")
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A real 20,000 × 20,000 grey PNG (400 MB of pixels) that is only a few hundred KB on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), b"\0" * (side + 1)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def upload(client: TestClient, space: Space, content: bytes, name: str = "photo.jpg", alt: str = "Desks by the window", media_type: str = "image/jpeg"):  # noqa: ANN201
    return client.post(
        f"/spaces/{space.slug}/photos",
        data={"alt_text": alt, "_csrf_token": csrf(client)},
        files={"photo": (name, content, media_type)},
        follow_redirects=False,
    )


def media_files(settings: Settings) -> list[Path]:
    return sorted(settings.media_dir.glob("*")) if settings.media_dir.exists() else []


def photo_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SpacePhoto))


def test_a_photo_is_reencoded_without_its_gps_and_shown_lazily_with_its_sizes(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test file does carry a position
    response = upload(client, lielvarde, original)
    assert response.status_code == 303, response.text[:1000]

    photo = session.scalar(select(SpacePhoto))
    assert photo.alt_text == "Desks by the window" and photo.sizes == [[320, 240], [800, 600], [1600, 1200]]
    for key in photo.file_keys():
        served = client.get(f"/media/{key}")
        assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
        assert served.headers["x-content-type-options"] == "nosniff" and served.headers["content-disposition"] == "inline"
        copy = Image.open(io.BytesIO(served.content))
        assert copy.format == "WEBP" and max(copy.size) <= 1600
        assert not copy.getexif() and "exif" not in copy.info and "xmp" not in copy.info
    assert all(b"Phone 12" not in path.read_bytes() for path in media_files(settings))

    page = client.get(f"/spaces/{lielvarde.slug}").text
    assert 'alt="Desks by the window"' in page and 'loading="lazy"' in page
    assert 'width="1600" height="1200"' in page and "sizes=" in page and f"/media/{photo.key}-320.webp 320w" in page
    results = client.get("/spaces?q=lielvarde").text
    assert f"/media/{photo.key}-320.webp" in results and 'class="thumbnail"' in results and 'loading="lazy"' in results
    api = client.get(f"/api/v1/spaces/{lielvarde.slug}").json()
    assert api["photos"][0]["alt"] == "Desks by the window" and api["photos"][0]["copies"][-1]["width"] == 1600

    history = client.get(f"/spaces/{lielvarde.slug}/history").text
    assert "Photos changed by a community builder of this space." in history
    assert '<ol class="photo-alts"><li>Desks by the window</li></ol>' in history and "'alt'" not in history
    assert [r.kind for r in session.scalars(select(Revision).order_by(Revision.version))] == ["imported", "photos"]


def test_the_type_is_read_from_the_content_not_the_name(client: TestClient, session: Session, lielvarde: Space, settings: Settings) -> None:
    builder(client, session, lielvarde)
    # A PNG named .jpg is a PNG: taken, re-encoded.
    assert upload(client, lielvarde, png(), name="holiday.jpg").status_code == 303
    assert photo_rows(session) == 1
    files = media_files(settings)
    # A text file named .png, or a script claiming to be a photo: refused, with the alt text kept.
    for name, content, media_type in (
        ("desk.png", b"just some text, not a picture\n" * 10, "image/png"),
        ("x.jpg", b"<script>alert(1)</script>", "image/jpeg"),
        ("doc.gif", Image.new("RGB", (10, 10)).tobytes(), "image/gif"),
    ):
        response = upload(client, lielvarde, content, name=name, alt="Our kitchen", media_type=media_type)
        assert response.status_code == 400, name
        assert "This file is not a JPEG, PNG or WebP photo we can read." in response.text
        assert 'value="Our kitchen"' in response.text and 'aria-invalid="true"' in response.text
    # A GIF is a picture, but not one we take.
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert upload(client, lielvarde, gif.getvalue(), name="a.gif", media_type="image/gif").status_code == 400
    assert photo_rows(session) == 1 and media_files(settings) == files


def test_a_decompression_bomb_is_refused_without_the_memory_it_would_take(
    client: TestClient, session: Session, lielvarde: Space, settings: Settings
) -> None:
    builder(client, session, lielvarde)
    bomb = png_bomb()
    assert len(bomb) < 2_000_000
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.monotonic()
    response = upload(client, lielvarde, bomb, name="bomb.png", media_type="image/png")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert response.status_code == 400 and "too many pixels" in response.text
    assert grown_kb < 100_000, grown_kb  # decoding it would take 400 MB
    assert time.monotonic() - started < 5
    assert photo_rows(session) == 0 and media_files(settings) == []


def test_oversized_files_get_a_clear_message(client: TestClient, session: Session, lielvarde: Space) -> None:
    builder(client, session, lielvarde)
    just_over = png() + b"\0" * (10 * 1024 * 1024)
    response = upload(client, lielvarde, just_over, name="big.png", media_type="image/png")
    assert response.status_code == 400 and "over 10 MB" in response.text and 'value="Desks by the window"' in response.text
    far_over = b"\0" * (12 * 1024 * 1024)
    response = upload(client, lielvarde, far_over, name="huge.jpg")
    assert response.status_code == 413 and "10 MB" in response.text
    assert photo_rows(session) == 0


def test_alt_text_is_required(client: TestClient, session: Session, lielvarde: Space, settings: Settings) -> None:
    builder(client, session, lielvarde)
    response = upload(client, lielvarde, png(), alt="   ")
    assert response.status_code == 400 and "Describe the photo" in response.text
    assert photo_rows(session) == 0 and media_files(settings) == []


def test_reorder_describe_remove_and_a_partner_reverts_the_removal(
    client: TestClient, partner: TestClient, session: Session, lielvarde: Space
) -> None:
    builder(client, session, lielvarde)
    for alt in ("The house", "The desks"):
        assert upload(client, lielvarde, png(), alt=alt).status_code == 303
    house, desks = session.scalars(select(SpacePhoto).order_by(SpacePhoto.id)).all()
    path = f"/spaces/{lielvarde.slug}/photos"

    assert post(client, f"{path}/{desks.id}", action="earlier").status_code == 303
    results = client.get("/spaces?q=lielvarde").text
    assert f"/media/{desks.key}-320.webp" in results and f"/media/{house.key}" not in results  # the first is the thumbnail

    response = post(client, f"{path}/{house.id}", action="describe", alt_text="")
    assert response.status_code == 400 and f'id="alt_text_{house.id}-error"' in response.text
    assert post(client, f"{path}/{house.id}", action="describe", alt_text="The old school house").status_code == 303

    assert post(client, f"{path}/{house.id}", action="remove").status_code == 303
    assert client.get(f"/media/{house.key}-320.webp").status_code == 404  # a removed photo is no longer served
    assert "The old school house" not in client.get(f"/spaces/{lielvarde.slug}").text

    # The partner restores the version before the removal: the photo is back, in its place.
    kinds = [(r.id, r.kind, r.changes) for r in session.scalars(select(Revision).order_by(Revision.version))]
    assert [kind for _, kind, _ in kinds] == ["imported", "photos", "photos", "photos", "photos", "photos"]
    before_removal = kinds[-2][0]
    assert post(partner, f"/spaces/{lielvarde.slug}/history/{before_removal}/revert").status_code == 303
    page = client.get(f"/spaces/{lielvarde.slug}").text
    assert page.index('alt="The desks"') < page.index('alt="The old school house"')
    assert client.get(f"/media/{house.key}-320.webp").status_code == 200


def test_photos_of_another_listing_cannot_be_reached_through_this_one(
    client: TestClient, fresh: TestClient, session: Session, lielvarde: Space  # noqa: F811
) -> None:
    from tests.factories import make_space

    skola = make_space(session, "SKOLA6", "Cēsis", "LV")
    builder(client, session, lielvarde)
    assert upload(client, lielvarde, png()).status_code == 303
    photo = session.scalar(select(SpacePhoto))
    builder(fresh, session, skola, email="skola@example.org")
    assert sign_in(fresh, email="skola@example.org").status_code == 303
    # Through their own listing's address: no such photo there. Through the photo's own listing: not theirs.
    assert post(fresh, f"/spaces/{skola.slug}/photos/{photo.id}", action="remove").status_code == 404
    assert post(fresh, f"/spaces/{lielvarde.slug}/photos/{photo.id}", action="remove").status_code == 403
    assert upload(fresh, lielvarde, png()).status_code == 403
    session.expire_all()
    assert session.get(SpacePhoto, photo.id).removed_at is None and photo_rows(session) == 1


def test_media_names_are_never_paths(client: TestClient) -> None:
    for name in ("..%2F..%2Fsecret_key", "x.webp", "%2e%2e-1600.webp"):
        assert client.get(f"/media/{name}").status_code in (400, 404)


def test_uploads_are_rate_limited_per_account(client: TestClient, session: Session, lielvarde: Space, monkeypatch: pytest.MonkeyPatch) -> None:
    from coworking.core.ratelimit import Limit
    from coworking.spaces import controllers

    monkeypatch.setattr(controllers, "UPLOADS_PER_ACCOUNT", Limit("photo-upload", 2, 3600))
    builder(client, session, lielvarde)
    assert [upload(client, lielvarde, png()).status_code for _ in range(3)] == [303, 303, 429]
    assert photo_rows(session) == 2
