"""The CRM assistant (BEHAVIOUR §F.1, AIA-1…AIA-12; issue 24): a conversation with Claude whose
read-only tools ask the same domain functions and the same `authz` scope as the HTTP routes, with the
asking user's role and offices. `settings` owns the owner's model, prices and role caps; `audit` owns
conversations, turns and tool calls (replay, spend); `tools` are the tools; `model` talks to the
Anthropic Messages API through the outbound chokepoint; `chat` runs one turn (the tool loop, caps,
budget, storage); `summary` drafts a ticket's summary; `markdown` renders answers with HTML escaped.
Sits above every domain its tools read (and tickets), below ops, cron and routes."""
