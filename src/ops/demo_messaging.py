"""Demo email (issue 21): sender identities for the Garage and Sliding offices and for Finance, all on
the development provider, a few emails already delivered into the Development mailbox, and one
message the General office could not send (it has no sender yet), so Maintenance → Outbox shows a
failed message with its Redeliver button. Deterministic and idempotent: nothing happens when the
Garage office already has a sender. Everything goes through the owning verbs."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.offices import Office
from accounts.users import User
from core import email as mail
from core import outbox
from core.bindings import Bindings
from core.vault import KeyRing
from messaging import email as messaging_email
from messaging import identities

SENDERS = {
    "Garage": ("garage@porchlight-demo.test", "Porchlight Garage Doors"),
    "Sliding": ("sliding@porchlight-demo.test", "Porchlight Sliding Doors"),
}
FINANCE = ("finance@porchlight-demo.test", "Porchlight Finance")
SENT = (
    (
        "Garage",
        "pat.rivera@example.com",
        "Your garage door estimate",
        "Hi Pat,\n\nThanks for calling us about the "
        "spring on your garage door. A technician can come Tuesday between 9 and 11.\n\nPorchlight Garage Doors",
    ),
    (
        "Sliding",
        "dana.kim@example.com",
        "Sliding door track repair",
        "Hi Dana,\n\nWe have the replacement "
        "rollers in stock. Reply to pick a time that suits you.\n\nPorchlight Sliding Doors",
    ),
    (
        "General",
        "lee.morgan@example.com",
        "Following up on your request",
        "Hi Lee,\n\nJust checking in about the quote you asked for.\n\nPorchlight",
    ),
)


async def seed(bindings: Bindings, now: datetime, offices: dict[str, Office], owner: User) -> int:
    """Returns how many emails it queued (0 when already seeded)."""
    db, ring = bindings.db, KeyRing.from_settings(bindings.settings)
    garage = offices.get("Garage")
    if garage is None or await identities.get(db, "office", garage.id) is not None:
        return 0
    at = now - timedelta(hours=3)
    for name, (address, label) in SENDERS.items():
        if name in offices:
            await identities.save(
                db,
                at,
                owner.actor,
                ring,
                kind="office",
                office_id=offices[name].id,
                office_label=f"office {name}",
                values=identities.check(address, label, "smtp.gmail.com", 587, ""),
            )
    await identities.save(
        db,
        at,
        owner.actor,
        ring,
        kind="finance",
        office_id=None,
        office_label="Finance",
        values=identities.check(*FINANCE, "smtp.gmail.com", 465, ""),
    )
    statements = []
    for name, to, subject, text in SENT:
        if name in offices:
            _, st = messaging_email.queue(at, to=to, subject=subject, text=text, office_id=offices[name].id)
            statements.append(st)
    await db.batch(statements)
    if mail.is_development(bindings):  # captured at once; a real provider gets them from the tick
        await outbox.drain(bindings, len(statements), kinds=[messaging_email.KIND], owner="demo")
    return len(statements)
