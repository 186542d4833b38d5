"""QuickBooks Online integration (OAuth, API client, import, change-data-capture sync, webhooks).

Empty until the QuickBooks capability lands; the package exists so the layout is fixed.
"""
