"""Signed webhooks: subscriptions, the delivery outbox and the dispatcher's sending rules."""
