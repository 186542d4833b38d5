"""The demo business (issue 17): leads, customers, a booking embed, report rollups and QuickBooks
billing data, so a fresh `make dev` shows living pages.

Deterministic (one `random.Random(SEED)`, every date relative to the clock's now) and written only
through the owning modules' verbs and statement builders: intake receives the leads, `leads.actions`
claims, calls and moves them, `customers.conversion` converts, the `customers.*` verbs fill the
records, `booking.embeds` makes the embed, `quickbooks.oauth`/`quickbooks.objects`/`quickbooks.identity`
load the billing data as an import would, and `reports.rollups` builds the report rows. Never raw
writes into domain tables from here.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz, offices, users
from accounts.offices import Office
from accounts.users import User
from booking import embeds
from core.attachments import check_upload
from core.bindings import Bindings
from core.records import SYSTEM
from core.storage import Row
from core.vault import KeyRing
from customers import actions as customer_actions
from customers import addresses, contacts, conversion, files, notes, secure_access, tags
from customers import record as customers
from leads import actions as lead_actions
from leads import intake, queue, sources
from ops import (
    demo_archived,
    demo_automations,
    demo_finance_reports,
    demo_jobs,
    demo_jobs_finance,
    demo_messaging,
    demo_network,
    demo_report_jobs,
    demo_sms,
    demo_tasks,
    demo_technicians,
    demo_tickets,
    demo_tracking,
    demo_webhooks,
)
from quickbooks import identity, oauth, objects
from reports import rollups

SEED = 17
LEADS = 300
DIRECT_CUSTOMERS = 36
DAYS = 60
DEMO_REALM = "9341453500000"
DEMO_COMPANY = "Porchlight Doors (demo data)"

FIRST = (
    "Maria James Linda Robert Patricia Michael Jennifer David Elizabeth William Barbara Richard Susan Joseph"
    " Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra Donald Ashley"
    " Steven Emily Paul Donna Andrew Michelle Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah Omar"
    " Priya Wei Sofia Diego Aisha Kenji Fatima Luca Ngozi Ivan Mei"
).split()
LAST = (
    "Garcia Smith Johnson Williams Brown Jones Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson"
    " Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis"
    " Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall"
    " Rivera Campbell Mitchell Carter Roberts Patel Kim Okafor Rossi Ivanova Chen"
).split()
SERVICES = {
    "Garage": (
        "Garage door won't open",
        "Broken spring replacement",
        "Opener beeping and light flashing",
        "New insulated garage door quote",
        "Cable snapped on one side",
        "Door off track after a bump",
        "Remote and keypad programming",
        "Annual tune-up",
    ),
    "Sliding": (
        "Sliding door off track",
        "Rollers replacement",
        "Patio door lock broken",
        "Screen door repair",
        "Sliding door hard to open",
        "New sliding glass door estimate",
    ),
    "General": ("Entry door adjustment", "Storm door install", "Weatherstripping", "Door closer repair"),
}
HOW_SOON = ("As soon as possible", "Within a week", "Next two weeks", "Just getting quotes")
# Each office: ZIPs in its own zone, with street, city and state, and the phone area codes used there.
PLACES = {
    "Garage": (
        (
            ("Brooklyn", "NY", "11201"),
            ("Queens", "NY", "11375"),
            ("Hoboken", "NJ", "07030"),
            ("Yonkers", "NY", "10701"),
        ),
        ("718", "917", "201", "914"),
    ),
    "Sliding": (
        (("Pasadena", "CA", "91101"), ("Burbank", "CA", "91502"), ("Santa Monica", "CA", "90401")),
        ("626", "818", "310"),
    ),
    "General": ((("Evanston", "IL", "60201"), ("Oak Park", "IL", "60302")), ("847", "708")),
}
STREETS = ("Elm St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Pl", "Hillside Rd", "Lake Shore Dr", "Sunset Blvd")
# Which office each source's leads go to (and the source's default office, so new leads reach staff).
SOURCE_OFFICE = {
    "facebook": "Garage",
    "google": "Garage",
    "lsa": "Sliding",
    "yelp": "Sliding",
    "angi": "Garage",
    "thumbtack": "Sliding",
    "website": "Garage",
    "manual": "Garage",
    "bookback": "Garage",
}
IRRELEVANT = (
    "Wrong service (wants a window repair)",
    "Outside the service area",
    "Prank call",
    "Price shopper, no job",
)
TAGS = ("repeat", "vip", "commercial", "warranty", "maintenance-plan", "referral")
NOTES = (
    "Prefers a text before we arrive; dog in the yard.",
    "Gate code is on the secure-access card.",
    "Asked for a quote on a second door next spring.",
    "Paid on the day; very happy with the tech.",
    "Building manager signs off on all work orders.",
)


@dataclass
class Summary:
    leads: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    claimed: int = 0
    call_attempts: int = 0
    reactivated: int = 0
    customers: int = 0
    contacts: int = 0
    addresses: int = 0
    notes: int = 0
    tags: int = 0
    files: int = 0
    secure_items: int = 0
    embeds: int = 0
    quickbooks_objects: int = 0
    quickbooks_linked: int = 0
    extra: list[str] = field(default_factory=list)  # other capabilities' one-line summaries

    def lines(self) -> list[str]:
        status = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return [
            f"{self.leads} leads ({status}); {self.claimed} claimed, {self.call_attempts} call attempts,"
            f" {self.reactivated} reactivated by BookBack",
            f"{self.customers} customers with {self.contacts} extra contacts, {self.addresses} sites,"
            f" {self.notes} notes, {self.tags} tags, {self.files} files, {self.secure_items} secure-access items",
            f"{self.embeds} booking embed; {self.quickbooks_objects} QuickBooks objects"
            f" ({self.quickbooks_linked} customers linked), marked as demo data",
            *[line for line in self.extra if line],
        ]


async def already_seeded(bindings: Bindings) -> bool:
    """The business is seeded once: any lead or customer means the database has one already."""
    row = await bindings.db.first("SELECT (SELECT COUNT(*) FROM leads) + (SELECT COUNT(*) FROM customers) AS n")
    return bool(row and row["n"])


class _Seeder:
    def __init__(self, bindings: Bindings, now: datetime) -> None:
        self.b = bindings
        self.db = bindings.db
        self.now = now
        self.rnd = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
        self.summary = Summary()
        self.offices: dict[str, Office] = {}
        self.staff: dict[str, User] = {}
        self.owner: User | None = None
        self.phone_serial = 0

    # --- people and places -----------------------------------------------------------------------

    async def setup(self) -> None:
        for name, zone in (
            ("Garage", "America/New_York"),
            ("Sliding", "America/Los_Angeles"),
            ("General", "America/Chicago"),
        ):
            found = await offices.by_name(self.db, name)
            self.offices[name] = found or await offices.create_office(
                self.db, self.now - timedelta(days=DAYS + 1), SYSTEM, name=name, time_zone=zone
            )
        everyone = [u for u in await users.all_users(self.db) if u.active]
        owners = [u for u in everyone if authz.can(u, "users.manage")]
        if not owners:
            raise RuntimeError("the demo business needs an owner; seed the demo people first")
        self.owner = owners[0]
        by_id = {u.id: u for u in everyone}
        members = {
            name: [r["id"] for r in await offices.active_members(self.db, o.id)] for name, o in self.offices.items()
        }
        reach = {uid: sum(uid in ids for ids in members.values()) for uid in by_id}
        for name in self.offices:
            # who works this office's leads: its own staff, the most local first (an agent of this office)
            workers = [by_id[i] for i in members[name] if i in by_id and authz.can(by_id[i], "leads.edit")]
            workers.sort(key=lambda u: (reach[u.id], u.id))
            self.staff[name] = workers[0] if workers else self.owner
        for source in await sources.all_sources(self.db):
            office = self.offices[SOURCE_OFFICE.get(source.key, "Garage")]
            if source.default_office_id != office.id:
                await sources.update_source(
                    self.db,
                    self.now - timedelta(days=DAYS + 1),
                    self.owner.actor,
                    source,
                    label=source.label,
                    color=source.color,
                    default_office_id=office.id,
                    snooze_sequence=source.snooze_sequence,
                    active=source.active,
                )
        self.sources = {s.key: s for s in await sources.all_sources(self.db)}

    def person(self) -> str:
        return f"{self.rnd.choice(FIRST)} {self.rnd.choice(LAST)}"

    def phone(self, office: str) -> str:
        self.phone_serial += 1
        area = self.rnd.choice(PLACES[office][1])
        return f"({area}) {200 + self.phone_serial // 100 % 700:03d}-{1000 + self.phone_serial:04d}"

    def place(self, office: str) -> tuple[str, str, str, str]:
        city, state, zip_code = self.rnd.choice(PLACES[office][0])
        return f"{self.rnd.randint(2, 980)} {self.rnd.choice(STREETS)}", city, state, zip_code

    # --- leads -----------------------------------------------------------------------------------

    async def lead_row(self, display_id: str) -> Any:
        assert self.owner is not None
        row = await queue.lead_for_user(self.db, self.owner, display_id)
        assert row is not None, display_id
        return row

    async def receive(self, at: datetime, source_key: str, payload: dict[str, Any]) -> intake.Outcome:
        body = json.dumps(payload)
        return await intake.receive(
            self.db,
            at,
            self.sources[source_key],
            payload,
            intake.Delivery("webhook:source", "application/json", body),
        )

    def _payload(self, office: str, source_key: str, name: str, phone: str) -> dict[str, Any]:
        street, city, state, zip_code = self.place(office)
        first, _, last = name.partition(" ")
        payload: dict[str, Any] = {
            "full_name": name,
            "phone_number": phone,
            "email": f"{first.lower()}.{last.lower()}{self.phone_serial}@example.com",
            "address": f"{street}, {city} {state} {zip_code}",
            "zip_code": zip_code,
            "office": office,
            "what_can_we_do_for_you_today": self.rnd.choice(SERVICES[office]),
            "how_soon": self.rnd.choice(HOW_SOON),
        }
        if source_key in ("facebook", "google"):
            payload["campaign"] = self.rnd.choice(("Spring tune-up", "Emergency repair", "New doors"))
            payload["ad_name"] = self.rnd.choice(("Carousel A", "Video 15s", "Search - repair"))
        if source_key in ("angi", "thumbtack", "yelp"):
            payload["fee"] = self.rnd.choice(("18.50", "24.00", "32.75"))
        if source_key == "angi" and self.rnd.random() < 0.5:
            payload["partner_name"] = "GDQ Leads"  # the demo partner user's and a job partner's name
        if source_key == "website" and self.rnd.random() < 0.5:
            payload["bb_source"] = "Website form"
        if self.rnd.random() < 0.3:
            payload["message"] = self.rnd.choice(
                ("Please call after 5pm.", "Door makes a loud bang when closing.", "Gate code 4411.")
            )
        return payload

    async def leads(self) -> None:
        now = self.now
        # Ages in minutes, older first; more of them recent (a business that is growing).
        ages = sorted((int((self.rnd.random() ** 1.6) * DAYS * 1440) + 3 for _ in range(LEADS)), reverse=True)
        weights = {"Garage": 5, "Sliding": 4, "General": 1}
        source_keys = [k for k in SOURCE_OFFICE if k not in ("bookback", "manual")]
        made: list[tuple[str, str, datetime, str]] = []  # (display id, office, created, phone)
        duplicate_of: tuple[str, str] | None = None
        for i, age in enumerate(ages):
            created = now - timedelta(minutes=age)
            source_key = self.rnd.choice(source_keys)
            office = self.rnd.choices(list(weights), list(weights.values()))[0]
            if office != "General" and self.rnd.random() < 0.7:
                office = SOURCE_OFFICE[source_key]
            name = self.person()
            phone = self.phone(office)
            if i == LEADS - 40 and duplicate_of:  # the duplicate pair: the same person from two sources
                name, phone = duplicate_of
            payload = self._payload(office, source_key, name, phone)
            outcome = await self.receive(created, source_key, payload)
            assert outcome.status == "created" and outcome.lead_id, outcome
            if i == LEADS - 60:
                duplicate_of = (name, phone)
            made.append((outcome.lead_id, office, created, phone))
            self.summary.leads += 1
        dupes = {LEADS - 60, LEADS - 40}
        for i, (display, office, created, _phone) in enumerate(made):
            await self.work(display, office, created, now - created, keep_open=i in dupes)
        await self.reactivations(made)

    def _at(self, created: datetime, minutes: tuple[int, int]) -> datetime:
        return min(created + timedelta(minutes=self.rnd.randint(*minutes)), self.now - timedelta(minutes=1))

    def _next_contact(self, office: str) -> datetime:
        """A callback time spread over the queue's views: stalled, due, later today, later on."""
        zone = self.offices[office].zone
        local = self.now.astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        pick = self.rnd.random()
        if pick < 0.15:
            return self.now - timedelta(hours=self.rnd.randint(26, 120))  # Recovery
        if pick < 0.35:
            return self.now - timedelta(minutes=self.rnd.randint(10, 600))  # Now
        if pick < 0.55 and midnight - self.now > timedelta(minutes=20):
            room = (midnight - self.now).total_seconds()
            return self.now + timedelta(seconds=room * self.rnd.uniform(0.1, 0.9))  # Today
        return self.now + timedelta(hours=self.rnd.randint(26, 24 * 12))  # Later

    async def work(self, display: str, office: str, created: datetime, age: timedelta, *, keep_open: bool) -> None:
        user = self.staff[office]
        rnd = self.rnd
        if keep_open or age < timedelta(hours=36):
            fate = rnd.choices(("fresh", "claimed", "called", "callback"), (3, 3, 2, 2))[0]
        else:
            fate = rnd.choices(
                ("converted", "irrelevant", "callback", "called_callback", "stalled_fresh", "archived"),
                (26, 16, 26, 22, 3, 4),
            )[0]
        if fate == "fresh" or fate == "stalled_fresh":
            self._count("fresh")
            return
        at = self._at(created, (4, 90))
        if fate == "claimed":
            await lead_actions.claim_lead(self.db, at, user, await self.lead_row(display))
            self.summary.claimed += 1
            self._count("fresh")
            return
        if fate in ("called", "called_callback"):
            for _ in range(rnd.randint(1, 3)):
                await lead_actions.log_call_attempt(self.db, at, user, await self.lead_row(display))
                self.summary.call_attempts += 1
                at = self._at(at, (30, 300))
            if fate == "called":
                self._count("fresh")
                return
        if fate in ("callback", "called_callback"):
            status = rnd.choice(queue.CALLBACK)
            await lead_actions.change_status(
                self.db, at, user, await self.lead_row(display), status, next_contact_at=self._next_contact(office)
            )
            self._count(status)
            return
        if fate == "irrelevant":
            await lead_actions.change_status(
                self.db, at, user, await self.lead_row(display), "irrelevant", reason=rnd.choice(IRRELEVANT)
            )
            self._count("irrelevant")
            return
        if fate == "archived":
            row = await self.lead_row(display)
            await lead_actions.change_status(self.db, at, user, row, "irrelevant", reason="Customer went elsewhere")
            await lead_actions.archive_lead(self.db, self._at(at, (5, 60)), user, await self.lead_row(display))
            self._count("irrelevant")
            return
        # converted: first a consultation, then the customer
        await lead_actions.change_status(
            self.db,
            at,
            user,
            await self.lead_row(display),
            "consultation_call",
            next_contact_at=at + timedelta(hours=20),
        )
        converted_at = self._at(at, (60 * 18, 60 * 60))
        await conversion.convert_lead(self.db, converted_at, user, await self.lead_row(display), self.offices[office])
        self._count("converted")
        self.summary.customers += 1

    def _count(self, status: str) -> None:
        self.summary.statuses[status] = self.summary.statuses.get(status, 0) + 1

    async def reactivations(self, made: list[tuple[str, str, datetime, str]]) -> None:
        """BookBack AI calls back a few old leads (irrelevant, and one converted) and revives them."""
        picked = 0
        for display, _office, created, phone in made:
            if picked >= 6 or self.now - created < timedelta(days=20):
                continue
            row = await self.lead_row(display)
            if row["status"] not in ("irrelevant", "converted") or (row["archived_at"] and not row["customer_id"]):
                continue
            if row["status"] == "converted" and picked != 2:
                continue
            at = self.now - timedelta(hours=self.rnd.randint(2, 40))
            outcome = await self.receive(
                at,
                "bookback",
                {
                    "full_name": row["name"],
                    "phone_number": phone,
                    "message": "Interested again after our follow-up call.",
                },
            )
            if outcome.status == "reactivated":
                picked += 1
                self.summary.reactivated += 1
                self.summary.statuses[row["status"]] -= 1  # the customer of a converted one stays
                self._count("fresh")

    # --- customers -------------------------------------------------------------------------------

    async def direct_customers(self) -> None:
        """Customers that never were leads here (phoned in, walked in, referrals)."""
        for i in range(DIRECT_CUSTOMERS):
            office = self.rnd.choices(("Garage", "Sliding", "General"), (5, 4, 1))[0]
            name = self.person()
            first, _, last = name.partition(" ")
            street, city, state, zip_code = self.place(office)
            commercial = i % 6 == 0
            new = customer_actions.NewCustomer(
                name=f"{last} Property Management" if commercial else name,
                kind="company" if commercial else "private",
                company=f"{last} Property Management" if commercial else "",
                source=self.rnd.choice(("website", "google", "manual", "yelp")),
                contact={
                    "name": name,
                    "phone": self.phone(office),
                    "email": f"{first.lower()}.{last.lower()}.c{i}@example.com",
                },
                billing_address={"line1": street, "city": city, "state": state, "zip": zip_code},
            )
            at = self.now - timedelta(minutes=int(self.rnd.random() * DAYS * 1440) + 30)
            await customer_actions.create_customer(self.db, at, self.staff[office], self.offices[office], new)
            self.summary.customers += 1

    async def enrich_customers(self) -> None:
        assert self.owner is not None
        rows = await self.db.all("SELECT display_id, created_at, office_id FROM customers ORDER BY id")
        names = {o.id: n for n, o in self.offices.items()}
        ring = KeyRing.from_settings(self.b.settings) if self.b.settings.encryption_key else None
        for i, r in enumerate(rows):
            office = names.get(r["office_id"], "Garage")
            user = self.staff[office]
            at = datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) + timedelta(minutes=30)
            at = min(at, self.now - timedelta(minutes=1))

            async def fresh(display: str = r["display_id"]) -> Any:
                row = await customers.customer_for_user(self.db, self.owner, display)  # type: ignore[arg-type]
                assert row is not None
                return row

            for tag in self.rnd.sample(TAGS, self.rnd.choice((0, 1, 1, 2))):
                if await tags.add_tag(self.db, at, user, await fresh(), tag):
                    self.summary.tags += 1
            if self.rnd.random() < 0.35:
                await contacts.add_contact(
                    self.db,
                    at,
                    user,
                    await fresh(),
                    {"name": self.person(), "position": self.rnd.choice(("Spouse", "Tenant", "Office manager")),
                     "phone": self.phone(office)},
                )  # fmt: skip
                self.summary.contacts += 1
            if self.rnd.random() < 0.4:
                street, city, state, zip_code = self.place(office)
                await addresses.add_address(
                    self.db,
                    at,
                    user,
                    await fresh(),
                    {"label": self.rnd.choice(("Rental unit", "Beach house", "Warehouse")), "line1": street,
                     "city": city, "state": state, "zip": zip_code, "kind": "work"},
                )  # fmt: skip
                self.summary.addresses += 1
            if self.rnd.random() < 0.5:
                await notes.add_note(self.db, at, user, await fresh(), self.rnd.choice(NOTES), pinned=i % 7 == 0)
                self.summary.notes += 1
            if i % 9 == 0 and self.b.files is not None:
                upload = check_upload(
                    "door-measurements.txt", f"Opening: 16 ft x 7 ft\nCustomer {r['display_id']}\n".encode()
                )
                await files.add_file(self.db, self.b.files, at, user.actor, await fresh(), upload)
                self.summary.files += 1
            if i % 12 == 0 and ring is not None:
                item = secure_access.check_input("Garage keypad", "device", notes="Side door keypad")
                await secure_access.create_item(self.db, at, user.actor, ring, await fresh(), item, f"{4400 + i}")
                self.summary.secure_items += 1

    # --- booking, QuickBooks, reports ------------------------------------------------------------

    async def booking(self) -> None:
        if self.b.files is None or await embeds.count(self.db):
            return
        assert self.owner is not None
        office = self.offices["Garage"]
        draft = embeds.Draft(
            name="Garage door repair",
            slug="garage-door-repair",
            office_id=str(office.id),
            page_title="Book a garage door visit",
            company_name="Porchlight Doors",
            services=[{"name": "Spring replacement", "price": "From $189"}, {"name": "Tune-up", "price": "$99"}],
            callouts=[{"icon": "check", "title": "Same-day service", "body": "Most repairs done on the first visit."}],
            thank_you_message="Thanks! We will call you within the hour to confirm.",
            allowed_domains="example.com",
        )
        settings = embeds.check(draft, {office.id})
        await embeds.create_embed(
            self.db, self.b.files, self.now - timedelta(days=30), self.owner.actor, settings, embeds.Images()
        )
        self.summary.embeds += 1

    async def quickbooks(self) -> None:
        assert self.owner is not None
        if await oauth.connection(self.db) is not None:
            return  # a real (or earlier demo) connection: leave it alone
        now, rnd = self.now, self.rnd
        today = now.astimezone(ZoneInfo(self.offices["Garage"].time_zone)).date()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        people = await self.db.all(
            "SELECT c.name, c.email, c.phone FROM customers c WHERE c.archived_at IS NULL ORDER BY c.id LIMIT 70"
        )
        # Drawn in this order from the one Random, so the demo data stays the same run to run.
        qb_customers = _qb_customers(people, stamp)
        accounts = _qb_accounts(stamp)
        invoices, payments = _qb_invoices(rnd, today, qb_customers, stamp)
        estimates = _qb_estimates(rnd, today, qb_customers, stamp)
        receipts = _qb_receipts(rnd, today, qb_customers, stamp)
        credit = [
            {"Id": "8001", "DocNumber": "CM-8001", "TxnDate": (today - timedelta(days=9)).isoformat(),
             "CustomerRef": _ref(qb_customers[0]), "TotalAmt": 75.0, "Balance": 75.0,
             "MetaData": {"LastUpdatedTime": stamp}}
        ]  # fmt: skip
        statements = oauth.demo_connection(now, self.owner.actor, DEMO_REALM, DEMO_COMPANY)
        for entity, items in (
            ("Customer", qb_customers),
            ("Account", accounts),
            ("Invoice", invoices),
            ("Payment", payments),
            ("Estimate", estimates),
            ("SalesReceipt", receipts),
            ("CreditMemo", credit),
        ):
            statements += objects.upserts(DEMO_REALM, entity, items, now)
            self.summary.quickbooks_objects += len(items)
        await self.db.batch(statements)
        self.summary.quickbooks_linked = await identity.auto_link(self.db, DEMO_REALM, now)

    async def reports(self) -> None:
        await rollups.prepare(self.db, self.now)


