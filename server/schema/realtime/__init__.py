"""Room boards and live subscriptions."""
