"""The one authorization module: may this user do X (to this record)?

Three layers, all answered here:
1. `ROUTES` — every registered route's (method, path) names the action it needs, or PUBLIC /
   SIGNED_IN. `app.authorize_route` enforces it for every request before any handler runs; a route
   missing from the table is refused (default deny), and tests/accounts/test_authz.py fails.
2. `ACTIONS` — which roles may perform an action (seed 002 "Page access by role", extended with
   Porchlight's pages).
3. Record scope — which records this user may see or touch: SQL fragments for queries
   (`lead_scope`, `customer_scope`, `office_filter`, `office_staff`), office lists
   (`visible_offices`, `requested_offices`) and checks on a record in hand (`visible_office`, the
   phone of a claimed lead, one's own photo or note). The per-resource access functions
   (`leads.lead_for_user`, `customers.customer_for_user`) are built on them and answer 404 for a
   record out of scope exactly as for a missing one. No other module decides by a role name or the
   user's offices (tests/test_architecture_scope.py); the list of roles is `users.ROLES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from accounts.users import ROLES, User
from core.storage import Param, sql_in

PUBLIC = "public"  # anyone, no session needed (login page, health, intake webhooks)
SIGNED_IN = "signed_in"  # any active user (their own account, logout)

STAFF = frozenset({"owner", "admin", "finance_admin", "agent", "viewer"})
EVERYONE = frozenset(ROLES)
OWNER = frozenset({"owner"})

ACTIONS: dict[str, frozenset[str]] = {
    # Leads: everyone reaches the page; partners see only their own records (read-only).
    "leads.view": EVERYONE,
    "leads.edit": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "leads.archive": frozenset({"owner", "admin", "finance_admin"}),
    "leads.delete": OWNER,
    # Duplicate cleanup is the owner's tool (seed 002 "Owner tool", issue 17).
    "leads.merge": frozenset({"owner"}),
    # Converting makes (or links) a customer and returning undoes it: whoever works leads, not viewers
    # or partners. Kept apart from leads.edit so the two can diverge.
    "leads.convert": frozenset({"owner", "admin", "finance_admin", "agent"}),
    # Photos on a lead: whoever works leads adds them and deletes their own; admins and up delete any.
    "leads.photos.delete_any": frozenset({"owner", "admin", "finance_admin"}),
    # Clients: staff; partners never see the customer book.
    "clients.view": STAFF,
    "clients.edit": frozenset({"owner", "admin", "finance_admin", "agent"}),
    # The billing profile (terms, credit, payment token) follows finance: not agents.
    "clients.billing": frozenset({"owner", "admin", "finance_admin"}),
    # Archiving and merging take a customer out of the working list: admin and up, as for leads.
    "clients.archive": frozenset({"owner", "admin", "finance_admin"}),
    "clients.merge": frozenset({"owner", "admin", "finance_admin"}),
    "clients.delete": OWNER,
    # Notes: their authors change or delete them; these roles may delete anyone's.
    "clients.notes.manage_any": frozenset({"owner", "admin"}),
    # Billing mirrors the Finance column: owner and finance admin, viewer read-only.
    "billing.view": frozenset({"owner", "finance_admin", "viewer"}),
    # Writing to QuickBooks (an estimate's status) is finance work: not the read-only viewer.
    "billing.estimates": frozenset({"owner", "finance_admin"}),
    # The QuickBooks matches queue is customer identity work in Clients: whoever keeps the billing
    # profile (seed 000: "QuickBooks matching data belongs here").
    "quickbooks.match": frozenset({"owner", "admin", "finance_admin"}),
    "reports.view": STAFF,
    # Maintenance is the Control Panel: owner only.
    "maintenance.view": OWNER,
    "sources.manage": OWNER,
    "users.manage": OWNER,
    "offices.manage": OWNER,
    "offices.view": STAFF,
    "audit.view": OWNER,
    # Secure access (saved WiFi/device passwords): the people who troubleshoot on site or on the
    # phone may save and reveal them; finance, viewers and partners may not (they see them masked).
    "secure_access.manage": frozenset({"owner", "admin", "agent"}),
    "secure_access.reveal": frozenset({"owner", "admin", "agent"}),
    # Customer files: whoever edits clients uploads and deletes; every staff role lists and downloads.
    "files.manage": frozenset({"owner", "admin", "finance_admin", "agent"}),
    # The full data export and the secure-access audit: the owner only.
    "exports.run": OWNER,
    # QuickBooks: only the owner connects, imports, purges (and sees the connection's status).
    "quickbooks.manage": OWNER,
    # Online booking embeds are part of the Control Panel: the owner builds them.
    "booking.manage": OWNER,
    # Account security (issue 17): resetting a teammate's password or second factor. Whom each may
    # reset is `may_reset_credentials` (an admin never resets an owner).
    "users.reset": frozenset({"owner", "admin"}),
    # SMS (issue 21): staff read the threads of their offices; whoever works leads replies; the owner
    # syncs lines, picks each office's sender and keeps the templates (Maintenance → SMS).
    "sms.view": STAFF,
    "sms.send": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "sms.manage": OWNER,
    # issue 21: the outbox (Maintenance → Outbox, Redeliver), email senders (office identities and
    # Finance's, FIN-10: owner) and the development mailbox — all Control Panel, owner only.
    "outbox.view": OWNER,
    "outbox.redeliver": OWNER,
    "email.identities": OWNER,
    "devmail.view": OWNER,
    # Tickets and AI (issue 24): tickets follow clients (staff see them, whoever edits clients works
    # them); the assistant is for every staff role, viewers included (AIA-10), never partners; its
    # model, prices and caps are the owner's, who also replays anyone's conversation (audit.view).
    "tickets.view": STAFF,
    "tickets.edit": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "assistant.use": STAFF,
    "assistant.manage": OWNER,
    # Account security (issue 17): resetting a teammate's password or second factor. Whom each may
    # reset is `may_reset_credentials` (an admin never resets an owner).
    # Tasks (issue 23, TSK-2/TSK-6): staff see tasks, partners have none; non-viewers create, edit
    # what is theirs and mark done / re-open; "All" is admin and up (office-scoped but for the owner);
    # recurring templates and the emailed reports are the owner's (Control Panel).
    "tasks.view": STAFF,
    "tasks.work": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "tasks.all": frozenset({"owner", "admin", "finance_admin"}),
    "tasks.recurring": OWNER,
    "reports.email": OWNER,
    # The global timeline (seed 002: admin / viewer / owner; finance_admin has admin powers).
    "timeline.view": frozenset({"owner", "admin", "finance_admin", "viewer"}),
    # Account security (issue 17): resetting a teammate's password or second factor. Whom each may
    # reset is `may_reset_credentials` (an admin never resets an owner).
    # The contractor network (issue 19, BEHAVIOUR X-2): contractors and service areas are read by staff
    # and edited by the owner and finance admins; partners never see them. Priority zones:
    # admin and above (PZ-1). Job settings are Maintenance: the owner (A.17).
    "network.view": STAFF,
    "network.edit": frozenset({"owner", "finance_admin"}),
    "network.zones": frozenset({"owner", "admin", "finance_admin"}),
    "job_settings.manage": OWNER,
    # SMS (issue 21): staff read the threads of their offices; whoever works leads replies; the owner
    # syncs lines, picks each office's sender and keeps the templates (Maintenance → SMS).
    # Automations (issue 22, AUT-1): Maintenance → Automations & Integrations, owner only.
    "automations.manage": OWNER,
    # issue 22: outbound webhooks (Maintenance → Webhooks), the owner only (WHO-1)
    "webhooks.manage": OWNER,
    # Jobs and dispatch (issue 20, BEHAVIOUR 1.1 and X-1): everyone reads (partners their partner's
    # jobs only); agents and up create, edit operational fields, change status, K-confirm, rebook and
    # assign; moving a job back to Submitted, archive and restore are admin and above; hard delete is
    # the owner's. The derived payout is shown to the finance roles (owner, finance admin, viewer).
    "jobs.view": EVERYONE,
    "jobs.create": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "jobs.edit": frozenset({"owner", "admin", "finance_admin", "agent"}),
    "jobs.status.submitted": frozenset({"owner", "admin", "finance_admin"}),
    "jobs.archive": frozenset({"owner", "admin", "finance_admin"}),
    "jobs.delete": OWNER,
    "jobs.finance": frozenset({"owner", "finance_admin", "viewer"}),
    # Finance, Workiz import, reminders, auto status (issue 20, second half). /finance: owner and
    # finance admin edit, the viewer reads (FIN-1, FIN-11); plain admins, agents, partners are kept out.
    # The Workiz import is owner + admin (+ finance admin, IMP-10); the reminders are dispatch work.
    "finance.view": frozenset({"owner", "finance_admin", "viewer"}),
    "finance.edit": frozenset({"owner", "finance_admin"}),
    "jobs.import": frozenset({"owner", "admin", "finance_admin"}),
    "jobs.reminders": frozenset({"owner", "admin", "finance_admin", "agent"}),
    # FIN-8/FIN-10: CP → Finance settings (the Finance SMS line, the weekly payment summaries) is the owner's
    "finance.settings": OWNER,
}

# Every route the app registers. Keys are (method, path template) exactly as FastAPI knows them.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/webhook/leads"): PUBLIC,
    ("POST", "/webhook/facebook"): PUBLIC,
    ("POST", "/webhook/s/{token}"): PUBLIC,
    ("GET", "/request-help"): PUBLIC,
    ("POST", "/request-help"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/"): SIGNED_IN,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/leads"): "leads.view",
    ("GET", "/leads/{display_id}"): "leads.view",
    ("GET", "/api/leads"): "leads.view",
    ("POST", "/api/leads"): "leads.edit",
    ("GET", "/leads/new"): "leads.edit",
    ("POST", "/leads"): "leads.edit",
    ("GET", "/api/leads/changes"): "leads.view",
    ("GET", "/api/leads/{display_id}"): "leads.view",
    ("PATCH", "/api/leads/{display_id}"): "leads.edit",
    ("POST", "/api/leads/{display_id}/claim"): "leads.edit",
    ("POST", "/api/leads/{display_id}/notes"): "leads.edit",
    ("POST", "/leads/{display_id}/edit"): "leads.edit",
    ("POST", "/leads/{display_id}/notes"): "leads.edit",
    ("POST", "/api/leads/{display_id}/call-attempts"): "leads.edit",
    ("POST", "/api/leads/{display_id}/archive"): "leads.archive",
    ("POST", "/api/leads/{display_id}/restore"): "leads.archive",
    ("DELETE", "/api/leads/{display_id}"): "leads.delete",
    ("POST", "/leads/{display_id}/claim"): "leads.edit",
    ("POST", "/leads/{display_id}/call"): "leads.edit",
    ("POST", "/leads/{display_id}/status"): "leads.edit",
    ("POST", "/leads/{display_id}/archive"): "leads.archive",
    ("POST", "/leads/{display_id}/restore"): "leads.archive",
    ("POST", "/leads/{display_id}/delete"): "leads.delete",
    ("GET", "/leads/duplicates"): "leads.merge",
    ("POST", "/leads/duplicates/merge"): "leads.merge",
    ("GET", "/api/leads/duplicates"): "leads.merge",
    ("POST", "/api/leads/duplicates/merge"): "leads.merge",
    ("GET", "/api/leads/{display_id}/candidates"): "leads.convert",
    ("POST", "/api/leads/{display_id}/convert"): "leads.convert",
    ("POST", "/api/leads/{display_id}/return"): "leads.convert",
    ("GET", "/leads/{display_id}/convert"): "leads.convert",
    ("POST", "/leads/{display_id}/convert"): "leads.convert",
    ("POST", "/leads/{display_id}/return"): "leads.convert",
    # Photos and the review-request progression (seed 001). Deleting someone else's photo is refused
    # in lead_photos (uploader or leads.photos.delete_any).
    ("GET", "/leads/{display_id}/photos/{photo_id}"): "leads.view",
    ("POST", "/leads/{display_id}/photos"): "leads.edit",
    ("POST", "/leads/{display_id}/photos/{photo_id}/delete"): "leads.edit",
    ("GET", "/api/leads/{display_id}/photos"): "leads.view",
    ("POST", "/api/leads/{display_id}/photos"): "leads.edit",
    ("DELETE", "/api/leads/{display_id}/photos/{photo_id}"): "leads.edit",
    ("POST", "/api/leads/{display_id}/review"): "leads.edit",
    ("POST", "/leads/{display_id}/review"): "leads.edit",
    ("GET", "/clients/{display_id}"): "clients.view",
    ("GET", "/clients"): "clients.view",
    # The customer record (pages) and its JSON API.
    ("POST", "/clients/{display_id}/edit"): "clients.edit",
    ("POST", "/clients/{display_id}/status"): "clients.edit",
    ("POST", "/clients/{display_id}/tags"): "clients.edit",
    ("POST", "/clients/{display_id}/tags/remove"): "clients.edit",
    ("POST", "/clients/{display_id}/billing"): "clients.billing",
    ("POST", "/clients/{display_id}/archive"): "clients.archive",
    ("POST", "/clients/{display_id}/restore"): "clients.archive",
    ("POST", "/clients/{display_id}/merge"): "clients.merge",
    ("POST", "/clients/{display_id}/delete"): "clients.delete",
    ("POST", "/clients/{display_id}/contacts"): "clients.edit",
    ("POST", "/clients/{display_id}/contacts/{contact_id}"): "clients.edit",
    ("POST", "/clients/{display_id}/contacts/{contact_id}/primary"): "clients.edit",
    ("POST", "/clients/{display_id}/contacts/{contact_id}/delete"): "clients.edit",
    ("POST", "/clients/{display_id}/addresses"): "clients.edit",
    ("POST", "/clients/{display_id}/addresses/{address_id}"): "clients.edit",
    ("POST", "/clients/{display_id}/addresses/{address_id}/delete"): "clients.edit",
    ("POST", "/clients/{display_id}/notes"): "clients.edit",
    ("POST", "/clients/{display_id}/notes/{note_id}/pin"): "clients.edit",
    ("POST", "/clients/{display_id}/notes/{note_id}/delete"): "clients.edit",
    ("POST", "/api/customers"): "clients.edit",
    ("GET", "/api/customers/{display_id}"): "clients.view",
    ("PATCH", "/api/customers/{display_id}"): "clients.edit",
    ("DELETE", "/api/customers/{display_id}"): "clients.delete",
    ("PATCH", "/api/customers/{display_id}/billing"): "clients.billing",
    ("POST", "/api/customers/{display_id}/archive"): "clients.archive",
    ("POST", "/api/customers/{display_id}/restore"): "clients.archive",
    ("POST", "/api/customers/{display_id}/merge"): "clients.merge",
    ("GET", "/api/customers/{display_id}/timeline"): "clients.view",
    ("POST", "/api/customers/{display_id}/tags"): "clients.edit",
    ("DELETE", "/api/customers/{display_id}/tags"): "clients.edit",
    ("GET", "/api/customers/{display_id}/contacts"): "clients.view",
    ("POST", "/api/customers/{display_id}/contacts"): "clients.edit",
    ("PATCH", "/api/customers/{display_id}/contacts/{contact_id}"): "clients.edit",
    ("DELETE", "/api/customers/{display_id}/contacts/{contact_id}"): "clients.edit",
    ("POST", "/api/customers/{display_id}/contacts/{contact_id}/primary"): "clients.edit",
    ("GET", "/api/customers/{display_id}/addresses"): "clients.view",
    ("POST", "/api/customers/{display_id}/addresses"): "clients.edit",
    ("PATCH", "/api/customers/{display_id}/addresses/{address_id}"): "clients.edit",
    ("DELETE", "/api/customers/{display_id}/addresses/{address_id}"): "clients.edit",
    ("GET", "/api/customers/{display_id}/notes"): "clients.view",
    ("POST", "/api/customers/{display_id}/notes"): "clients.edit",
    ("PATCH", "/api/customers/{display_id}/notes/{note_id}"): "clients.edit",
    ("DELETE", "/api/customers/{display_id}/notes/{note_id}"): "clients.edit",
    ("GET", "/api/customers"): "clients.view",
    # The open-records tray: a user's own pins. Pinning goes through the record's access function.
    ("POST", "/leads/{display_id}/pin"): "leads.view",
    ("POST", "/leads/{display_id}/unpin"): "leads.view",
    ("POST", "/clients/{display_id}/pin"): "clients.view",
    ("POST", "/clients/{display_id}/unpin"): "clients.view",
    ("GET", "/api/open-records"): SIGNED_IN,
    ("POST", "/api/open-records"): SIGNED_IN,
    ("DELETE", "/api/open-records/{kind}/{display_id}"): SIGNED_IN,
    ("GET", "/billing"): "billing.view",
    ("GET", "/api/billing/summary"): "billing.view",
    ("GET", "/api/billing/metrics"): "billing.view",
    ("GET", "/api/billing/estimates"): "billing.view",
    ("PATCH", "/api/billing/estimates/{qbo_id}"): "billing.estimates",
    ("POST", "/billing/estimates/{qbo_id}/status"): "billing.estimates",
    ("GET", "/clients/quickbooks-matches"): "quickbooks.match",
    ("POST", "/clients/quickbooks-matches/{qbo_id}"): "quickbooks.match",
    ("GET", "/api/quickbooks/matches"): "quickbooks.match",
    ("POST", "/api/quickbooks/matches/{qbo_id}"): "quickbooks.match",
    ("GET", "/reports"): "reports.view",
    ("GET", "/reports/definitions"): "reports.view",
    ("GET", "/reports/export/{table}.csv"): "reports.view",
    ("GET", "/api/reports/summary"): "reports.view",
    ("GET", "/maintenance"): "maintenance.view",
    ("GET", "/maintenance/system"): "maintenance.view",
    ("GET", "/maintenance/users"): "users.manage",
    ("GET", "/maintenance/users/new"): "users.manage",
    ("POST", "/maintenance/users"): "users.manage",
    ("GET", "/maintenance/users/{user_id}"): "users.manage",
    ("POST", "/maintenance/users/{user_id}"): "users.manage",
    ("POST", "/maintenance/users/{user_id}/active"): "users.manage",
    ("POST", "/maintenance/users/{user_id}/password"): "users.manage",
    ("GET", "/maintenance/offices"): "offices.manage",
    ("POST", "/maintenance/offices"): "offices.manage",
    ("GET", "/maintenance/offices/{office_id}"): "offices.manage",
    ("POST", "/maintenance/offices/{office_id}"): "offices.manage",
    ("POST", "/maintenance/offices/{office_id}/delete"): "offices.manage",
    ("GET", "/maintenance/audit"): "audit.view",
    ("GET", "/maintenance/quarantine"): "maintenance.view",
    ("GET", "/maintenance/sources"): "sources.manage",
    ("GET", "/maintenance/calling-hours"): "sources.manage",
    ("POST", "/maintenance/calling-hours"): "sources.manage",
    ("POST", "/maintenance/calling-hours/{state}/delete"): "sources.manage",
    ("POST", "/maintenance/sources"): "sources.manage",
    ("POST", "/maintenance/sources/{key}"): "sources.manage",
    ("POST", "/maintenance/sources/{key}/rotate"): "sources.manage",
    ("POST", "/maintenance/sources/{key}/move"): "sources.manage",
    ("POST", "/maintenance/sources/order"): "sources.manage",
    ("GET", "/maintenance/lead-settings"): "sources.manage",
    ("POST", "/maintenance/lead-settings/escalation"): "sources.manage",
    ("POST", "/maintenance/lead-settings/sources"): "sources.manage",
    ("POST", "/maintenance/lead-settings/sequences"): "sources.manage",
    ("GET", "/maintenance/lead-settings/sequences/{sequence}"): "sources.manage",
    ("POST", "/maintenance/lead-settings/sequences/{sequence}"): "sources.manage",
    ("GET", "/api/sources"): "leads.view",
    ("POST", "/api/sources"): "sources.manage",
    ("PATCH", "/api/sources/{key}"): "sources.manage",
    ("PATCH", "/api/sources/order"): "sources.manage",
    # issue 17: help pages for people, not developers
    ("GET", "/help/quickbooks"): "offices.view",
    # issue 17: New client (form and duplicate check); New lead from a client is GET /leads/new?customer=
    ("GET", "/clients/new"): "clients.edit",
    ("POST", "/clients/new"): "clients.edit",
    ("GET", "/api/customers/matches"): "clients.view",
    # issue 17: the list you are looking at, exported (scope as on the page)
    ("GET", "/clients/export.{fmt}"): "clients.view",
    ("GET", "/leads/export.{fmt}"): "leads.view",
    # issue 17: tracking-source routes (lead-sources page and API), owner
    ("GET", "/api/tracking-sources"): "sources.manage",
    ("PUT", "/api/tracking-sources"): "sources.manage",
    ("DELETE", "/api/tracking-sources/{label}"): "sources.manage",
    ("POST", "/maintenance/tracking-sources"): "sources.manage",
    ("POST", "/maintenance/tracking-sources/delete"): "sources.manage",
    ("POST", "/maintenance/quarantine/{item_id}/resolve"): "maintenance.view",
    ("GET", "/offices/{slug}"): "offices.view",
    ("GET", "/api/offices"): "offices.view",
    ("GET", "/api/offices/{office_id}"): "offices.view",
    # The coverage map and technicians (issue 19: CTR-4, CTR-6, TECH-1…TECH-6). The calendar feed is
    # public: its unguessable token is the credential (a calendar app has no session).
    ("GET", "/contractors/coverage"): "network.view",
    ("GET", "/api/technicians/{contractor_id}"): "network.view",
    ("GET", "/api/technicians/{contractor_id}/day"): "network.view",
    ("PUT", "/api/technicians/{contractor_id}/home-base"): "network.edit",
    ("POST", "/api/technicians/{contractor_id}/calendar"): "network.edit",
    ("DELETE", "/api/technicians/{contractor_id}/calendar"): "network.edit",
    ("GET", "/calendar/technicians/{token}.ics"): PUBLIC,
    ("GET", "/contractors/technicians"): "network.view",
    ("GET", "/contractors/technicians/{contractor_id}"): "network.view",
    ("POST", "/contractors/technicians/{contractor_id}/home-base"): "network.edit",
    ("POST", "/contractors/technicians/{contractor_id}/calendar"): "network.edit",
    ("POST", "/contractors/technicians/{contractor_id}/calendar/revoke"): "network.edit",
    ("PUT", "/api/offices/{office_id}/address"): "offices.manage",
    ("POST", "/maintenance/offices/{office_id}/address"): "offices.manage",
    ("GET", "/api/users"): "users.manage",
    ("POST", "/api/users"): "users.manage",
    ("GET", "/api/audit"): "audit.view",
    # Clients: secure access, files, exports
    ("GET", "/clients/{display_id}/secure-access"): "clients.view",
    ("POST", "/clients/{display_id}/secure-access"): "secure_access.manage",
    ("POST", "/clients/{display_id}/secure-access/{item_id}"): "secure_access.manage",
    ("POST", "/clients/{display_id}/secure-access/{item_id}/delete"): "secure_access.manage",
    ("POST", "/clients/{display_id}/secure-access/{item_id}/reveal"): "secure_access.reveal",
    ("GET", "/api/customers/{display_id}/secure-access"): "clients.view",
    ("POST", "/api/customers/{display_id}/secure-access"): "secure_access.manage",
    ("PATCH", "/api/customers/{display_id}/secure-access/{item_id}"): "secure_access.manage",
    ("DELETE", "/api/customers/{display_id}/secure-access/{item_id}"): "secure_access.manage",
    ("POST", "/api/customers/{display_id}/secure-access/{item_id}/reveal"): "secure_access.reveal",
    ("GET", "/clients/{display_id}/files"): "clients.view",
    ("POST", "/clients/{display_id}/files"): "files.manage",
    ("GET", "/clients/{display_id}/files/{file_id}"): "clients.view",
    ("POST", "/clients/{display_id}/files/{file_id}/delete"): "files.manage",
    ("GET", "/api/customers/{display_id}/files"): "clients.view",
    ("POST", "/api/customers/{display_id}/files"): "files.manage",
    ("GET", "/api/customers/{display_id}/files/{file_id}"): "clients.view",
    ("DELETE", "/api/customers/{display_id}/files/{file_id}"): "files.manage",
    ("GET", "/maintenance/export"): "exports.run",
    ("POST", "/maintenance/export/secure-access"): "exports.run",
    ("GET", "/api/export.xlsx"): "exports.run",
    ("GET", "/api/export.zip"): "exports.run",
    ("GET", "/api/export/secure-access.xlsx"): "exports.run",
    # QuickBooks connection and one-time import (owner); Intuit's webhook proves itself by signature.
    ("GET", "/maintenance/quickbooks"): "quickbooks.manage",
    ("GET", "/maintenance/quickbooks/progress"): "quickbooks.manage",
    ("POST", "/maintenance/quickbooks/import"): "quickbooks.manage",
    ("POST", "/maintenance/quickbooks/purge"): "quickbooks.manage",
    ("POST", "/maintenance/quickbooks/disconnect"): "quickbooks.manage",
    ("GET", "/quickbooks/connect"): "quickbooks.manage",
    ("GET", "/quickbooks/callback"): "quickbooks.manage",
    ("GET", "/api/quickbooks/status"): "quickbooks.manage",
    ("POST", "/api/quickbooks/import"): "quickbooks.manage",
    ("POST", "/api/quickbooks/purge"): "quickbooks.manage",
    ("POST", "/api/quickbooks/disconnect"): "quickbooks.manage",
    ("POST", "/webhook/quickbooks"): PUBLIC,
    # Online booking: the public widget (no session used) and the owner's builder.
    ("GET", "/book/{slug}"): PUBLIC,
    ("POST", "/book/{slug}"): PUBLIC,
    ("GET", "/book/{slug}/images/{name}"): PUBLIC,
    # issue 21: the outbox, email senders, the development mailbox
    ("GET", "/maintenance/outbox"): "outbox.view",
    ("GET", "/maintenance/outbox/{message_id}"): "outbox.view",
    ("POST", "/maintenance/outbox/{message_id}/redeliver"): "outbox.redeliver",
    ("GET", "/api/outbox"): "outbox.view",
    ("GET", "/api/outbox/{message_id}"): "outbox.view",
    ("POST", "/api/outbox/{message_id}/redeliver"): "outbox.redeliver",
    ("GET", "/maintenance/email"): "email.identities",
    ("GET", "/maintenance/email/{which}"): "email.identities",
    ("POST", "/maintenance/email/{which}"): "email.identities",
    ("POST", "/maintenance/email/{which}/test"): "email.identities",
    ("GET", "/api/email-identities"): "email.identities",
    ("GET", "/api/email-identities/{which}"): "email.identities",
    ("PUT", "/api/email-identities/{which}"): "email.identities",
    ("POST", "/api/email-identities/{which}/test"): "email.identities",
    ("GET", "/maintenance/dev-mailbox"): "devmail.view",
    ("GET", "/api/dev-mailbox"): "devmail.view",
    ("GET", "/maintenance/dev-mailbox/{mailbox_id}/attachments/{index}"): "devmail.view",  # issue 24
    ("GET", "/maintenance/booking"): "booking.manage",
    ("GET", "/maintenance/booking/new"): "booking.manage",
    ("POST", "/maintenance/booking"): "booking.manage",
    ("GET", "/maintenance/booking/{embed_id}"): "booking.manage",
    ("POST", "/maintenance/booking/{embed_id}"): "booking.manage",
    ("POST", "/maintenance/booking/{embed_id}/live"): "booking.manage",
    ("POST", "/maintenance/booking/{embed_id}/duplicate"): "booking.manage",
    ("POST", "/maintenance/booking/{embed_id}/delete"): "booking.manage",
    # SMS (issue 21): provider webhooks authenticate by signature (routes/sms_webhooks.py).
    # Tasks, recurring tasks, the global timeline and emailed reports (issue 23).
    ("GET", "/tasks"): "tasks.view",
    ("POST", "/tasks"): "tasks.work",
    ("POST", "/tasks/{task_id}/done"): "tasks.work",
    ("POST", "/tasks/{task_id}/reopen"): "tasks.work",
    ("POST", "/tasks/{task_id}/delete"): "tasks.work",
    ("GET", "/api/tasks"): "tasks.view",
    ("POST", "/api/tasks"): "tasks.work",
    ("GET", "/api/tasks/badge"): "tasks.view",
    ("GET", "/api/tasks/{task_id}"): "tasks.view",
    ("PATCH", "/api/tasks/{task_id}"): "tasks.work",
    ("DELETE", "/api/tasks/{task_id}"): "tasks.work",
    ("POST", "/api/tasks/{task_id}/done"): "tasks.work",
    ("POST", "/api/tasks/{task_id}/reopen"): "tasks.work",
    ("GET", "/api/recurring-tasks"): "tasks.recurring",
    ("POST", "/api/recurring-tasks"): "tasks.recurring",
    ("PATCH", "/api/recurring-tasks/{template_id}"): "tasks.recurring",
    ("DELETE", "/api/recurring-tasks/{template_id}"): "tasks.recurring",
    ("GET", "/maintenance/recurring-tasks"): "tasks.recurring",
    ("POST", "/maintenance/recurring-tasks"): "tasks.recurring",
    ("POST", "/maintenance/recurring-tasks/{template_id}/active"): "tasks.recurring",
    ("POST", "/maintenance/recurring-tasks/{template_id}/delete"): "tasks.recurring",
    ("GET", "/timeline"): "timeline.view",
    ("GET", "/api/timeline"): "timeline.view",
    ("GET", "/api/report-emails"): "reports.email",
    ("PUT", "/api/report-emails"): "reports.email",
    ("POST", "/api/report-emails/send"): "reports.email",
    ("GET", "/maintenance/email-reports"): "reports.email",
    ("POST", "/maintenance/email-reports"): "reports.email",
    ("POST", "/maintenance/email-reports/send"): "reports.email",
    # FIN-8/FIN-10: Finance settings and the weekly payment summaries (owner)
    ("GET", "/maintenance/finance"): "finance.settings",
    ("POST", "/maintenance/finance"): "finance.settings",
    ("POST", "/maintenance/finance/partners/{partner_id}"): "finance.settings",
    ("POST", "/maintenance/finance/send"): "finance.settings",
    ("GET", "/api/finance-settings"): "finance.settings",
    ("PUT", "/api/finance-settings"): "finance.settings",
    ("POST", "/api/finance-settings/send-now"): "finance.settings",
    ("POST", "/webhook/sms/{provider}"): PUBLIC,
    ("POST", "/webhook/sms/{provider}/status"): PUBLIC,
    ("GET", "/sms/media/{uid}/{index}"): PUBLIC,  # signed URL the provider fetches an MMS file from
    ("HEAD", "/sms/media/{uid}/{index}"): PUBLIC,
    ("GET", "/sms"): "sms.view",
    ("GET", "/sms/panel"): "sms.view",  # the 📱 slide-over's fragment (issue 21, panel)
    ("GET", "/sms/threads"): "sms.view",
    ("GET", "/sms/threads/{thread_id}"): "sms.view",
    ("GET", "/sms/attachments/{uid}/{index}"): "sms.view",
    ("POST", "/sms/threads/{thread_id}/reply"): "sms.send",
    ("POST", "/sms/threads/{thread_id}/resolve"): "sms.send",
    ("POST", "/sms/threads/{thread_id}/unread"): "sms.send",
    ("GET", "/api/last-change"): "sms.view",
    ("GET", "/api/sms/threads"): "sms.view",
    ("GET", "/api/sms/threads/{thread_id}"): "sms.view",
    ("POST", "/api/sms/reply"): "sms.send",
    ("POST", "/api/sms/threads/{thread_id}/resolve"): "sms.send",
    ("POST", "/api/sms/threads/{thread_id}/unread"): "sms.send",
    ("GET", "/api/sms/lines"): "sms.view",
    ("POST", "/api/sms/lines/sync"): "sms.manage",
    ("PATCH", "/api/sms/lines/{line_id}"): "sms.manage",
    ("PUT", "/api/sms/senders/{office_id}"): "sms.manage",
    ("GET", "/api/sms/templates"): "sms.view",
    ("POST", "/api/sms/templates"): "sms.manage",
    ("DELETE", "/api/sms/templates/{template_id}"): "sms.manage",
    ("GET", "/maintenance/sms"): "sms.manage",
    ("POST", "/maintenance/sms/sync"): "sms.manage",
    ("POST", "/maintenance/sms/lines/{line_id}"): "sms.manage",
    ("POST", "/maintenance/sms/senders"): "sms.manage",
    ("POST", "/maintenance/sms/templates"): "sms.manage",
    ("POST", "/maintenance/sms/templates/{template_id}/delete"): "sms.manage",
    ("GET", "/leads/{display_id}/messages"): "leads.view",
    ("POST", "/leads/{display_id}/messages"): "sms.send",
    ("GET", "/api/leads/{display_id}/messages"): "leads.view",
    ("POST", "/api/leads/{display_id}/messages"): "sms.send",
    ("GET", "/clients/{display_id}/messages"): "clients.view",
    # Account security (issue 17): own password and second factor, the sign-in's second step, resets.
    ("GET", "/account/security"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/two-factor/start"): SIGNED_IN,
    ("GET", "/account/two-factor/enrol"): SIGNED_IN,
    ("POST", "/account/two-factor/confirm"): SIGNED_IN,
    ("POST", "/account/two-factor/disable"): SIGNED_IN,
    ("POST", "/account/two-factor/recovery-codes"): SIGNED_IN,
    ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("GET", "/people"): "users.reset",
    ("POST", "/people/{user_id}/password"): "users.reset",
    ("POST", "/people/{user_id}/two-factor/reset"): "users.reset",
    ("POST", "/maintenance/two-factor"): "users.manage",
    # Confirmation pages (issue 17): GET on a destructive action's own path, same rule as its POST.
    ("GET", "/leads/{display_id}/archive"): "leads.archive",
    ("GET", "/leads/{display_id}/delete"): "leads.delete",
    ("GET", "/leads/{display_id}/photos/{photo_id}/delete"): "leads.edit",
    ("GET", "/leads/duplicates/resolve"): "leads.merge",
    ("POST", "/leads/duplicates/resolve"): "leads.merge",
    ("GET", "/clients/{display_id}/contacts/{contact_id}/delete"): "clients.edit",
    ("GET", "/clients/{display_id}/addresses/{address_id}/delete"): "clients.edit",
    ("GET", "/clients/{display_id}/notes/{note_id}/delete"): "clients.edit",
    ("GET", "/clients/{display_id}/files/{file_id}/delete"): "files.manage",
    ("GET", "/clients/{display_id}/secure-access/{item_id}/delete"): "secure_access.manage",
    ("GET", "/clients/{display_id}/merge"): "clients.merge",
    # Tickets and AI (issue 24)
    ("GET", "/tickets"): "tickets.view",
    ("GET", "/tickets/{number}"): "tickets.view",
    ("GET", "/clients/{display_id}/tickets"): "tickets.view",
    ("POST", "/clients/{display_id}/tickets"): "tickets.edit",
    ("POST", "/tickets/{number}/status"): "tickets.edit",
    ("POST", "/tickets/{number}/entries"): "tickets.edit",
    ("POST", "/tickets/{number}/entries/{entry_id}/delete"): "tickets.edit",
    ("POST", "/tickets/{number}/chats"): "tickets.edit",
    ("POST", "/tickets/{number}/summaries"): "tickets.edit",
    ("POST", "/tickets/{number}/summaries/{summary_id}"): "tickets.edit",
    ("POST", "/tickets/{number}/summaries/{summary_id}/pdf"): "tickets.edit",
    ("GET", "/tickets/{number}/summaries/{summary_id}/pdf"): "tickets.view",
    ("POST", "/tickets/{number}/summaries/{summary_id}/send"): "tickets.edit",
    ("GET", "/api/tickets"): "tickets.view",
    ("GET", "/api/tickets/{number}"): "tickets.view",
    ("POST", "/api/customers/{display_id}/tickets"): "tickets.edit",
    ("PATCH", "/api/tickets/{number}"): "tickets.edit",
    ("POST", "/api/tickets/{number}/entries"): "tickets.edit",
    ("POST", "/api/tickets/{number}/chats"): "tickets.edit",
    ("POST", "/api/tickets/{number}/summaries"): "tickets.edit",
    ("PATCH", "/api/tickets/{number}/summaries/{summary_id}"): "tickets.edit",
    ("POST", "/api/tickets/{number}/summaries/{summary_id}/draft"): "tickets.edit",
    ("POST", "/api/tickets/{number}/summaries/{summary_id}/pdf"): "tickets.edit",
    ("POST", "/api/tickets/{number}/summaries/{summary_id}/send"): "tickets.edit",
    # issue 24: linked jobs on a ticket (the job itself is scoped by job_scope_sql in tickets.job_links)
    ("POST", "/tickets/{number}/jobs"): "tickets.edit",
    ("POST", "/tickets/{number}/jobs/{job_id}/unlink"): "tickets.edit",
    ("POST", "/api/tickets/{number}/jobs"): "tickets.edit",
    ("DELETE", "/api/tickets/{number}/jobs/{job_id}"): "tickets.edit",
    ("GET", "/assistant"): "assistant.use",
    ("GET", "/assistant/conversations/{conversation_id}"): "assistant.use",
    ("GET", "/assistant/conversations/{conversation_id}/save"): "tickets.edit",
    ("POST", "/api/assistant/messages"): "assistant.use",
    ("GET", "/api/assistant/conversations"): "assistant.use",
    ("GET", "/api/assistant/conversations/{conversation_id}"): "assistant.use",
    ("GET", "/api/assistant/usage"): "assistant.use",
    ("GET", "/maintenance/assistant"): "assistant.manage",
    ("POST", "/maintenance/assistant"): "assistant.manage",
    ("GET", "/api/assistant/settings"): "assistant.manage",
    ("PUT", "/api/assistant/settings"): "assistant.manage",
    # The contractor network (issue 19): job settings, service areas, contractors, priority zones.
    ("GET", "/maintenance/job-settings"): "job_settings.manage",
    ("POST", "/maintenance/job-settings/{kind}"): "job_settings.manage",
    ("POST", "/maintenance/job-settings/{kind}/{value_id}"): "job_settings.manage",
    ("POST", "/maintenance/job-settings/{kind}/{value_id}/delete"): "job_settings.manage",
    ("POST", "/maintenance/job-settings-hours"): "job_settings.manage",
    ("GET", "/api/job-settings"): "network.view",
    ("PATCH", "/api/job-settings"): "job_settings.manage",
    ("GET", "/api/job-types"): "network.view",
    ("POST", "/api/job-types"): "job_settings.manage",
    ("PATCH", "/api/job-types/{value_id}"): "job_settings.manage",
    ("DELETE", "/api/job-types/{value_id}"): "job_settings.manage",
    ("GET", "/api/job-partners"): "network.view",
    ("POST", "/api/job-partners"): "job_settings.manage",
    ("PATCH", "/api/job-partners/{value_id}"): "job_settings.manage",
    ("DELETE", "/api/job-partners/{value_id}"): "job_settings.manage",
    ("GET", "/api/cancel-reasons"): "network.view",
    ("POST", "/api/cancel-reasons"): "job_settings.manage",
    ("PATCH", "/api/cancel-reasons/{value_id}"): "job_settings.manage",
    ("DELETE", "/api/cancel-reasons/{value_id}"): "job_settings.manage",
    ("GET", "/api/job-tags"): "network.view",
    ("POST", "/api/job-tags"): "job_settings.manage",
    ("PATCH", "/api/job-tags/{value_id}"): "job_settings.manage",
    ("DELETE", "/api/job-tags/{value_id}"): "job_settings.manage",
    ("GET", "/service-areas"): "network.view",
    ("POST", "/service-areas"): "network.edit",
    ("POST", "/service-areas/import"): "network.edit",
    ("POST", "/service-areas/{area_id}"): "network.edit",
    ("POST", "/service-areas/{area_id}/delete"): "network.edit",
    ("GET", "/api/service-areas"): "network.view",
    ("POST", "/api/service-areas"): "network.edit",
    ("GET", "/api/service-areas/lookup"): "network.view",
    ("GET", "/api/service-areas/nearest"): "network.view",
    ("GET", "/api/service-areas/covering"): "network.view",
    ("POST", "/api/service-areas/import"): "network.edit",
    ("GET", "/api/service-areas/{area_id}"): "network.view",
    ("PATCH", "/api/service-areas/{area_id}"): "network.edit",
    ("DELETE", "/api/service-areas/{area_id}"): "network.edit",
    ("GET", "/contractors"): "network.view",
    ("POST", "/contractors"): "network.edit",
    ("POST", "/contractors/import"): "network.edit",
    ("POST", "/contractors/{contractor_id}"): "network.edit",
    ("POST", "/contractors/{contractor_id}/active"): "network.edit",
    ("GET", "/api/contractors"): "network.view",
    ("POST", "/api/contractors"): "network.edit",
    ("GET", "/api/contractors/eligible"): "network.view",
    ("POST", "/api/contractors/import"): "network.edit",
    ("GET", "/api/contractors/{contractor_id}"): "network.view",
    ("PATCH", "/api/contractors/{contractor_id}"): "network.edit",
    ("PUT", "/api/contractors/{contractor_id}/areas/{area_id}"): "network.edit",
    ("DELETE", "/api/contractors/{contractor_id}/areas/{area_id}"): "network.edit",
    ("GET", "/api/coverage"): "network.view",
    ("GET", "/api/priority-zones"): "network.view",
    ("POST", "/api/priority-zones"): "network.zones",
    ("GET", "/api/priority-zones/{zone_id}"): "network.view",
    ("PATCH", "/api/priority-zones/{zone_id}"): "network.zones",
    ("DELETE", "/api/priority-zones/{zone_id}"): "network.zones",
    # SMS (issue 21): provider webhooks authenticate by signature (routes/sms_webhooks.py).
    # Automations (issue 22): owner only.
    ("GET", "/maintenance/automations"): "automations.manage",
    ("POST", "/maintenance/automations"): "automations.manage",
    ("GET", "/maintenance/automations/new"): "automations.manage",
    ("GET", "/maintenance/automations/log"): "automations.manage",
    ("POST", "/maintenance/automations/pause"): "automations.manage",
    ("POST", "/maintenance/automations/preview"): "automations.manage",
    ("GET", "/maintenance/automations/{rule_id}"): "automations.manage",
    ("POST", "/maintenance/automations/{rule_id}"): "automations.manage",
    ("POST", "/maintenance/automations/{rule_id}/delete"): "automations.manage",
    ("GET", "/api/automations"): "automations.manage",
    ("POST", "/api/automations"): "automations.manage",
    ("GET", "/api/automations/log"): "automations.manage",
    ("POST", "/api/automations/preview"): "automations.manage",
    ("PUT", "/api/automations/pause"): "automations.manage",
    ("GET", "/api/automations/{rule_id}"): "automations.manage",
    ("PATCH", "/api/automations/{rule_id}"): "automations.manage",
    ("DELETE", "/api/automations/{rule_id}"): "automations.manage",
    # issue 22: outbound webhooks (owner) and the per-Job-Partner inbound lead URLs (WHI-4)
    ("GET", "/maintenance/webhooks"): "webhooks.manage",
    ("POST", "/maintenance/webhooks"): "webhooks.manage",
    ("GET", "/maintenance/webhooks/{endpoint_id}"): "webhooks.manage",
    ("POST", "/maintenance/webhooks/{endpoint_id}"): "webhooks.manage",
    ("POST", "/maintenance/webhooks/{endpoint_id}/delete"): "webhooks.manage",
    ("POST", "/maintenance/webhooks/{endpoint_id}/rotate"): "webhooks.manage",
    ("POST", "/maintenance/webhooks/partners/{partner_id}/lead-url"): "webhooks.manage",
    ("GET", "/api/webhooks/events"): "webhooks.manage",
    ("GET", "/api/webhooks/endpoints"): "webhooks.manage",
    ("POST", "/api/webhooks/endpoints"): "webhooks.manage",
    ("GET", "/api/webhooks/endpoints/{endpoint_id}"): "webhooks.manage",
    ("PATCH", "/api/webhooks/endpoints/{endpoint_id}"): "webhooks.manage",
    ("DELETE", "/api/webhooks/endpoints/{endpoint_id}"): "webhooks.manage",
    ("POST", "/api/webhooks/endpoints/{endpoint_id}/rotate-secret"): "webhooks.manage",
    ("GET", "/api/webhooks/dashboard"): "webhooks.manage",
    ("GET", "/api/webhooks/deliveries"): "webhooks.manage",
    ("GET", "/api/webhooks/partner-lead-urls"): "webhooks.manage",
    ("POST", "/api/webhooks/partner-lead-urls/{partner_id}"): "webhooks.manage",
    ("POST", "/webhook/partner/{token}"): PUBLIC,
    ("POST", "/dev/webhook-receiver/{name}"): PUBLIC,  # development only (404 in production); stores nothing
    # Jobs and dispatch (issue 20).
    ("POST", "/leads/{display_id}/workiz"): "leads.edit",
    ("GET", "/jobs"): "jobs.view",
    ("GET", "/jobs/new"): "jobs.create",
    ("GET", "/jobs/{display_id}"): "jobs.view",
    ("POST", "/jobs/{display_id}/pin"): "jobs.view",
    ("POST", "/jobs/{display_id}/unpin"): "jobs.view",
    ("GET", "/api/jobs"): "jobs.view",
    ("POST", "/api/jobs"): "jobs.create",
    ("GET", "/api/jobs/attention-count"): "jobs.view",
    ("GET", "/api/jobs/changes"): "jobs.view",
    ("GET", "/api/jobs/new-job/places"): "jobs.create",
    ("GET", "/api/jobs/{display_id}"): "jobs.view",
    ("PATCH", "/api/jobs/{display_id}"): "jobs.edit",
    ("DELETE", "/api/jobs/{display_id}"): "jobs.delete",
    ("POST", "/api/jobs/{display_id}/status"): "jobs.edit",
    ("POST", "/api/jobs/{display_id}/k-confirm"): "jobs.edit",
    ("DELETE", "/api/jobs/{display_id}/k-confirm"): "jobs.edit",
    ("POST", "/api/jobs/{display_id}/rebook"): "jobs.edit",
    ("GET", "/api/jobs/{display_id}/contractors"): "jobs.edit",
    ("PUT", "/api/jobs/{display_id}/contractor"): "jobs.edit",
    ("POST", "/api/jobs/{display_id}/archive"): "jobs.archive",
    ("POST", "/api/jobs/{display_id}/restore"): "jobs.archive",
    # The Archived Jobs modal on the board and on Finance (ARC-3, ARC-4): admin and above.
    ("GET", "/jobs/archived"): "jobs.archive",
    ("POST", "/jobs/archived/{display_id}/restore"): "jobs.archive",
    # Finance, the Workiz import, the reminders (issue 20, second half).
    ("GET", "/finance"): "finance.view",
    ("GET", "/api/finance"): "finance.view",
    ("PATCH", "/api/finance/{display_id}"): "finance.edit",
    ("PUT", "/api/finance/{display_id}/paid"): "finance.edit",
    ("POST", "/api/finance/{display_id}/cancel"): "finance.edit",
    ("POST", "/api/finance/{display_id}/undo-cancel"): "finance.edit",
    ("GET", "/api/jobs/auto-status"): "job_settings.manage",
    ("PUT", "/api/jobs/auto-status"): "job_settings.manage",
    ("GET", "/maintenance/auto-status"): "job_settings.manage",
    ("POST", "/maintenance/auto-status"): "job_settings.manage",
    ("GET", "/api/jobs/reminders"): "jobs.reminders",
    ("GET", "/jobs/reminders"): "jobs.reminders",
    ("POST", "/api/jobs/import"): "jobs.import",
    ("POST", "/api/jobs/import/{import_id}/commit"): "jobs.import",
    ("GET", "/api/jobs/import/{import_id}"): "jobs.import",
    ("GET", "/jobs/import"): "jobs.import",
}

# A session with something pending (a forced password change, a required second factor not yet set
# up) reaches only these routes; every other one sends it to PENDING_PAGE first (routes/guard).
PENDING_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/account/security"),
        ("POST", "/account/password"),
        ("POST", "/account/two-factor/start"),
        ("GET", "/account/two-factor/enrol"),
        ("POST", "/account/two-factor/confirm"),
        ("POST", "/logout"),
    }
)
PENDING_PAGE = {"password": "/account/security", "two_factor": "/account/two-factor/enrol"}

# Unsafe-method routes that authenticate by something other than the session cookie (a signature,
# a shared secret, a pre-login double-submit token) and so are exempt from the session CSRF check.
CSRF_EXEMPT: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/login"),
        ("POST", "/login/code"),  # no session yet: the login form's double-submit token, as /login
        ("POST", "/webhook/leads"),  # shared secret
        ("POST", "/webhook/facebook"),  # shared secret
        ("POST", "/webhook/s/{token}"),  # per-source token
        ("POST", "/webhook/partner/{token}"),  # per-Job-Partner token (issue 22, WHI-4)
        ("POST", "/dev/webhook-receiver/{name}"),  # development only: answers 200, changes nothing
        ("POST", "/webhook/quickbooks"),  # Intuit's HMAC signature
        ("POST", "/request-help"),  # public form: makes a lead, nothing else, with no one's authority
        ("POST", "/book/{slug}"),  # the public booking widget: the same, through intake
        ("POST", "/webhook/sms/{provider}"),  # the SMS provider's signature
        ("POST", "/webhook/sms/{provider}/status"),  # the SMS provider's signature
    }
)

# Top-bar navigation: (label, href, action). Items the role cannot open are hidden.
NAV = (
    ("Leads", "/leads", "leads.view"),
    ("Jobs", "/jobs", "jobs.view"),
    ("Clients", "/clients", "clients.view"),
    ("Tickets", "/tickets", "tickets.view"),
    ("Contractors", "/contractors", "network.view"),
    ("Finance", "/finance", "finance.view"),
    ("Billing", "/billing", "billing.view"),
    ("Reports", "/reports", "reports.view"),
    ("Maintenance", "/maintenance", "maintenance.view"),
)


def can(user: User | None, action: str) -> bool:
    if action == PUBLIC:
        return True
    if user is None or not user.active:
        return False
    if action == SIGNED_IN:
        return True
    allowed = ACTIONS.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}")
    return user.role in allowed


def route_rule(method: str, path: str) -> str | None:
    return ROUTES.get((method, path))


# a user none of whose offices has the Jobs feature on has no Jobs or Finance link (/jobs sends
# them to /leads); `User.uses_jobs` is read with the user, so the nav costs no query.
JOBS_NAV = frozenset({"/jobs", "/finance"})


def nav_for(user: User) -> list[tuple[str, str]]:
    return [
        (label, href) for label, href, action in NAV if can(user, action) and (user.uses_jobs or href not in JOBS_NAV)
    ]


# --- Record scope -----------------------------------------------------------------------------------
# Which records may this user see or touch. Domains and routes ask these functions (SQL fragments for
# queries, checks for a record in hand); nothing outside this module (and users.py, which stores and
# validates a role) decides by a role name or by the user's offices: tests/test_architecture_scope.py.

_PARTNER = "partner"


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


_O = TypeVar("_O", bound=_HasId)


def visible_office(user: User, office_id: int | None) -> bool:
    """Record-level office scope: owners and all-office users see every office."""
    return user.sees_office(office_id)


def visible_offices(user: User, offices: Iterable[_O]) -> list[_O]:
    """The offices (in their order) this user sees."""
    return [o for o in offices if user.sees_office(o.id)]


def requested_offices(user: User, requested: Iterable[int]) -> list[int]:
    """A list filter's office ids, limited to the user's: [] when none were asked for (no filter),
    [-1] (matches nothing) when every one asked for is another office's."""
    asked = list(requested)
    return [o for o in asked if user.sees_office(o)] or ([-1] if asked else [])


