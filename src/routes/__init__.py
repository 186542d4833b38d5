"""HTTP routes: parse and validate, call one domain function, render or answer JSON.

Every route here must appear in `authz.ROUTES`; the app-wide gate enforces it.
"""

from routes import (
    account,
    api,
    auth,
    conversion,
    customers,
    duplicates,
    intake,
    lead_settings,
    leads,
    maintenance,
    shell,
    sources,
    system,
)

ROUTERS = [
    system.router,
    auth.router,
    intake.router,
    duplicates.router,  # before leads: /leads/duplicates is not a lead id
    leads.router,
    conversion.router,
    customers.router,
    sources.router,
    lead_settings.router,
    shell.router,
    account.router,
    maintenance.router,
    api.router,
]
