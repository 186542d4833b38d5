"""Customers: the record, contacts, addresses, notes, tags, files, secure access, merge, the clients
list and the open-records tray."""