def sees_every_office(user: User) -> bool:
    """Company-wide figures (QuickBooks in reports) are for users who see every office."""
    return user.all_offices


def scope_office_ids(user: User) -> list[int] | None:
    """The user's office ids, sorted, or None when they see every office (no office bound)."""
    return None if user.all_offices else sorted(user.office_ids)


def office_filter(user: User, column: str = "office_id") -> tuple[str, list[Param]]:
    """A SQL condition limiting rows to the user's offices, for list queries."""
    if user.all_offices:
        return "1 = 1", []
    return sql_in(column, sorted(user.office_ids) or [-1])


def sms_thread_scope(user: User, alias: str = "t") -> tuple[str, list[Param]]:
    """SMS-11: a thread belongs to its line's office; users see their offices' threads, and threads
    of a line with no office only the owner sees. Partners see none."""
    if user.role == _PARTNER:
        return "0 = 1", []
    if user.role == "owner":
        return "1 = 1", []
    condition, params = office_filter(user, f"{alias}.office_id")
    return f"{alias}.office_id IS NOT NULL AND {condition}", params


def sms_stamp_scope(user: User) -> tuple[str, list[Param]]:
    """The same rule over `sms_change_stamps` (office 0 = lines with no office)."""
    if user.role == _PARTNER:
        return "0 = 1", []
    if user.role == "owner":
        return "1 = 1", []
    condition, params = office_filter(user, "office_id")
    return f"office_id != 0 AND {condition}", params