def _qb_customers(people: list[Row], stamp: str) -> list[dict[str, Any]]:
    """One QuickBooks customer per demo customer, with its email and phone when it has them."""
    qb_customers = []
    for n, p in enumerate(people, start=1):
        obj: dict[str, Any] = {"Id": str(n), "DisplayName": p["name"], "Active": True,
                               "MetaData": {"LastUpdatedTime": stamp}}  # fmt: skip
        if p["email"]:
            obj["PrimaryEmailAddr"] = {"Address": p["email"]}
        if p["phone"]:
            obj["PrimaryPhone"] = {"FreeFormNumber": p["phone"]}
        qb_customers.append(obj)
    return qb_customers


def _qb_accounts(stamp: str) -> list[dict[str, Any]]:
    """Two bank accounts and a credit card, for the billing page's balances."""
    return [
        {"Id": "35", "Name": "Business Checking", "AccountType": "Bank", "AccountSubType": "Checking",
         "CurrentBalance": 48210.55, "Active": True, "MetaData": {"LastUpdatedTime": stamp}},
        {"Id": "36", "Name": "Savings", "AccountType": "Bank", "AccountSubType": "Savings",
         "CurrentBalance": 15000.00, "Active": True, "MetaData": {"LastUpdatedTime": stamp}},
        {"Id": "41", "Name": "Company Visa", "AccountType": "Credit Card", "AccountSubType": "CreditCard",
         "CurrentBalance": 3412.80, "Active": True, "MetaData": {"LastUpdatedTime": stamp}},
    ]  # fmt: skip


