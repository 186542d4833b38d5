"""HTTP routes: parse and validate, call one domain function, render or answer JSON.

Every route here must appear in `authz.ROUTES`; the app-wide gate enforces it. One module per page or
API group, each at most 400 lines (tests/app/test_route_size.py). A route finds the record it acts on
through `routes.lookup` (one access function per resource, raising `core.errors.NotFound`).

Names (docs DOMAIN.md): the record is a *customer* — in code, in the API and in every refusal text
("We couldn't find that customer.", "… customer C-1234."), pages included. "Clients" is only the
page's title, its nav label and its URL (`/clients`); prose about the page itself ("the client page")
may use it, a message about the record may not.
"""

from routes import (
    account,
    account_security,  # issue 17: account security
    api,
    assistant,
    assistant_settings,
    auth,
    automations_api,  # issue 22
    automations_page,
    billing,
    booking,
    booking_builder,
    confirm_pages,
    contractor_api,
    contractor_page,
    conversion,
    coverage,
    customer_api,
    customer_files,
    customer_list,
    customer_new,
    customer_page,
    customer_parts,
    customer_parts_api,
    duplicates,
    duplicates_resolve,
    email_identities,
    exports,
    finance_api,
    finance_page,
    finance_settings,  # FIN-8/FIN-10: before maintenance: /maintenance/finance
    help_pages,
    intake,
    job_api,
    job_archive,
    job_auto_status,
    job_board,
    job_import,
    job_reminders,
    job_settings_api,
    job_settings_page,
    lead_api,
    lead_messages,
    lead_page,
    lead_photos,
    lead_queue,
    lead_settings,
    list_exports,
    maintenance,
    office_address,
    open_records,
    outbox_page,
    people,  # issue 17: account security
    priority_zone_api,
    quickbooks,
    reports,
    secure_access,
    service_area_api,
    service_area_page,
    shell,
    sms,
    sms_api,
    sms_settings,
    sms_webhooks,
    sources,
    system,
    task_settings,  # issue 23
    tasks,  # issue 23
    technician_page,
    technicians,
    ticket_api,
    ticket_jobs,
    ticket_summary,
    tickets,
    timeline,  # issue 23
    tracking_sources,
    webhooks_api,  # issue 22
    webhooks_dev,  # issue 22: the development receiver
    webhooks_page,  # issue 22
)

# Plain Starlette routes matched before any router (see `guard.public_routes`), and their OpenAPI paths.
PLAIN_ROUTES = [*intake.WEBHOOK_ROUTES, *sms_webhooks.WEBHOOK_ROUTES, *webhooks_dev.ROUTES]
PLAIN_OPENAPI = {**intake.OPENAPI_PATHS, **sms_webhooks.OPENAPI_PATHS}

ROUTERS = [
    system.router,
    auth.router,
    intake.router,
    booking.router,
    duplicates.router,  # before the lead routes: /leads/duplicates is not a lead id
    list_exports.router,  # issue 17; before the lead and client pages: /leads/export.csv is not a lead id
    help_pages.router,  # issue 17
    customer_new.router,  # issue 17; before the client pages and API: /clients/new is not a customer id
    duplicates_resolve.router,  # likewise: /leads/duplicates/resolve
    lead_queue.router,  # before lead_api: /api/leads/changes is not a lead id
    lead_page.router,
    lead_api.router,
    lead_photos.router,
    conversion.router,
    customer_list.router,  # before customer_page: /clients is the list, not a customer
    billing.router,  # before customer_page and shell: /clients/quickbooks-matches, and /billing itself
    customer_page.router,
    customer_parts.router,
    customer_api.router,
    customer_parts_api.router,
    secure_access.router,
    customer_files.router,
    confirm_pages.router,  # GET confirmation pages of destructive POSTs (no-JS path, issue 17)
    exports.router,
    open_records.router,
    sources.router,
    tracking_sources.router,  # issue 17
    lead_settings.router,
    quickbooks.router,  # before maintenance: /maintenance/quickbooks is its own page
    reports.router,
    booking_builder.router,  # before maintenance: /maintenance/booking is its own page
    sms_settings.router,  # before maintenance: /maintenance/sms is its own page (issue 21)
    sms.router,  # SMS panel (issue 21)
    lead_messages.router,
    sms_api.router,
    outbox_page.router,  # issue 21: /maintenance/outbox, /maintenance/dev-mailbox, /api/outbox
    email_identities.router,  # issue 21: /maintenance/email, /api/email-identities
    automations_api.router,  # issue 22: automations (before maintenance's own pages)
    automations_page.router,
    # The contractor network's map and technicians (issue 19); coverage before any /contractors/{id}.
    coverage.router,
    technicians.router,
    technician_page.router,
    office_address.router,
    # issue 24: tickets and the assistant (before customer_page is fine: their paths are their own)
    tickets.router,
    ticket_summary.router,
    ticket_api.router,
    ticket_jobs.router,  # issue 24: linked jobs on a ticket
    assistant.router,
    assistant_settings.router,  # before maintenance: /maintenance/assistant is its own page
    tasks.router,  # issue 23: /tasks, /api/tasks
    task_settings.router,  # issue 23: before maintenance: /maintenance/recurring-tasks, /email-reports
    finance_settings.router,  # FIN-8/FIN-10: before maintenance: /maintenance/finance, /api/finance-settings
    timeline.router,  # issue 23: /timeline, /api/timeline
    # The contractor network (issue 19). Job settings before maintenance: its own page.
    job_settings_api.router,
    job_settings_page.router,
    service_area_api.router,
    service_area_page.router,
    contractor_api.router,
    contractor_page.router,
    priority_zone_api.router,
    # Jobs and dispatch (issue 20).
    job_auto_status.router,  # these fixed paths before /api/jobs/{display_id} and /jobs/{display_id}
    job_reminders.router,
    job_import.router,
    job_archive.router,  # issue 20, ARC-3/ARC-4: /jobs/archived before /jobs/{display_id}
    job_api.router,
    job_board.router,
    # Finance, the Workiz import, the reminders (issue 20, second half).
    finance_api.router,
    finance_page.router,
    shell.router,
    account.router,
    account_security.router,  # issue 17: account security
    people.router,  # issue 17: account security
    webhooks_page.router,  # issue 22: before maintenance (/maintenance/webhooks is its own page)
    webhooks_api.router,  # issue 22
    maintenance.router,
    api.router,
]