def sees_sms_thread(user: User, office_id: int | None) -> bool:
    if user.role == _PARTNER:
        return False
    if office_id is None:
        return user.role == "owner"
    return user.sees_office(office_id)


def lead_scope(user: User, alias: str = "l") -> tuple[str, list[Param]]:
    """A SQL condition on `leads <alias>`: the leads this user may see at all. Their offices, and for a
    partner only the leads their partner sent (read-only, by `ACTIONS`)."""
    condition, params = office_filter(user, f"{alias}.office_id")
    if user.role == _PARTNER:
        return f"{condition} AND {alias}.partner_name = ?", [*params, user.partner_name or "\x00"]
    return condition, params


def job_scope(user: User, enabled_office_ids: Iterable[int], alias: str = "j") -> tuple[str, list[Param]]:
    """A SQL condition on `jobs <alias>`: the jobs this user may see. Only offices with the Jobs
    feature on count, for everyone (X-8); of those, the user's; a partner only their partner's jobs
    (BRD-12). Offices are listed, so the board's index leads with them."""
    offices = sorted(o for o in enabled_office_ids if user.sees_office(o)) or [-1]
    condition, params = sql_in(f"{alias}.office_id", offices)
    if user.role == _PARTNER:
        return f"{condition} AND {alias}.partner_label = ? COLLATE NOCASE", [*params, user.partner_name or "\x00"]
    return condition, params


