"""Jobs and dispatch (issue 20): the job record and its verbs (create, edit, status, K-confirm,
rebook, assign, archive/restore/delete), attention flags derived at read time, the board's reads, and
the job events later delivered by webhooks and automations. Sits above customers and network.
"""
