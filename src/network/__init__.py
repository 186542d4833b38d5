"""The contractor network (issue 19): job settings (types, partners, cancel reasons, tags, the ASK
FOR UPDATE hours), service areas, contractors with their job types, areas and share terms, priority
zones, bulk uploads, and the matching function dispatch calls. Sits above accounts and below jobs.
"""