def job_scope_sql(user: User, alias: str = "j") -> tuple[str, list[Param]]:
    """`job_scope` with the Jobs offices read inside the query (one statement, for a page's gathered
    reads): the user's offices with the feature on, a partner's own partner."""
    condition, params = office_filter(user, f"{alias}.office_id")
    on = f"{alias}.office_id IN (SELECT id FROM offices WHERE jobs_enabled = 1)"
    if user.role == _PARTNER:
        return f"{condition} AND {on} AND {alias}.partner_label = ? COLLATE NOCASE", [
            *params,
            user.partner_name or "\x00",
        ]
    return f"{condition} AND {on}", params


# Reports' Jobs tab (issue 20): the rollups have no partner column, so a partner never gets it; the
# offices are the report's own selection (already the user's), those with Jobs on.
def sees_report_jobs(user: User) -> bool:
    return user.role != _PARTNER and can(user, "jobs.view") and can(user, "reports.view")


def sees_contractor_contacts(user: User) -> bool:
    """X-4: partners never get a contractor's phone or email, in the page or the JSON."""
    return user.role != _PARTNER


def sees_customers(user: User) -> bool:
    """Partners never see the customer book (their leads only)."""
    return user.role != _PARTNER


def customer_scope(user: User, alias: str = "c") -> tuple[str, list[Param]]:
    """A SQL condition on `customers <alias>`: the customers this user may see, their offices'."""
    if not sees_customers(user):
        return "0 = 1", []
    return office_filter(user, f"{alias}.office_id")


