"""The tags column on `customers` (migration 0016): kept by triggers through tagging, merging and
deleting, backfilled, and the clients list's tag filter giving the same answers as `customer_tags`."""

from __future__ import annotations

import random
import shutil

import pytest

from core import vault
from core.storage import migrations
from core.storage.sqlite import connect
from customers import actions as customer_actions
from customers import listing as customer_list
from customers import merge as customer_merge
from customers import tags as customer_tags
from tests.customers_support import make_customer

TAGS = ("vip", "commercial", "gate", "gate code", "do_not", "do-not")


async def assert_column_follows(db) -> None:
    """Every customer's `tags` is exactly its `customer_tags` rows, delimited, A–Z."""
    held: dict[int, list[str]] = {}
    for r in await db.all("SELECT customer_id, tag FROM customer_tags ORDER BY customer_id, tag"):
        held.setdefault(r["customer_id"], []).append(r["tag"])
    for r in await db.all("SELECT id, tags FROM customers"):
        tags = held.get(r["id"], [])
        folded = sorted(customer_tags.fold(t) for t in tags)  # the column is lower-cased; the rows keep case
        assert r["tags"] == ("|" + "|".join(folded) + "|" if tags else ""), r["id"]


async def tags_column(db, customer_id: int) -> str:
    row = await db.first("SELECT tags FROM customers WHERE id = ?", customer_id)
    return row["tags"]


async def test_it_follows_adding_and_removing_tags(bindings, people, database):
    row = await make_customer(bindings, people.office_a, "Tagged")
    other = await make_customer(bindings, people.office_a, "Untagged")
    now = bindings.clock.now()
    assert await tags_column(database, row["id"]) == ""
    await customer_tags.add_tag(database, now, people.agent, row, "VIP")
    await customer_tags.add_tag(database, now, people.agent, row, "  Gate   Code ")
    await customer_tags.add_tag(database, now, people.agent, row, "commercial")
    assert await tags_column(database, row["id"]) == "|commercial|gate code|vip|"
    await customer_tags.remove_tag(database, now, people.agent, row, "gate code")
    assert await tags_column(database, row["id"]) == "|commercial|vip|"
    await customer_tags.remove_tag(database, now, people.agent, row, "commercial")
    await customer_tags.remove_tag(database, now, people.agent, row, "vip")
    assert await tags_column(database, row["id"]) == ""
    await customer_tags.add_tag(database, now, people.agent, other, "warranty")
    await database.run("UPDATE customer_tags SET customer_id = ? WHERE customer_id = ?", row["id"], other["id"])
    assert (await tags_column(database, row["id"]), await tags_column(database, other["id"])) == ("|warranty|", "")
    # tagging is not an edit of the record: no version bump to conflict with someone's form
    assert (await database.first("SELECT version FROM customers WHERE id = ?", row["id"]))["version"] == row["version"]
    await assert_column_follows(database)


async def test_it_follows_a_merge_and_a_hard_delete(bindings, people, database):
    keeper = await make_customer(bindings, people.office_a, "Keeper")
    other = await make_customer(bindings, people.office_a, "Other")
    now = bindings.clock.now()
    for row, tags in ((keeper, ("vip", "gate")), (other, ("vip", "commercial", "do_not"))):
        for tag in tags:
            await customer_tags.add_tag(database, now, people.admin, row, tag)
    ring = vault.KeyRing.from_settings(bindings.settings)
    await customer_merge.merge_customers(database, now, people.admin, keeper, other, ring=ring)
    assert await tags_column(database, keeper["id"]) == "|commercial|do_not|gate|vip|"
    assert await tags_column(database, other["id"]) == ""
    await assert_column_follows(database)
    found = await customer_list.customer_page(database, people.owner, customer_list.Query(tags=["commercial"]))
    assert [r["name"] for r in found.rows] == ["Keeper"]

    keeper = await database.first("SELECT * FROM customers WHERE id = ?", keeper["id"])
    await customer_actions.delete_customer(
        database, now, people.owner, keeper, keeper["display_id"], files=bindings.files
    )
    assert await database.all("SELECT * FROM customer_tags WHERE customer_id = ?", keeper["id"]) == []
    await assert_column_follows(database)


