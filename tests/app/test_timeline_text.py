"""Timeline lines do not repeat their author (issue 17): the page shows "— Dana" once."""

from __future__ import annotations

import pytest

from routes.timeline_text import without_author
from tests.conftest import sign_in


@pytest.mark.parametrize(
    ("body", "author", "shown"),
    [
        ("Archived by Dana", "Dana", "Archived"),
        ("Lead claimed by Dana", "Dana", "Lead claimed"),
        ("Edited by Dana: name, phone", "Dana", "Edited: name, phone"),
        ("Primary contact: Ann → Bob, by Dana", "Dana", "Primary contact: Ann → Bob"),
        ("Call attempt #2 by Dana — next try at 3 PM", "Dana", "Call attempt #2 — next try at 3 PM"),
        (
            "Merged from L-12 by Dana; its timeline is copied above",
            "Dana",
            "Merged from L-12; its timeline is copied above",
        ),
        ("Dana uploaded “roof.jpg” to C-1042", "Dana", "Uploaded “roof.jpg” to C-1042"),
        # someone else named, or a longer name, stays
        ("Note by Sam deleted by Dana", "Dana", "Note by Sam deleted"),
        ("Archived by Dana Smith", "Dana", "Archived by Dana Smith"),
        ("Archived by Sam", "Dana", "Archived by Sam"),
        ("", "Dana", ""),
    ],
)
def test_the_author_is_not_repeated(body, author, shown):
    assert without_author(body, author) == shown


async def test_the_customer_timeline_shows_the_author_once(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    form = {"name": "Tia Line", "line1": "1 Main St", "zip": "33139", "csrf_token": csrf}
    r = await client.post("/clients/new", data=form)
    page = await client.get(r.headers["location"])
    assert '<span class="tl-body">Customer created</span> <span class="tl-who">— Owner</span>' in page.text
    stored = await database.first("SELECT body FROM timeline_entries WHERE body LIKE 'Customer created%'")
    assert stored["body"] == "Customer created by Owner"  # the row keeps its words; the API answers them
