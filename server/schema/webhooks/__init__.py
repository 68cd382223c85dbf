"""Webhooks: inputs and payloads."""