def office_staff(office_id: int, alias: str = "u", *, all_office_users: bool = True) -> tuple[str, list[Param]]:
    """A SQL condition on `users <alias>`: active staff (never a partner) who work the office's records,
    by assignment to it, and (`all_office_users`) by seeing every office."""
    everyone = f" OR {alias}.all_offices = 1 OR {alias}.role = 'owner'" if all_office_users else ""
    return (
        f"{alias}.active = 1 AND {alias}.role != '{_PARTNER}' AND (EXISTS (SELECT 1 FROM user_offices uo"
        f" WHERE uo.user_id = {alias}.id AND uo.office_id = ?){everyone})",
        [office_id],
    )


def sees_lead_phone(user: User, lead: Mapping[str, Any]) -> bool:
    """Fresh leads hide the phone until this user claims them (seed 002 "Claiming")."""
    return lead["status"] != "fresh" or lead["claimed_by"] == user.id


def may_delete_photo(user: User, photo: Mapping[str, Any]) -> bool:
    """A lead's photo: its uploader deletes it, and whoever may delete any."""
    return photo["uploaded_by"] == user.id or can(user, "leads.photos.delete_any")


def may_manage_note(user: User, note: Mapping[str, Any]) -> bool:
    """A customer note: its author changes or deletes it, and whoever may manage any."""
    return note["author_user_id"] == user.id or can(user, "clients.notes.manage_any")


