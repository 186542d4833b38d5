"""Outbound webhooks (issue 22, BEHAVIOUR §D): slots, fan-outs, payloads, signed delivery through the outbox."""
