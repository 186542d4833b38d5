"""QuickBooks Online: OAuth connection, API client, one-time import, change-data-capture sync, webhooks.

- `client`   endpoints from the settings, the error types, the API calls (through outbound.py)
- `oauth`    the connection row: connect/callback, sealed tokens, single-flight refresh, disconnect
- `objects`  the imported objects table and its idempotent upserts and tombstones
- `importer` import runs advanced by the `quickbooks-import` cron job; purge
- `sync`     the `quickbooks-sync` cron job: reported ids, CDC, LastUpdatedTime re-query fallback
- `webhook`  signature check and both payload shapes; records ids for the next sync
- `status`   what the maintenance page and `GET /api/quickbooks/status` show

docs/quickbooks.md is the operator's guide.
"""