# issue 24: the assistant's own-record rules and its caps' roles.


def staff_roles() -> tuple[str, ...]:
    """The roles that are staff (everyone but partners), in `users.ROLES` order: the assistant's caps."""
    return tuple(r for r in ROLES if r in STAFF)


def owns_conversation(user: User, conversation: Mapping[str, Any]) -> bool:
    """An assistant conversation is continued, and saved to a ticket, by its own user only."""
    return conversation["user_id"] == user.id


def may_replay(user: User, conversation: Mapping[str, Any]) -> bool:
    """A conversation is replayed by its user, and by whoever reads the audit (the owner, AIA-8)."""
    return owns_conversation(user, conversation) or can(user, "audit.view")


def chooses_office(user: User) -> bool:
    """Whether the new-record form offers an office: agents' records go to their first office."""
    return user.role != "agent"


class OfficeRefused(ValueError):
    """A new record was asked for in an office its creator may not put it in."""


def office_for_new_record(user: User, requested: int | None, active: list[int]) -> int:
    """The office a new lead or customer goes into (seed 002 "Manual lead create"): admins and up
    pick any of their offices, agents inherit their first assigned one. An office the caller may not
    use is refused, naming the field, never swapped for another: the caller must get the record it
    asked for or none."""
    mine = [o for o in active if user.sees_office(o)]
    if not mine:
        raise OfficeRefused("You have no active office to put a record in.")
    own = mine[0] if user.all_offices else min(mine)
    if not chooses_office(user):
        if requested is None:
            return own
        if requested != own:
            raise OfficeRefused(f"office_id: agents create records in their first office ({own}); leave it out.")
        return own
    if requested is None:
        return mine[0]
    if requested not in mine:
        raise OfficeRefused("office_id: choose one of your active offices.")
    return requested


