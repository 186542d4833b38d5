"""Maintenance → Online booking: the owner's builder (validation next to the field, slug uniqueness,
images, duplicate, live toggle, delete) and who may use it."""

from __future__ import annotations

import re

import pytest

from booking import embeds as booking
from tests.booking_support import make_embed
from tests.conftest import sign_in, snapshot_file

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="4"/></svg>'


def fields(office: int, **overrides: str) -> dict[str, str]:
    return {
        "name": "Sliding site",
        "slug": "sliding",
        "office_id": str(office),
        "open_hour": "8",
        "close_hour": "18",
        "page_title": "Book a door repair",
        "company_name": "Slide Right",
        "brand_color": "#7c3aed",
        "service_name_1": "Track repair",
        "service_price_1": "$129",
        "callout_icon_1": "shield",
        "callout_title_1": "Licensed & insured",
        "callout_body_1": "Every technician is ours.",
        "confirm_mode": "message",
        "thank_you_message": "See you soon.",
        "allowed_domains": "https://www.slideright.example/, partner.example",
        "live": "true",
        **overrides,
    }


async def post(client, csrf: str, url: str, data: dict[str, str], files: dict | None = None):
    return await client.post(url, data={**data, "csrf_token": csrf}, files=files or {"_": ("", b"")})


