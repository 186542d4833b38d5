"""Automations (issue 22): rules that send a message when a job or lead changes, or on a schedule."""