# --- Account security (issue 17) ---------------------------------------------------------------------


def requires_second_factor(user: User, required_roles: Iterable[str]) -> bool:
    """The owner made a second factor compulsory for this user's role."""
    return user.role in set(required_roles)


def may_reset_credentials(actor: User, target: User) -> bool:
    """May ACTOR reset TARGET's password or second factor? Never one's own (that is Account security);
    the owner resets anyone; an admin resets anyone but an owner, within the offices they see (a user
    of every office only by an admin of every office)."""
    if actor.id == target.id or not can(actor, "users.reset"):
        return False
    if actor.role == "owner":
        return True
    if target.role == "owner":
        return False
    if target.all_offices:
        return actor.all_offices
    return actor.all_offices or bool(target.office_ids & actor.office_ids)


# --- Tasks (issue 23, BEHAVIOUR.md §E) ---------------------------------------------------------------
_TASK_ADMINS = frozenset({"owner", "admin", "finance_admin"})
TASK_SCOPES = ("mine", "office", "all")


def _my_office_ids(user: User) -> list[int]:
    return sorted(user.office_ids) or [-1]


def task_scope(user: User, scope: str, alias: str = "t") -> tuple[str, list[Param]]:
    """TSK-2: My Tasks = assigned to me OR to one of my offices; My Office = assigned to my offices
    only; All = admins and up: every task for the owner, their offices' (and their own) for others.
    Partners have no tasks."""
    if user.role == _PARTNER:
        return "0 = 1", []
    mine_office, office_params = sql_in(f"{alias}.assignee_office_id", _my_office_ids(user))
    tickets, ticket_params = task_ticket_scope(user, alias)
    if scope == "office":
        return f"{mine_office} AND {tickets}", [*office_params, *ticket_params]
    if scope == "all" and can(user, "tasks.all"):
        if user.role == "owner":
            return "1 = 1", []
        condition, params = office_filter(user, f"{alias}.office_id")
        return (
            f"({condition} OR {mine_office} OR {alias}.assignee_user_id = ? OR {alias}.created_by = ?) AND {tickets}",
            [*params, *office_params, user.id, user.id, *ticket_params],
        )
    return f"({alias}.assignee_user_id = ? OR {mine_office}) AND {tickets}", [user.id, *office_params, *ticket_params]