async def test_the_owner_creates_an_embed_and_sees_it_listed_with_its_code(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    assert (await client.get("/maintenance/booking/new")).status_code == 200
    response = await post(
        client, csrf, "/maintenance/booking", fields(people.office_b.id), {"logo": ("logo.svg", EVIL_SVG)}
    )
    assert response.status_code == 303, response.text
    embed = await booking.by_slug(database, "sliding")
    assert embed is not None and embed.office_name == "Sliding" and embed.live
    assert embed.services == (booking.Service("Track repair", "$129"),)
    assert embed.callouts[0].title == "Licensed & insured"
    assert embed.allowed_domains == ("www.slideright.example", "partner.example")
    stored = await bindings.files.get(embed.logo_key)
    assert embed.logo_type == "image/svg+xml" and b"script" not in stored and b"onload" not in stored
    listing = (await client.get("/maintenance/booking")).text
    assert "Sliding site" in listing and "/book/sliding" in listing
    assert "http://testserver/book/sliding?inline=1" in listing and 'data-copy="code-frame-' in listing
    assert '<script src="/static/booking-builder.js" defer></script>' in listing
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'booking.created'")
    assert audit["actor_user_id"] == people.owner.id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Give the embed a name"),
        ({"slug": "Bad Slug!"}, "slug", "lowercase letters"),
        ({"office_id": "999"}, "office_id", "Choose the office"),
        ({"open_hour": "9", "close_hour": "10"}, "close_hour", "at least 2 hours"),
        ({"brand_color": "red"}, "brand_color", "#2456c9"),
        ({"service_name_1": "", "service_price_1": "$5"}, "service_0", "Name this service"),
        ({f"service_name_{i}": f"S{i}" for i in (2, 3, 4)}, "services", "At most 3 services"),
        ({f"callout_title_{i}": f"C{i}" for i in (2, 3, 4)}, "callouts", "At most 3 callouts"),
        ({"confirm_mode": "redirect", "redirect_url": "javascript:alert(1)"}, "redirect_url", "https://"),
        ({"allowed_domains": "good.example, bad domain;script"}, "allowed_domains", "Not a domain name"),
    ],
)
async def test_mistakes_are_shown_next_to_the_field_and_nothing_is_saved(
    client, bindings, people, db_path, change, field, message
):
    csrf = await sign_in(client, bindings, people.owner)
    before = snapshot_file(db_path)
    response = await post(client, csrf, "/maintenance/booking", fields(people.office_a.id, **change))
    assert response.status_code == 422
    assert re.search(rf'<span class="field-error" id="err-{field}">[^<]*{re.escape(message)}', response.text)
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_a_bad_logo_is_refused_next_to_its_field(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    gif = await post(
        client, csrf, "/maintenance/booking", fields(people.office_a.id), {"logo": ("logo.gif", b"GIF89a" + b"0" * 9)}
    )
    assert gif.status_code == 422 and 'id="err-logo">Use a PNG, JPG or SVG image.' in gif.text
    big = await post(
        client, csrf, "/maintenance/booking", fields(people.office_a.id), {"logo": ("logo.png", PNG * 4000)}
    )
    assert big.status_code == 422 and "at most 200 KB" in big.text
    assert await booking.count(database) == 0


async def test_slugs_are_unique(client, bindings, people, database):
    await make_embed(bindings, people.office_a.id, slug="sliding")
    csrf = await sign_in(client, bindings, people.owner)
    response = await post(client, csrf, "/maintenance/booking", fields(people.office_a.id, slug="Sliding"))
    assert response.status_code == 422 and "Another embed already uses this slug." in response.text
    other = await make_embed(bindings, people.office_a.id, slug="other")
    renamed = await post(client, csrf, f"/maintenance/booking/{other.id}", fields(people.office_a.id, slug="sliding"))
    assert renamed.status_code == 422 and "Another embed already uses this slug." in renamed.text
    assert await booking.count(database) == 2


async def test_editing_saves_and_replaces_the_logo(client, bindings, people, database):
    embed = await make_embed(bindings, people.office_a.id)
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get(f"/maintenance/booking/{embed.id}")
    assert page.status_code == 200 and 'value="garage-doors"' in page.text and "Embed code" in page.text
    saved = await post(
        client,
        csrf,
        f"/maintenance/booking/{embed.id}",
        fields(people.office_a.id, slug="garage-doors", confirm_mode="redirect", redirect_url="https://joe.example/ty"),
        {"logo": ("logo.png", PNG), "service_image_1": ("track.png", PNG)},
    )
    assert saved.status_code == 303, saved.text
    after = await booking.by_id(database, embed.id)
    assert after.name == "Sliding site" and after.confirm_mode == "redirect" and after.thank_you_message == ""
    assert after.logo_type == "image/png" and after.services[0].image_type == "image/png"
    assert after.version == embed.version + 1
    removed = await post(
        client,
        csrf,
        f"/maintenance/booking/{embed.id}",
        fields(people.office_a.id, slug="garage-doors", remove_logo="1"),
    )
    assert removed.status_code == 303
    final = await booking.by_id(database, embed.id)
    assert final.logo_key is None and await bindings.files.get(after.logo_key) is None
    assert final.services[0].image_key == after.services[0].image_key  # untouched picture kept


async def test_duplicate_makes_a_paused_copy_with_its_own_images(client, bindings, people, database):
    from booking.embeds import Images
    from booking.images import Image

    embed = await make_embed(bindings, people.office_a.id, images=Images(logo=Image("image/png", PNG)))
    csrf = await sign_in(client, bindings, people.owner)
    for _ in range(2):
        response = await client.post(f"/maintenance/booking/{embed.id}/duplicate", data={"csrf_token": csrf})
        assert response.status_code == 303
    copy = await booking.by_slug(database, "garage-doors-copy")
    second = await booking.by_slug(database, "garage-doors-copy-2")
    assert copy and second and copy.name == "Garage site (copy)" and not copy.live
    assert copy.services == embed.services and copy.callouts == embed.callouts
    assert copy.logo_key != embed.logo_key and await bindings.files.get(copy.logo_key) == PNG


async def test_pausing_and_going_live(client, bindings, people, database):
    embed = await make_embed(bindings, people.office_a.id)
    csrf = await sign_in(client, bindings, people.owner)
    await client.post(f"/maintenance/booking/{embed.id}/live", data={"csrf_token": csrf, "live": "false"})
    assert not (await booking.by_id(database, embed.id)).live
    assert "not taking online bookings" in (await client.get("/book/garage-doors")).text
    await client.post(f"/maintenance/booking/{embed.id}/live", data={"csrf_token": csrf, "live": "true"})
    assert (await booking.by_id(database, embed.id)).live
    actions = [
        r["action"]
        for r in await database.all("SELECT action FROM audit_log WHERE action LIKE 'booking.%' ORDER BY id")
    ]
    assert actions == ["booking.created", "booking.paused", "booking.live"]


async def test_delete_removes_the_embed_and_its_images(client, bindings, people, database):
    from booking.embeds import Images
    from booking.images import Image

    embed = await make_embed(bindings, people.office_a.id, images=Images(logo=Image("image/png", PNG)))
    csrf = await sign_in(client, bindings, people.owner)
    response = await client.post(f"/maintenance/booking/{embed.id}/delete", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert await booking.by_id(database, embed.id) is None and await bindings.files.get(embed.logo_key) is None
    assert (await client.get("/book/garage-doors")).status_code == 404
    assert (await client.get(f"/maintenance/booking/{embed.id}")).status_code == 404


@pytest.mark.parametrize("persona", ["admin", "finance", "agent", "viewer", "partner", "agent_b"])
async def test_only_the_owner_may_use_the_builder(client, bindings, people, database, persona, db_path):
    embed = await make_embed(bindings, people.office_a.id)
    csrf = await sign_in(client, bindings, getattr(people, persona))
    before = snapshot_file(db_path)
    assert (await client.get("/maintenance/booking")).status_code == 403
    assert (await client.get(f"/maintenance/booking/{embed.id}")).status_code == 403
    for url in ("/maintenance/booking", f"/maintenance/booking/{embed.id}", f"/maintenance/booking/{embed.id}/delete"):
        response = await client.post(url, data={**fields(people.office_a.id), "csrf_token": csrf})
        assert response.status_code == 403, url
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = await client.get("/maintenance/booking", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
