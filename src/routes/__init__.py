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
    api,
    auth,
    billing,
    booking,
    booking_builder,
    contractor_api,
    contractor_page,
    conversion,
    coverage,
    customer_api,
    customer_files,
    customer_list,
    customer_page,
    customer_parts,
    customer_parts_api,
    duplicates,
    exports,
    finance_api,
    finance_page,
    intake,
    job_api,
    job_auto_status,
    job_board,
    job_import,
    job_reminders,
    job_settings_api,
    job_settings_page,
    lead_api,
    lead_page,
    lead_photos,
    lead_queue,
    lead_settings,
    maintenance,
    office_address,
    open_records,
    priority_zone_api,
    quickbooks,
    reports,
    secure_access,
    service_area_api,
    service_area_page,
    shell,
    sources,
    system,
    technician_page,
    technicians,
)

# Plain Starlette routes matched before any router (see `guard.public_routes`), and their OpenAPI paths.
PLAIN_ROUTES = [*intake.WEBHOOK_ROUTES]
PLAIN_OPENAPI = {**intake.OPENAPI_PATHS}

ROUTERS = [
    system.router,
    auth.router,
    intake.router,
    booking.router,
    duplicates.router,  # before the lead routes: /leads/duplicates is not a lead id
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
    exports.router,
    open_records.router,
    sources.router,
    lead_settings.router,
    quickbooks.router,  # before maintenance: /maintenance/quickbooks is its own page
    reports.router,
    booking_builder.router,  # before maintenance: /maintenance/booking is its own page
    # The contractor network's map and technicians (issue 19); coverage before any /contractors/{id}.
    coverage.router,
    technicians.router,
    technician_page.router,
    office_address.router,
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
    job_api.router,
    job_board.router,
    # Finance, the Workiz import, the reminders (issue 20, second half).
    finance_api.router,
    finance_page.router,
    shell.router,
    account.router,
    maintenance.router,
    api.router,
]
