"""Messaging: everything that leaves the building and the conversations staff see."""