def _ref(c: dict[str, Any]) -> dict[str, str]:
    return {"value": c["Id"], "name": c["DisplayName"]}


def _amount(rnd: random.Random) -> float:
    return round(rnd.choice((189, 249, 299, 389, 520, 1250, 1890, 2450)) + rnd.randint(0, 99) / 100, 2)


def _qb_invoices(
    rnd: random.Random, today: date, qb_customers: list[dict[str, Any]], stamp: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Invoices over the last 120 days (this period and the one before), and the payments of those
    paid: most older than 20 days, about a third of the newer ones."""
    invoices, payments = [], []
    for n in range(1, 131):
        c = rnd.choice(qb_customers)
        day = today - timedelta(days=rnd.randint(0, 120))
        subtotal = _amount(rnd)
        tax = round(subtotal * 0.08875, 2)
        total = round(subtotal + tax, 2)
        paid = (day < today - timedelta(days=20) and rnd.random() < 0.8) or rnd.random() < 0.35
        invoices.append(
            {"Id": str(1000 + n), "DocNumber": f"INV-{1000 + n}", "TxnDate": day.isoformat(),
             "DueDate": (day + timedelta(days=15)).isoformat(), "CustomerRef": _ref(c), "TotalAmt": total,
             "Balance": 0 if paid else total, "TxnTaxDetail": {"TotalTax": tax},
             "MetaData": {"LastUpdatedTime": stamp}}
        )  # fmt: skip
        if paid:
            paid_on = min(day + timedelta(days=rnd.randint(0, 14)), today)
            payments.append(
                {"Id": str(5000 + n), "TxnDate": paid_on.isoformat(), "CustomerRef": _ref(c), "TotalAmt": total,
                 "UnappliedAmt": 0, "Line": [{"Amount": total, "LinkedTxn": [{"TxnId": str(1000 + n),
                 "TxnType": "Invoice"}]}], "MetaData": {"LastUpdatedTime": stamp}}
            )  # fmt: skip
    return invoices, payments


def _qb_estimates(
    rnd: random.Random, today: date, qb_customers: list[dict[str, Any]], stamp: str
) -> list[dict[str, Any]]:
    """Estimates from the last 40 days, most still pending."""
    estimates = []
    for n in range(1, 19):
        c = rnd.choice(qb_customers)
        day = today - timedelta(days=rnd.randint(0, 40))
        estimates.append(
            {"Id": str(3000 + n), "DocNumber": f"EST-{3000 + n}", "TxnDate": day.isoformat(),
             "ExpirationDate": (day + timedelta(days=45)).isoformat(), "CustomerRef": _ref(c),
             "TotalAmt": _amount(rnd) * 2, "TxnStatus": rnd.choice(("Pending", "Pending", "Accepted", "Closed")),
             "MetaData": {"LastUpdatedTime": stamp}}
        )  # fmt: skip
    return estimates


def _qb_receipts(
    rnd: random.Random, today: date, qb_customers: list[dict[str, Any]], stamp: str
) -> list[dict[str, Any]]:
    """Sales receipts (paid on the spot) from the last 110 days."""
    receipts = []
    for n in range(1, 13):
        c = rnd.choice(qb_customers)
        subtotal = _amount(rnd)
        tax = round(subtotal * 0.08875, 2)
        receipts.append(
            {"Id": str(7000 + n), "DocNumber": f"SR-{7000 + n}",
             "TxnDate": (today - timedelta(days=rnd.randint(0, 110))).isoformat(), "CustomerRef": _ref(c),
             "TotalAmt": round(subtotal + tax, 2), "TxnTaxDetail": {"TotalTax": tax},
             "MetaData": {"LastUpdatedTime": stamp}}
        )  # fmt: skip
    return receipts


async def seed_business(bindings: Bindings, now: datetime) -> Summary | None:
    """Seed the demo business once. None when the database already has leads or customers."""
    if await already_seeded(bindings):
        return None
    seeder = _Seeder(bindings, now)
    await seeder.setup()
    await demo_tracking.seed(bindings, now, seeder.owner)  # issue 17: tracking-source routes
    await seeder.leads()
    await seeder.direct_customers()
    await seeder.enrich_customers()
    await seeder.booking()
    await demo_network.seed_network(bindings, now)  # the contractor network (issue 19)
    await demo_jobs.seed_jobs(bindings, now)  # jobs and dispatch (issue 20)
    await seeder.quickbooks()
    await seeder.reports()
    await demo_technicians.seed_technicians(bindings, now, seeder.owner.actor if seeder.owner else SYSTEM)
    assert seeder.owner is not None  # setup() found one or refused
    await demo_messaging.seed(bindings, now, seeder.offices, seeder.owner)  # issue 21: email senders
    seeder.summary.extra.append(await demo_sms.seed(bindings, now) or "")  # SMS lines and threads (issue 21)
    await demo_tickets.seed_tickets(bindings, now)  # issue 24
    await demo_jobs_finance.seed_jobs_finance(bindings, now, seeder.owner)  # finance, auto status (issue 20)
    await demo_report_jobs.seed(bindings, now)  # the reports' Jobs tab: five weeks of finished jobs (issue 20)
    # after the report history: its once-only check looks for any job created over a week ago
    await demo_archived.seed(bindings, now)  # two archived jobs for the 📦 Archived modal (issue 20, ARC-3)
    seeder.summary.extra.append(await demo_tasks.seed(bindings, now))  # tasks, recurring, report emails (issue 23)
    seeder.summary.extra.append(await demo_finance_reports.seed(bindings, now, seeder.owner))  # FIN-8/FIN-10
    automations = await demo_automations.seed(bindings, now, seeder.owner)  # issue 22: rules, and their log
    if automations:
        seeder.summary.extra.append(automations[0])
        seeder.summary.leads += automations[1]
    seeder.summary.extra.append(await demo_webhooks.seed(bindings, now, seeder.owner.actor) or "")  # issue 22
    return seeder.summary