def task_ticket_scope(user: User, alias: str = "t") -> tuple[str, list[Param]]:
    """Issue 23: a ticket-linked task is seen only by who sees the ticket, i.e. its customer
    (`customer_scope`); tasks linked to anything else are untouched by this condition."""
    if user.role == "owner" or (user.all_offices and sees_customers(user)):
        return "1 = 1", []
    condition, params = customer_scope(user, "tkc")
    return (
        f"({alias}.link_kind IS NULL OR {alias}.link_kind != 'ticket' OR EXISTS (SELECT 1 FROM tickets tkt"
        f" JOIN customers tkc ON tkc.id = tkt.customer_id WHERE tkt.id = {alias}.link_id AND {condition}))",
        params,
    )


def badge_offices(user: User) -> list[int]:
    """TSK-3: the offices whose tasks count in the user's 📋 badge (My Tasks' office half)."""
    return [] if user.role == _PARTNER else sorted(user.office_ids)


def sees_task(user: User, task: Mapping[str, Any]) -> bool:
    if user.role == _PARTNER:
        return False
    if user.role == "owner":
        return True
    if task["link_kind"] == "ticket" and not (sees_customers(user) and user.sees_office(task.get("link_office_id"))):
        return False  # issue 23: only who sees the ticket (its customer's office) sees its tasks
    if task["assignee_user_id"] == user.id or task["created_by"] == user.id:
        return True
    if task["assignee_office_id"] is not None and task["assignee_office_id"] in user.office_ids:
        return True
    return can(user, "tasks.all") and task["office_id"] is not None and user.sees_office(task["office_id"])


def may_edit_task(user: User, task: Mapping[str, Any]) -> bool:
    """TSK-6: edit / delete — the creator, the assignee (any member of an assigned office) and admins."""
    if not can(user, "tasks.work") or not sees_task(user, task):
        return False
    return (
        user.role in _TASK_ADMINS
        or task["created_by"] == user.id
        or task["assignee_user_id"] == user.id
        or (task["assignee_office_id"] is not None and task["assignee_office_id"] in user.office_ids)
    )


def may_assign_office(user: User, office_id: int) -> bool:
    """TSK-9: an office assignee is one of the creator's offices (owner: any)."""
    return user.role == "owner" or user.sees_office(office_id)


def may_assign_user(creator: User, assignee: User, link_office_id: int | None) -> bool:
    """TSK-9: an active staff user who shares an office with the creator (owner: anyone) and can see
    the linked record's office."""
    if not assignee.active or assignee.role == _PARTNER:
        return False
    if link_office_id is not None and not assignee.sees_office(link_office_id):
        return False
    if creator.role == "owner" or creator.all_offices or assignee.all_offices or assignee.role == "owner":
        return True
    return bool(creator.office_ids & assignee.office_ids)


def timeline_scope(user: User, alias: str = "e") -> tuple[str, list[Param]]:
    """The global timeline: entries of the user's offices (owner and all-office users: every one)."""
    return office_filter(user, f"{alias}.office_id")


def takes_tasks(user: User) -> bool:
    """Who appears among assignees and the timeline's "User" filter: active staff, never a partner."""
    return user.active and user.role != _PARTNER


def reads_whole_report(user: User) -> bool:
    """The emailed report is the owner's view of every office."""
    return user.active and user.role == "owner"