def test_the_migration_fills_the_column_for_existing_tags(tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for m in migrations.available():
        if m.number < 16:
            shutil.copy(m.path, before / m.name)
    conn = connect(tmp_path / "db.sqlite3")
    migrations.migrate(conn, before)
    stamp = "2026-11-22T15:00:00.000Z"
    conn.execute(
        "INSERT INTO offices (id, slug, name, time_zone, created_at, updated_at) VALUES (1, 'g', 'G', 'UTC', ?, ?)",
        (stamp, stamp),
    )
    for cid, tags in ((1, ("vip", "Commercial")), (2, ()), (3, ("gate code",))):
        conn.execute(
            "INSERT INTO customers (id, display_id, office_id, name, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)",
            (cid, f"C-{cid}", f"N{cid}", stamp, stamp),
        )
        for tag in tags:
            conn.execute("INSERT INTO customer_tags (customer_id, tag, created_at) VALUES (?, ?, ?)", (cid, tag, stamp))
    conn.commit()
    assert "0016_customer_tag_column.sql" in migrations.migrate(conn)
    got = dict(conn.execute("SELECT id, tags FROM customers ORDER BY id").fetchall())
    assert got == {1: "|commercial|vip|", 2: "", 3: "|gate code|"}
    indexes = {r[0]: r[1] for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'customers_l_%'")}
    assert len(indexes) == 6 and all("tags)" in sql for sql in indexes.values())


# --- the list's tag filter ------------------------------------------------------------------------


def expected(book: list[dict], user, query: customer_list.Query) -> list[str]:
    wanted = {t.strip().lower() for t in query.tags}
    found = [
        c
        for c in book
        if (user.all_offices or c["office"] in user.office_ids)
        and not c["archived"]
        and (not query.offices or c["office"] in query.offices)
        and (not query.statuses or c["status"] in query.statuses)
        and (not wanted or wanted & set(c["tags"]))
    ]
    if query.sort == "newest":
        return [c["name"] for c in sorted(found, key=lambda c: -c["id"])]
    return [c["name"] for c in sorted(found, key=lambda c: (c["name"].lower(), c["id"]))]


@pytest.fixture
async def book(bindings, people) -> list[dict]:
    """60 customers over two offices with a random mix of status and tags: 'commercial' on most, so
    that with 'dormant' the status is the smaller range and the tags column decides; 'vip' on few, so
    that the tag's own range drives the read."""
    rng = random.Random(16)
    now = bindings.clock.now()
    made = []
    for n in range(60):
        office = people.office_a if n % 3 else people.office_b
        status = "dormant" if rng.random() < 0.2 else "active"
        row = await make_customer(bindings, office, f"Client {n:02d}", status=status, archived=n % 17 == 0)
        tags = [t for t, share in zip(TAGS, (0.1, 0.7, 0.3, 0.3, 0.2, 0.2), strict=True) if rng.random() < share]
        for tag in tags:
            await customer_tags.add_tag(bindings.db, now, people.owner, row, tag)
        made.append(
            {
                "id": row["id"],
                "name": row["name"],
                "office": office.id,
                "status": status,
                "archived": bool(row["archived_at"]),
                "tags": tags,
            }
        )
    return made


@pytest.mark.parametrize(
    "tags",
    [["vip"], ["commercial"], ["gate"], ["gate code"], ["do_not"], ["DO-NOT "], ["vip", "gate code"], ["do|not"]],
)
@pytest.mark.parametrize(
    ("small", "probe"),
    [(2_000, 10_000), (1, 10_000), (1, 1)],
    ids=["read-whole", "paged-off-the-index", "every-range-past-the-cap"],
)
async def test_the_tag_filter_matches_customer_tags_with_and_without_other_filters(
    bindings, people, book, tags, small, probe, monkeypatch
):
    assert any("commercial" in c["tags"] for c in book) and any("vip" in c["tags"] for c in book)
    monkeypatch.setattr(customer_list, "_SMALL", small)
    monkeypatch.setattr(customer_list, "_PROBE", probe)
    for user in (people.owner, people.agent):
        for statuses in ([], ["dormant"], ["active"]):
            for offices in ([], [people.office_a.id]):
                for sort in ("name", "newest"):
                    query = customer_list.Query(tags=tags, statuses=statuses, offices=offices, sort=sort, per_page=100)
                    page = await customer_list.customer_page(bindings.db, user, query)
                    want = expected(book, user, query)
                    assert [r["name"] for r in page.rows] == want, (user.email, query)
                    assert page.total == len(want)


async def test_a_tag_with_a_status_pages_in_name_order(bindings, people, book, monkeypatch):
    monkeypatch.setattr(customer_list, "_SMALL", 1)  # paged straight off the status index
    want = expected(book, people.owner, customer_list.Query(tags=["commercial"], statuses=["active"]))
    assert len(want) > 10
    pages = []
    for n in (1, 2, 3, 4):
        query = customer_list.Query(tags=["commercial"], statuses=["active"], per_page=4, page=n)
        pages += [r["name"] for r in (await customer_list.customer_page(bindings.db, people.owner, query)).rows]
    assert pages == want[:16]
